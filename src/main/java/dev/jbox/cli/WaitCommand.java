package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox wait}: waits for sandboxes to exit and prints their exit codes (-1: unknown). */
@Command(name = "wait", mixinStandardHelpOptions = true, description = "Wait for sandboxes to exit (see jbox-stop(1)).")
final class WaitCommand extends StateCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    SandboxService svc = service();
    for (String r : refs) out().println(svc.waitExit(r));
    return 0;
  }
}
