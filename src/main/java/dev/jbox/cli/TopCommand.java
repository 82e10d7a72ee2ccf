package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Procfs;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.MonitorState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox top}: the processes of a sandbox's pid namespace, with their pids inside and on the host (NSpid). */
@Command(name = "top", mixinStandardHelpOptions = true, description = "List a sandbox's processes (see jbox-top(1)).")
final class TopCommand extends StateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    Sandbox s = store().find(ref);
    MonitorState st = s.state();
    if (st == null || !s.status().running()) throw new JboxException("top: sandbox " + s.label() + " is not running");
    long pidns = Procfs.nsInode(Long.toString(st.pid()), "pid");
    Map<Long, String> names = users(s);
    List<long[]> rows = new ArrayList<>();
    for (long pid : Procfs.pids()) {
      if (Procfs.nsInode(Long.toString(pid), "pid") != pidns) continue;
      String nspid = Procfs.status(pid, "NSpid");
      String uid = Procfs.status(pid, "Uid");
      if (nspid == null || uid == null) continue;
      String[] n = nspid.split("\\s+");
      long inside = Long.parseLong(n[n.length - 1]);
      long hostUid = Long.parseLong(uid.split("\\s+")[0]);
      rows.add(new long[] {inside, pid, Procfs.inside(st.pid(), "uid_map", hostUid)});
    }
    rows.sort((a, b) -> Long.compare(a[0], b[0]));
    out().printf("%-6s %-8s %-10s %s%n", "PID", "HOSTPID", "USER", "COMMAND");
    for (long[] r : rows) {
      String user = names.getOrDefault(r[2], Long.toString(r[2]));
      out().printf("%-6d %-8d %-10s %s%n", r[0], r[1], user, Procfs.cmdline(r[1]));
    }
    return 0;
  }

  /** uid to name from the sandbox's /etc/passwd, read through its pid 1's root (never the host's). */
  private static Map<Long, String> users(Sandbox s) {
    Map<Long, String> m = new HashMap<>();
    MonitorState st = s.state();
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + st.pid() + "/root/etc/passwd"))) {
        String[] f = l.split(":");
        if (f.length > 2 && f[2].matches("\\d+")) m.putIfAbsent(Long.parseLong(f[2]), f[0]);
      }
    } catch (IOException | RuntimeException e) {
      // numeric uids then
    }
    return m;
  }
}
