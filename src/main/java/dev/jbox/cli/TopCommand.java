package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox top}: the processes of a sandbox's pid namespace, with their pids inside and on the host (NSpid). */
@Command(name = "top", mixinStandardHelpOptions = true, description = "List a sandbox's processes (see jbox-top(1)).")
final class TopCommand extends StateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    out().printf("%-6s %-8s %-10s %s%n", "PID", "HOSTPID", "USER", "COMMAND");
    for (SandboxService.Proc p : service().top(ref)) {
      out().printf("%-6d %-8d %-10s %s%n", p.pid(), p.hostPid(), dev.jbox.Text.escape(p.user()), dev.jbox.Text.escape(p.command()));
    }
    return 0;
  }
}
