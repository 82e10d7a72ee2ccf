package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.store.Containers;
import dev.jbox.json.Json;
import dev.jbox.state.Sandbox;
import dev.jbox.state.ShellSandboxes;
import dev.jbox.state.State;
import dev.jbox.state.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jbox ps}: lists detached sandboxes (their state checked against /proc) and image sandboxes
 * run in the foreground (the store's containers/ directory, running while their lock is held).
 */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List sandboxes (see jbox-ps(1)).")
final class PsCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-a", "--all"}, description = "Show every sandbox, not only running ones.")
  boolean all;

  @Option(names = {"-q", "--quiet"}, description = "Print the short ids only.")
  boolean quiet;

  @Option(names = "--format", paramLabel = "FORMAT", description = "table (default) or json.")
  String format = "table";

  /** One line of the listing, whichever kind of sandbox. */
  private record Row(String id, String name, String image, List<String> command, long created, Status status,
      Long pid, boolean detached) {}

  @Override
  public Integer call() {
    if (!format.equals("table") && !format.equals("json")) throw new JboxException("ps: --format must be table or json");
    long now = System.currentTimeMillis();
    dev.jbox.state.Store states = store(); // once: opening it may warn
    List<Sandbox> detached = states.list();
    List<Row> list = new ArrayList<>();
    for (Sandbox s : detached) {
      Status st = s.status();
      State state = st.running() ? s.state() : null;
      list.add(new Row(s.id(), s.name(), s.image(), command(s), s.created(), st, state != null ? state.pid() : null, true));
    }
    for (Containers.Entry e : KeptSandboxes.foreground(KeptSandboxes.existing(PicoMain.of(spec).err()), detached)) {
      Status st = KeptSandboxes.status(e);
      list.add(new Row(e.id(), e.name(), e.image(), e.command(), e.created(), st, KeptSandboxes.pid(e, st), false));
    }
    for (ShellSandboxes.Entry e : ShellSandboxes.list(states.root())) {
      // a project's dev shell (jbox shell): its id is the project's, its image the host's root
      Status st = new Status(Status.Kind.RUNNING, null, e.state().started(), false);
      list.add(new Row(e.projectId(), e.name(), "(host) " + e.project(), List.of("jbox", "shell"), e.created(), st, e.state().pid(), false));
    }
    list.sort(Comparator.comparingLong(Row::created));
    List<String[]> rows = new ArrayList<>();
    List<Object> json = new ArrayList<>();
    for (Row r : list) {
      if (!all && !r.status().running()) continue;
      if (quiet) {
        out().println(r.id().substring(0, 12));
        continue;
      }
      rows.add(new String[] {r.id().substring(0, 12), r.name() == null ? "" : r.name(), r.image(),
          abbreviate(String.join(" ", r.command()), 30), r.status().human(now)});
      json.add(summary(r, now));
    }
    if (quiet) return 0;
    if (format.equals("json")) {
      out().println(Json.pretty(json));
      return 0;
    }
    printTable(new String[] {"ID", "NAME", "IMAGE", "COMMAND", "STATUS"}, rows);
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static List<String> command(Sandbox s) {
    return s.config().get("command") instanceof List<?> l ? (List<String>) l : List.of();
  }

  private static Map<String, Object> summary(Row r, long now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("name", r.name());
    m.put("image", r.image());
    m.put("command", new ArrayList<Object>(r.command()));
    m.put("created", r.created());
    m.put("state", r.status().kind().word());
    m.put("status", r.status().human(now));
    m.put("exitCode", r.status().exitCode());
    m.put("stale", r.status().stale());
    m.put("pid", r.pid());
    m.put("detached", r.detached());
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
