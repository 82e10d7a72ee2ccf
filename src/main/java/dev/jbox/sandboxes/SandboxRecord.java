package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.RunRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What jbox records of one sandbox, whatever made it (its {@code config.json}): written once,
 * before the plan goes to the helper, and read by every command. The encoded plan, which {@code
 * jbox start} sends again, is stored here and nowhere else.
 *
 * @param kind what made the sandbox (see {@link Kind})
 * @param image the image's name as the user gave it, or the rootfs directory of a --rootfs sandbox
 * @param imageId the image's id (sha256:...), or null for a --rootfs sandbox
 * @param created epoch milliseconds
 * @param rm whether it goes when it ends (--rm)
 * @param mounts the user's mounts as given: "-v SPEC", "--mount SPEC" or "--tmpfs SPEC"
 * @param ports the user's -p specs as given
 * @param process what {@code jbox exec} applies again: env, cwd, user, capabilities, flags, rlimits
 * @param plan the encoded plan, base64, or null when the sandbox cannot run again (--rm)
 * @param etcFiles the directory of its generated /etc files kept for {@code jbox start}, or null
 */
public record SandboxRecord(
    String id,
    String name,
    Kind kind,
    String image,
    String imageId,
    String rootfs,
    List<String> command,
    long created,
    boolean rm,
    String hostname,
    String network,
    List<String> ports,
    List<String> mounts,
    String stopSignal,
    Overlay overlay,
    Map<String, String> namespaces,
    Process process,
    String plan,
    String etcFiles) {

  /**
   * What made a sandbox: every kind is listed by {@code ps} and reached by the lifecycle commands
   * the same way (its monitor's state record, see {@link Sandbox}).
   */
  public enum Kind {
    /** {@code jbox run} (foreground or -d), {@code jbox create}. */
    RUN,
    /** {@code jbox shell}: a project's sandbox (see ShellSandboxes), foreground, not started again. */
    SHELL;

    /** The word ps and inspect show. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Kind of(Object word) {
      if (word == null) return RUN;
      for (Kind k : values()) if (k.word().equals(word)) return k;
      throw new JboxException("unknown sandbox kind `" + word + "`");
    }
  }

  /** The overlay's directories: lower dirs top first, the sandbox's own upper and work dirs. */
  public record Overlay(List<String> lower, String upper, String work) {
    public Overlay {
      lower = List.copyOf(lower);
    }
  }

  /** The process rules of pid 1 that {@code jbox exec} applies to the command it runs. */
  public record Process(List<String> env, String cwd, String user, long capabilities, List<String> flags,
      List<Plan.Rlimit> rlimits) {
    public Process {
      env = List.copyOf(env);
      flags = List.copyOf(flags);
      rlimits = List.copyOf(rlimits);
    }
  }

  public SandboxRecord {
    command = List.copyOf(command);
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    namespaces = namespaces == null ? Map.of() : new LinkedHashMap<>(namespaces);
    if (kind == null) kind = Kind.RUN;
  }

  /**
   * The record of a sandbox about to run {@code plan}: image and imageId null for a --rootfs one;
   * encoded the plan to keep for jbox start (null: none).
   */
  public static SandboxRecord of(String id, String name, Kind kind, String image, String imageId, String stopSignal,
      RunRequest req, Plan plan, boolean rm, byte[] encoded, String etcFiles) {
    Overlay overlay = plan.overlay() == null ? null
        : new Overlay(plan.overlay().lower(), plan.overlay().upper(), plan.overlay().work());
    Map<String, String> ns = new LinkedHashMap<>();
    for (Namespace n : Namespace.values()) ns.put(n.procName(), plan.namespaces().getOrDefault(n, NsMode.NEW).planValue());
    List<String> flags = new ArrayList<>();
    for (Plan.Flag f : plan.flags()) flags.add(f.word());
    String network = req != null && req.network() != null ? req.network()
        : plan.namespaces().get(Namespace.NET) == NsMode.HOST ? "host" : "none";
    List<String> mounts = new ArrayList<>();
    List<String> ports = new ArrayList<>();
    if (req != null) {
      for (String v : req.volumes()) mounts.add("-v " + v);
      for (String m : req.mounts()) mounts.add("--mount " + m);
      for (String t : req.tmpfs()) mounts.add("--tmpfs " + t);
      ports.addAll(req.publish());
    }
    return new SandboxRecord(id, name, kind, image != null ? image : plan.rootfs(), imageId, plan.rootfs(), plan.argv(),
        System.currentTimeMillis(), rm, plan.hostname(), network, ports, mounts, stopSignal != null ? stopSignal : "TERM", overlay, ns,
        new Process(plan.env(), plan.cwd(), plan.user(), plan.capabilities(), flags, plan.rlimits()),
        encoded == null ? null : Base64.getEncoder().encodeToString(encoded), etcFiles);
  }

  /** The short id: the first 12 hex digits. */
  public String shortId() {
    return id.substring(0, 12);
  }

  /** The name if it has one, else the short id: how messages name the sandbox. */
  public String label() {
    return name != null ? name : shortId();
  }

  /** The recorded plan's bytes, or null. */
  public byte[] planBytes() {
    return plan == null ? null : Base64.getDecoder().decode(plan);
  }

  /** The same record under another name. */
  public SandboxRecord withName(String newName) {
    return new SandboxRecord(id, newName, kind, image, imageId, rootfs, command, created, rm, hostname, network, ports,
        mounts, stopSignal, overlay, namespaces, process, plan, etcFiles);
  }

  /**
   * The host directories the recorded plan needs to run again: the rootfs, or an image's layers
   * and the sandbox's own upper dir; and its generated /etc files.
   */
  public List<String> neededDirs() {
    List<String> dirs = new ArrayList<>();
    if (overlay != null) {
      dirs.addAll(overlay.lower());
      dirs.add(overlay.upper());
    } else if (rootfs != null) {
      dirs.add(rootfs);
    }
    if (etcFiles != null) dirs.add(etcFiles);
    return dirs;
  }

  /** As config.json holds it. */
  public Map<String, Object> toJson() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("name", name);
    c.put("kind", kind.word());
    c.put("image", image);
    c.put("imageId", imageId);
    c.put("rootfs", rootfs);
    c.put("command", new ArrayList<Object>(command));
    c.put("created", created);
    c.put("rm", rm);
    c.put("hostname", hostname);
    c.put("network", network);
    c.put("ports", new ArrayList<Object>(ports));
    c.put("mounts", new ArrayList<Object>(mounts));
    c.put("stopSignal", stopSignal);
    if (overlay != null) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("lower", new ArrayList<Object>(overlay.lower()));
      o.put("upper", overlay.upper());
      o.put("work", overlay.work());
      c.put("overlay", o);
    }
    c.put("namespaces", new LinkedHashMap<String, Object>(namespaces));
    if (process != null) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("env", new ArrayList<Object>(process.env()));
      p.put("cwd", process.cwd());
      p.put("user", process.user());
      p.put("capabilities", Long.toUnsignedString(process.capabilities()));
      p.put("flags", new ArrayList<Object>(process.flags()));
      List<Object> rl = new ArrayList<>();
      for (Plan.Rlimit r : process.rlimits()) {
        List<Object> one = new ArrayList<>();
        one.add((long) r.resource());
        one.add(r.soft());
        one.add(r.hard());
        rl.add(one);
      }
      p.put("rlimits", rl);
      c.put("process", p);
    }
    c.put("etcFiles", etcFiles);
    c.put("plan", plan);
    return c;
  }

  /** From config.json; a malformed record is a one-line error naming the sandbox. */
  public static SandboxRecord of(Map<String, Object> c) {
    String id = str(c, "id");
    try {
      Overlay overlay = null;
      if (c.get("overlay") instanceof Map<?, ?> o) {
        overlay = new Overlay(strings(o.get("lower")), (String) o.get("upper"), (String) o.get("work"));
      }
      Map<String, String> ns = new LinkedHashMap<>();
      if (c.get("namespaces") instanceof Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) ns.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
      Process process = null;
      if (c.get("process") instanceof Map<?, ?> p) {
        List<Plan.Rlimit> rl = new ArrayList<>();
        if (p.get("rlimits") instanceof List<?> l) {
          for (Object o : l) {
            List<?> r = (List<?>) o;
            rl.add(new Plan.Rlimit(((Number) r.get(0)).intValue(), ((Number) r.get(1)).longValue(),
                ((Number) r.get(2)).longValue()));
          }
        }
        Object caps = p.get("capabilities");
        process = new Process(strings(p.get("env")), (String) p.get("cwd"), (String) p.get("user"),
            caps == null ? 0 : Long.parseUnsignedLong(String.valueOf(caps)), strings(p.get("flags")), rl);
      }
      return new SandboxRecord(id, str(c, "name"), Kind.of(c.get("kind")), str(c, "image"), str(c, "imageId"),
          str(c, "rootfs"), strings(c.get("command")),
          c.get("created") instanceof Number n ? n.longValue() : 0, Boolean.TRUE.equals(c.get("rm")),
          str(c, "hostname"), str(c, "network"), strings(c.get("ports")), strings(c.get("mounts")),
          c.get("stopSignal") instanceof String s ? s : "TERM", overlay, ns, process, str(c, "plan"), str(c, "etcFiles"));
    } catch (ClassCastException | IndexOutOfBoundsException | NumberFormatException | NullPointerException e) {
      throw new JboxException("sandbox " + id + ": malformed record: " + e.getMessage());
    }
  }

  private static String str(Map<?, ?> m, String k) {
    return m.get(k) instanceof String s ? s : null;
  }

  private static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof List<?> l) for (Object e : l) out.add(String.valueOf(e));
    return out;
  }
}
