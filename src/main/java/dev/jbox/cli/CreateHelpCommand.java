package dev.jbox.cli;

import picocli.CommandLine.Command;

/** Lists {@code create} in picocli's help; the command itself is parsed by {@link RunCommand}. */
@Command(name = "create", description = "Create a sandbox that jbox start runs (see jbox-create(1)).")
final class CreateHelpCommand implements Runnable {
  @Override
  public void run() {
    // Reached only through `jbox help create`; `jbox create` never enters picocli.
    RunCommand.execute(new String[] {"--help"}, System.out, System.err, true);
  }
}
