package dev.jbox.cli;

import dev.jbox.state.Lifecycle;
import dev.jbox.state.Sandbox;
import dev.jbox.state.Store;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox rm}: removes stopped sandboxes' state (with -f, kills running ones first). */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove sandboxes (see jbox-rm(1)).")
final class RmCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--force"}, description = "Kill a running sandbox first.")
  boolean force;

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    Store store = store();
    for (String r : refs) {
      Sandbox s = store.find(r);
      if (force) Lifecycle.stop(s, 9, 0);
      store.remove(s);
      out().println(r);
    }
    return 0;
  }
}
