package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.state.Sandbox;
import dev.jbox.state.State;
import dev.jbox.state.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jbox ps}: lists detached sandboxes, their state checked against /proc. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List sandboxes (see jbox-ps(1)).")
final class PsCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-a", "--all"}, description = "Show every sandbox, not only running ones.")
  boolean all;

  @Option(names = {"-q", "--quiet"}, description = "Print the short ids only.")
  boolean quiet;

  @Option(names = "--format", paramLabel = "FORMAT", description = "table (default) or json.")
  String format = "table";

  @Override
  public Integer call() {
    if (!format.equals("table") && !format.equals("json")) throw new JboxException("ps: --format must be table or json");
    long now = System.currentTimeMillis();
    List<String[]> rows = new ArrayList<>();
    List<Object> json = new ArrayList<>();
    for (Sandbox s : store().list()) {
      Status st = s.status();
      if (!all && !st.running()) continue;
      if (quiet) {
        out().println(s.shortId());
        continue;
      }
      rows.add(new String[] {s.shortId(), s.name() == null ? "" : s.name(), s.image(), abbreviate(s.command(), 30), st.human(now)});
      json.add(summary(s, st));
    }
    if (quiet) return 0;
    if (format.equals("json")) {
      out().println(Json.pretty(json));
      return 0;
    }
    printTable(new String[] {"ID", "NAME", "IMAGE", "COMMAND", "STATUS"}, rows);
    return 0;
  }

  static Map<String, Object> summary(Sandbox s, Status st) {
    State state = s.state();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("name", s.name());
    m.put("image", s.image());
    m.put("command", s.config().get("command"));
    m.put("created", s.created());
    m.put("state", st.kind().word());
    m.put("status", st.human(System.currentTimeMillis()));
    m.put("exitCode", st.exitCode());
    m.put("stale", st.stale());
    m.put("pid", st.running() && state != null ? state.pid() : null);
    return m;
  }

  static String abbreviate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }

  void printTable(String[] head, List<String[]> rows) {
    int[] w = new int[head.length];
    for (int i = 0; i < head.length; i++) w[i] = head[i].length();
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
    List<String[]> all = new ArrayList<>();
    all.add(head);
    all.addAll(rows);
    for (String[] r : all) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        b.append(r[i]);
        if (i < r.length - 1) b.append(" ".repeat(w[i] - r[i].length() + 2));
      }
      out().println(b.toString().stripTrailing());
    }
  }
}
