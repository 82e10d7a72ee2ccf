package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.AttachPlan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox restart}: stops a sandbox (if it runs) and starts it again, detached. */
@Command(name = "restart", mixinStandardHelpOptions = true, description = "Stop and start a sandbox again (see jbox-restart(1)).")
final class RestartCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Seconds to wait before SIGKILL (default 10).")
  long seconds = 10;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    if (seconds < 0) throw new JboxException("restart: -t must be 0 or more");
    service().restart(ref, seconds, AttachPlan.DEFAULT_KEYS);
    return 0;
  }
}
