package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.Signals;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox kill}: sends a signal (default SIGKILL) to the sandbox's pid 1. */
@Command(name = "kill", mixinStandardHelpOptions = true, description = "Signal sandboxes (see jbox-stop(1)).")
final class KillCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "Name or number (default KILL).")
  String signal = "KILL";

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    int sig = Signals.parse(signal);
    SandboxService svc = service();
    for (String r : refs) {
      svc.kill(r, sig);
      out().println(r);
    }
    return 0;
  }
}
