package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.json.Template;
import dev.jbox.sandboxes.PodmanView;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxRecord;
import dev.jbox.sandboxes.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jbox ps}: lists the sandboxes of every kind, foreground and detached, running or kept, as podman lists containers. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List sandboxes (see jbox-ps(1)).")
final class PsCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-a", "--all"}, description = "Show every sandbox, not only running ones.")
  boolean all;

  @Option(names = {"-q", "--quiet"}, description = "Print the ids only.")
  boolean quiet;

  @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), json, or a Go template ({{.ID}}, table {{.ID}}\\t{{.Names}}).")
  String format;

  @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "name=, id=, status=, ancestor=, label= (repeatable).")
  List<String> filters = new ArrayList<>();

  @Option(names = {"-n", "--last"}, paramLabel = "N", description = "The last N created sandboxes, in every state.")
  Integer last;

  @Option(names = {"-l", "--latest"}, description = "The last created sandbox, in any state.")
  boolean latest;

  @Option(names = "--no-trunc", description = "Full ids and commands.")
  boolean noTrunc;

  @Override
  public Integer call() {
    if (last != null && last < 0) throw new JboxException("ps: --last must be 0 or more");
    Template template = format == null || format.equals("table") || format.equals("json") ? null : Template.parse(format);
    List<Sandbox> list = service().ps(all, filters, latest ? Integer.valueOf(1) : last);
    long now = System.currentTimeMillis();
    if (quiet) {
      for (Sandbox s : list) out().println(noTrunc ? s.id() : s.shortId());
      return 0;
    }
    if ("json".equals(format)) {
      List<Object> json = new ArrayList<>();
      for (Sandbox s : list) json.add(PodmanView.psEntry(s, now));
      out().println(Json.pretty(json));
      return 0;
    }
    List<String[]> rows = new ArrayList<>();
    if (template != null) {
      if (template.table()) rows.add(template.header().split("\t", -1));
      for (Sandbox s : list) {
        String line = template.render(PodmanView.psTemplateData(s, now, noTrunc));
        if (template.table()) rows.add(line.split("\t", -1));
        else out().println(line);
      }
      if (template.table()) Table.print(out(), rows);
      return 0;
    }
    rows.add(new String[] {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
    for (Sandbox s : list) {
      SandboxRecord r = s.record();
      Status st = s.status();
      String command = String.join(" ", r.command());
      rows.add(new String[] {noTrunc ? s.id() : s.shortId(), r.image() == null ? "" : r.image(),
          noTrunc ? command : abbreviate(command, 20), PodmanView.ago(now - r.created()), st.human(now), PodmanView.ports(r),
          r.name() == null ? "" : r.name()});
    }
    Table.print(out(), rows);
    return 0;
  }

  static String abbreviate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }
}
