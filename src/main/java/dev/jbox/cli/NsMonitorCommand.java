package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Procfs;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jbox ns monitor}: polls /proc and prints a line when a namespace appears or disappears. */
@Command(name = "monitor", mixinStandardHelpOptions = true, description = "Watch namespaces appear and disappear (see jbox-ns(1)).")
final class NsMonitorCommand extends StateCommand implements Callable<Integer> {
  @Option(names = "--interval", paramLabel = "MS", description = "Polling interval in milliseconds (default 500).")
  long interval = 500;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop after this many seconds (default: until interrupted).")
  double timeout = -1;

  /** One namespace seen in a scan: how many processes hold it, and the lowest of their pids. */
  record Seen(String type, long inode, int procs, long pid) {}

  @Override
  public Integer call() throws InterruptedException {
    if (interval < 10) throw new JboxException("ns monitor: --interval must be at least 10 ms");
    long end = timeout < 0 ? Long.MAX_VALUE : System.nanoTime() + (long) (timeout * 1e9);
    out().printf("%-6s %-12s %-7s %6s %7s %s%n", "EVENT", "NS", "TYPE", "NPROCS", "PID", "COMMAND");
    out().flush();
    Map<String, Seen> before = scan();
    while (System.nanoTime() < end) {
      Thread.sleep(interval);
      Map<String, Seen> now = scan();
      for (var e : now.entrySet()) {
        if (!before.containsKey(e.getKey())) print("+", e.getValue());
      }
      for (var e : before.entrySet()) {
        if (!now.containsKey(e.getKey())) print("-", e.getValue());
      }
      out().flush();
      before = now;
    }
    return 0;
  }

  private void print(String ev, Seen s) {
    out().printf("%-6s %-12d %-7s %6d %7d %s%n", ev, s.inode(), s.type(), s.procs(), s.pid(), Procfs.cmdline(s.pid()));
  }

  /** Every namespace this user can see, keyed "type:inode". */
  static Map<String, Seen> scan() {
    Map<String, Seen> out = new LinkedHashMap<>();
    Map<String, int[]> counts = new HashMap<>();
    for (long pid : Procfs.pids()) {
      for (var e : Procfs.namespaces(Long.toString(pid)).entrySet()) {
        String key = e.getKey() + ":" + e.getValue();
        counts.computeIfAbsent(key, k -> new int[1])[0]++;
        out.putIfAbsent(key, new Seen(e.getKey(), e.getValue(), 0, pid));
      }
    }
    Map<String, Seen> res = new LinkedHashMap<>();
    out.forEach((k, s) -> res.put(k, new Seen(s.type(), s.inode(), counts.get(k)[0], s.pid())));
    return res;
  }
}
