package dev.jbox.cli;

import dev.jbox.sandboxes.KeptSandboxes;
import dev.jbox.sandboxes.Containers;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.Procfs;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.MonitorState;
import dev.jbox.sandboxes.Status;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox inspect}: config, state, pids, namespaces, mounts and network of sandboxes, as JSON:
 * detached ones from the state store, image sandboxes run in the foreground from the image store.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show sandboxes as JSON (see jbox-inspect(1)).")
final class InspectCommand extends StateCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "SANDBOX", description = "Name, id or unique id prefix.")
  List<String> refs;

  @Override
  public Integer call() {
    PrintStream err = PicoMain.of(spec).err();
    SandboxStore store = store();
    Containers containers = KeptSandboxes.existing(err);
    List<Object> out = new ArrayList<>();
    for (String r : refs) {
      List<Sandbox> detached = store.list();
      KeptSandboxes.Found f = KeptSandboxes.find(detached, KeptSandboxes.foreground(containers, detached), r);
      out.add(f.kept() != null ? inspect(f.kept()) : inspect(f.detached(), containers == null ? null : containers.get(f.detached().id())));
    }
    out().println(Json.pretty(out));
    return 0;
  }

  /** A detached sandbox; {@code kept} is its directory in the image store (an image sandbox), or null. */
  static Map<String, Object> inspect(Sandbox s, Containers.Entry kept) {
    Status st = s.status();
    MonitorState state = s.state();
    Map<String, Object> m = head(s.id(), s.name(), true, s.config(), kept);
    m.put("stateDir", s.dir().toString());
    m.put("config", readable(s.config()));
    m.put("state", state(st, state));
    Map<String, Object> pids = new LinkedHashMap<>();
    pids.put("pid1", st.running() ? state.pid() : null);
    pids.put("monitor", state != null && s.monitorAlive() ? state.monitorPid() : null);
    m.put("pids", pids);
    running(m, st.running() ? state.pid() : null);
    m.put("network", s.config().get("network"));
    return m;
  }

  /**
   * An image sandbox run in the foreground: its record and the state its monitor keeps in the lock
   * file, in containers/ID (stateDir); it runs while the lock is held.
   */
  static Map<String, Object> inspect(Containers.Entry e) {
    Status st = KeptSandboxes.status(e);
    Map<String, Object> rec = e.state();
    MonitorState state = rec == null ? null : MonitorState.of(rec);
    Map<String, Object> m = head(e.id(), e.name(), false, e.config(), e);
    m.put("stateDir", e.dir().toString());
    m.put("config", readable(e.config()));
    m.put("state", state(st, state));
    Long pid = KeptSandboxes.pid(e, st);
    Map<String, Object> pids = new LinkedHashMap<>();
    pids.put("pid1", pid);
    pids.put("monitor", pid != null ? state.monitorPid() : null);
    m.put("pids", pids);
    running(m, pid);
    m.put("network", e.config().get("network"));
    return m;
  }

  /** The fields both kinds share at the top: what ps shows, and where an image sandbox's changes are. */
  private static Map<String, Object> head(String id, String name, boolean detached, Map<String, Object> config, Containers.Entry kept) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", name);
    m.put("detached", detached);
    m.put("image", kept != null ? kept.image() : config.get("image"));
    m.put("imageId", kept != null ? kept.imageId() : null);
    m.put("command", config.get("command"));
    m.put("created", config.get("created"));
    m.put("rm", kept != null && kept.rm());
    m.put("upperDir", kept != null ? kept.dir().resolve("upper").toString() : null);
    return m;
  }

  /** The record without the encoded plan jbox start runs: bytes, not for reading. */
  private static Map<String, Object> readable(Map<String, Object> config) {
    Map<String, Object> c = new LinkedHashMap<>(config);
    c.remove("plan");
    return c;
  }

  private static Map<String, Object> state(Status st, MonitorState state) {
    Map<String, Object> sm = new LinkedHashMap<>();
    sm.put("status", st.kind().word());
    sm.put("running", st.running());
    sm.put("stale", st.stale());
    sm.put("exitCode", st.exitCode());
    sm.put("startedAt", state == null || state.started() < 0 ? null : state.started());
    sm.put("finishedAt", state == null ? null : state.finished());
    return sm;
  }

  private static void running(Map<String, Object> m, Long pid) {
    if (pid != null) {
      Map<String, Object> ns = new LinkedHashMap<>();
      Procfs.namespaces(Long.toString(pid)).forEach(ns::put);
      m.put("namespaces", ns);
      m.put("mounts", new ArrayList<Object>(Procfs.mounts(pid)));
    } else {
      m.put("namespaces", null);
      m.put("mounts", null);
    }
  }
}
