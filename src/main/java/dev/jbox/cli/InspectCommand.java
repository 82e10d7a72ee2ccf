package dev.jbox.cli;

import dev.jbox.json.Json;
import dev.jbox.state.Procfs;
import dev.jbox.state.Sandbox;
import dev.jbox.state.State;
import dev.jbox.state.Status;
import dev.jbox.state.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox inspect}: config, state, pids, namespaces, mounts and network of sandboxes, as JSON. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show sandboxes as JSON (see jbox-inspect(1)).")
final class InspectCommand extends StateCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "SANDBOX", description = "Name, id or unique id prefix.")
  List<String> refs;

  @Override
  public Integer call() {
    Store store = store();
    List<Object> out = new ArrayList<>();
    for (String r : refs) out.add(inspect(store.find(r)));
    out().println(Json.pretty(out));
    return 0;
  }

  static Map<String, Object> inspect(Sandbox s) {
    Status st = s.status();
    State state = s.state();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("name", s.name());
    m.put("stateDir", s.dir().toString());
    Map<String, Object> config = new LinkedHashMap<>(s.config());
    config.remove("plan"); // the encoded plan jbox start runs: bytes, not for reading
    m.put("config", config);
    Map<String, Object> sm = new LinkedHashMap<>();
    sm.put("status", st.kind().word());
    sm.put("running", st.running());
    sm.put("stale", st.stale());
    sm.put("exitCode", st.exitCode());
    sm.put("startedAt", state == null ? null : state.started());
    sm.put("finishedAt", state == null ? null : state.finished());
    m.put("state", sm);
    Map<String, Object> pids = new LinkedHashMap<>();
    pids.put("pid1", st.running() ? state.pid() : null);
    pids.put("monitor", state != null && s.monitorAlive() ? state.monitorPid() : null);
    m.put("pids", pids);
    if (st.running()) {
      Map<String, Object> ns = new LinkedHashMap<>();
      Procfs.namespaces(Long.toString(state.pid())).forEach(ns::put);
      m.put("namespaces", ns);
      m.put("mounts", new ArrayList<Object>(Procfs.mounts(state.pid())));
    } else {
      m.put("namespaces", null);
      m.put("mounts", null);
    }
    m.put("network", s.config().get("network"));
    return m;
  }
}
