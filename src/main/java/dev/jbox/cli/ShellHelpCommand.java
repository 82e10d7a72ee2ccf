package dev.jbox.cli;

import picocli.CommandLine.Command;

/** Lists {@code shell} in picocli's help; the command itself is parsed by {@link ShellCommand}. */
@Command(name = "shell", description = "A sandboxed dev shell in the project (see jbox-shell(1)).")
final class ShellHelpCommand implements Runnable {
  @Override
  public void run() {
    // Reached only through `jbox help shell`; `jbox shell` never enters picocli.
    System.out.print(ShellCommand.usage());
  }
}
