package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.SandboxService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox stop}: the sandbox's stop signal (SIGTERM), then SIGKILL after the timeout. */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop sandboxes (see jbox-stop(1)).")
final class StopCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Seconds to wait before SIGKILL (default 10).")
  long seconds = 10;

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    if (seconds < 0) throw new JboxException("stop: -t must be 0 or more");
    SandboxService svc = service();
    for (String r : refs) {
      svc.stop(r, seconds);
      out().println(r);
    }
    return 0;
  }
}
