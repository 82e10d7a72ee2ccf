package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.SandboxService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox wait}: waits for sandboxes to exit and prints their exit codes (-1: unknown). */
@Command(name = "wait", mixinStandardHelpOptions = true, description = "Wait for sandboxes to exit (see jbox-stop(1)).")
final class WaitCommand extends StateCommand implements Callable<Integer> {
  @Option(names = "--condition", paramLabel = "STATE", description = "stopped or exited (default: print the exit code), or running.")
  String condition = "stopped";

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    if (!List.of("stopped", "exited", "running").contains(condition)) {
      throw new JboxException("wait: --condition `" + condition + "`: expected stopped, exited or running");
    }
    SandboxService svc = service();
    for (String r : refs) {
      if (condition.equals("running")) svc.waitRunning(r);
      else out().println(svc.waitExit(r));
    }
    return 0;
  }
}
