package dev.jbox.cli;

import dev.jbox.json.Json;
import dev.jbox.json.Template;
import dev.jbox.sandboxes.SandboxService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox inspect}: sandboxes of any kind as podman shows containers (JSON, or a Go template per sandbox). */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show sandboxes as JSON (see jbox-inspect(1)).")
final class InspectCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "json (default) or a Go template, e.g. {{.State.Pid}}.")
  String format;

  @Parameters(arity = "1..*", paramLabel = "SANDBOX", description = "Name, id or unique id prefix.")
  List<String> refs;

  @Override
  public Integer call() {
    Template template = format == null || format.equals("json") ? null : Template.parse(format);
    SandboxService svc = service();
    List<Map<String, Object>> all = new ArrayList<>();
    for (String r : refs) all.add(svc.inspect(svc.find(r)));
    if (template == null) {
      out().println(Json.pretty(all));
      return 0;
    }
    for (Map<String, Object> m : all) out().println(template.render(Json.parse(Json.write(m))));
    return 0;
  }
}
