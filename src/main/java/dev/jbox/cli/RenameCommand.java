package dev.jbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox rename}: gives a sandbox of any kind another name. */
@Command(name = "rename", mixinStandardHelpOptions = true, description = "Rename a sandbox (see jbox-rename(1)).")
final class RenameCommand extends StateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Parameters(index = "1", paramLabel = "NAME")
  String name;

  @Override
  public Integer call() {
    service().rename(ref, name);
    return 0;
  }
}
