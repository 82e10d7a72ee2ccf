package dev.jbox.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox rm}: removes stopped sandboxes of every kind (with -f, kills running ones first, and
 * an unknown name is no error); an image sandbox's changes are deleted in the user namespace.
 */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove sandboxes (see jbox-rm(1)).")
final class RmCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--force"}, description = "Kill a running sandbox first; an unknown one is no error.")
  boolean force;

  @Option(names = {"-v", "--volumes"}, description = "Remove the sandboxes' anonymous volumes too (named ones stay).")
  boolean volumes;

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    // a class, not a lambda: the first lambda starts the JDK's method-handle machinery (LauncherTest)
    service().remove(refs, force, new java.util.function.Consumer<String>() {
      @Override
      public void accept(String r) {
        out().println(r);
      }
    }, volumes);
    return 0;
  }
}
