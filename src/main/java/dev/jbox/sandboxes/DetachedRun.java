package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.RunRequest;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code jbox run -d}: records the sandbox (with its encoded plan) in the state store and hands the plan to the helper's monitor. */
public final class DetachedRun {
  private DetachedRun() {}

  /** --name is for detached sandboxes and image sandboxes (kept in the image store after a foreground run). */
  public static void check(boolean detach, boolean image, String name) {
    if (!detach && !image) throw new JboxException("run: --name needs -d or an IMAGE (a foreground --rootfs sandbox is not kept)");
    SandboxStore.validName(name);
  }

  /** image: the image's name for an image sandbox, else null (the rootfs is shown). */
  public static void send(String id, String name, String image, RunRequest req, Plan plan, Map<String, String> env, PrintStream err) {
    SandboxStore store = SandboxStore.open(env, w -> err.println("jbox: warning: " + w));
    byte[] encoded = PlanWriter.encode(plan);
    Map<String, Object> config = config(id, name, req, plan);
    if (image != null) config.put("image", image);
    config.put("plan", Base64.getEncoder().encodeToString(encoded)); // what jbox start runs again
    Sandbox sb = store.create(id, name, config,
        n -> KeptSandboxes.checkNameFree(dev.jbox.image.store.ImageStore.defaultRoot().resolve("containers"), n, id));
    try {
      PlanChannel.send(PlanWriter.append(encoded, List.of(new PlanWriter.Extra(PlanWriter.T_STATEDIR, sb.dir().toString()))));
    } catch (RuntimeException e) {
      store.remove(sb);
      throw e;
    }
  }

  /**
   * What a kept foreground image sandbox's record (containers/ID/config.json) adds to run it again:
   * the config.json of a detached sandbox with the encoded plan, which jbox start copies into the
   * state store.
   */
  public static void addRestart(Map<String, Object> record, String id, String name, RunRequest req, Plan plan, String etcFiles,
      byte[] encoded) {
    for (Map.Entry<String, Object> e : config(id, name, req, plan).entrySet()) record.putIfAbsent(e.getKey(), e.getValue());
    record.put("etcFiles", etcFiles); // the generated /etc files the plan binds: kept until jbox rm
    record.put("plan", Base64.getEncoder().encodeToString(encoded));
  }

  /** What config.json records: enough for ps and inspect, and the process rules exec applies again. */
  public static Map<String, Object> config(String id, String name, RunRequest req, Plan plan) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("name", name);
    c.put("created", System.currentTimeMillis());
    c.put("image", plan.rootfs());
    c.put("rootfs", plan.rootfs());
    c.put("command", new ArrayList<Object>(plan.argv()));
    c.put("hostname", plan.hostname());
    c.put("network", req.network() != null ? req.network() : plan.namespaces().get(Namespace.NET) == NsMode.HOST ? "host" : "none");
    c.put("stopSignal", "TERM");
    if (plan.overlay() != null) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("lower", new ArrayList<Object>(plan.overlay().lower()));
      o.put("upper", plan.overlay().upper());
      o.put("work", plan.overlay().work());
      c.put("overlay", o);
    }
    Map<String, Object> ns = new LinkedHashMap<>();
    for (Namespace n : Namespace.values()) ns.put(n.procName(), plan.namespaces().getOrDefault(n, NsMode.NEW).planValue());
    c.put("namespaces", ns);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("env", new ArrayList<Object>(plan.env()));
    p.put("cwd", plan.cwd());
    p.put("user", plan.user());
    p.put("capabilities", Long.toUnsignedString(plan.capabilities()));
    List<Object> flags = new ArrayList<>();
    for (Plan.Flag f : plan.flags()) flags.add(f.word());
    p.put("flags", flags);
    List<Object> rl = new ArrayList<>();
    for (Plan.Rlimit r : plan.rlimits()) rl.add(List.of((long) r.resource(), r.soft(), r.hard()));
    p.put("rlimits", rl);
    c.put("process", p);
    return c;
  }
}
