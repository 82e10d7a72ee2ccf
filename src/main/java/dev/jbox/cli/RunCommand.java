package dev.jbox.cli;

import java.io.PrintStream;

/** {@code jbox run}: parses with {@link RunOptions}, builds the plan and hands it to the helper. */
final class RunCommand {
  private RunCommand() {}

  static int execute(String[] args, PrintStream out, PrintStream err) {
    throw new dev.jbox.JboxException("run: not built yet");
  }
}
