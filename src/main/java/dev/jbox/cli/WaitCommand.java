package dev.jbox.cli;

import dev.jbox.sandboxes.Lifecycle;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.Status;
import dev.jbox.sandboxes.SandboxStore;
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
    SandboxStore store = store();
    for (String r : refs) {
      Sandbox s = store.find(r);
      Lifecycle.waitExit(s, -1);
      Status st = s.status();
      out().println(st.exitCode() == null ? -1 : st.exitCode());
    }
    return 0;
  }
}
