package dev.jbox.cli;

import dev.jbox.sandboxes.AttachPlan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox attach}: hands the helper a plan that connects the terminal to a detached sandbox's monitor. */
@Command(name = "attach", mixinStandardHelpOptions = true, description = "Attach the terminal to a running detached sandbox (see jbox-attach(1)).")
final class AttachCommand extends StateCommand implements Callable<Integer> {
  @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Key sequence that detaches (default ${DEFAULT-VALUE}; empty: none).")
  String detachKeys = AttachPlan.DEFAULT_KEYS;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    service().attach(ref, detachKeys);
    return 0;
  }
}
