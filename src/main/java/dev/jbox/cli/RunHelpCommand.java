package dev.jbox.cli;

import picocli.CommandLine.Command;

/** Lists {@code run} in picocli's help; the command itself is parsed by {@link RunCommand}. */
@Command(name = "run", description = "Run a command in a new sandbox (see jbox-run(1)).")
final class RunHelpCommand implements Runnable {
  @Override
  public void run() {
    // Reached only through `jbox help run`; `jbox run` never enters picocli.
    System.out.print(RunOptions.usage());
  }
}
