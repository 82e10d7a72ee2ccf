package dev.jbox.cli;

import dev.jbox.json.Json;
import dev.jbox.sandboxes.SandboxService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox inspect}: record, state, pids, namespaces, mounts and network of sandboxes of any kind, as JSON. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show sandboxes as JSON (see jbox-inspect(1)).")
final class InspectCommand extends StateCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "SANDBOX", description = "Name, id or unique id prefix.")
  List<String> refs;

  @Override
  public Integer call() {
    SandboxService svc = service();
    List<Object> out = new ArrayList<>();
    for (String r : refs) out.add(svc.inspect(svc.find(r)));
    out().println(Json.pretty(out));
    return 0;
  }
}
