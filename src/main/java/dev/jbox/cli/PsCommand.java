package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxRecord;
import dev.jbox.sandboxes.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jbox ps}: lists the sandboxes of every kind, foreground and detached, running or kept. */
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
    for (Sandbox s : service().list()) {
      Status st = s.status();
      if (!all && !st.running()) continue;
      if (quiet) {
        out().println(s.shortId());
        continue;
      }
      SandboxRecord r = s.record();
      rows.add(new String[] {s.shortId(), r.name() == null ? "" : r.name(), r.image() == null ? "" : r.image(),
          abbreviate(String.join(" ", r.command()), 30), st.human(now)});
      json.add(summary(s, st, now));
    }
    if (quiet) return 0;
    if (format.equals("json")) {
      out().println(Json.pretty(json));
      return 0;
    }
    printTable(new String[] {"ID", "NAME", "IMAGE", "COMMAND", "STATUS"}, rows);
    return 0;
  }

  private static Map<String, Object> summary(Sandbox s, Status st, long now) {
    SandboxRecord r = s.record();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("name", r.name());
    m.put("kind", r.kind().word());
    m.put("image", r.image());
    m.put("command", new ArrayList<Object>(r.command()));
    m.put("created", r.created());
    m.put("state", st.kind().word());
    m.put("status", st.human(now));
    m.put("exitCode", st.exitCode());
    m.put("stale", st.stale());
    m.put("pid", s.pid());
    m.put("detached", s.detached());
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
