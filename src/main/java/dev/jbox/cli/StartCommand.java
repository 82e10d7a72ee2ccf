package dev.jbox.cli;

import dev.jbox.sandboxes.AttachPlan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox start}: runs an exited sandbox again, detached, from the plan its record keeps. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start an exited sandbox again (see jbox-start(1)).")
final class StartCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-a", "--attach"}, description = "Attach to it (-t/-i sandboxes) or follow its output, until it exits.")
  boolean attach;

  @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Key sequence that detaches, with -a (default ${DEFAULT-VALUE}).")
  String detachKeys = AttachPlan.DEFAULT_KEYS;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    AttachPlan.parseKeys(detachKeys);
    service().start(ref, attach, detachKeys);
    return 0;
  }
}
