package dev.jbox.cli;

/** The options of {@code jbox run}. */
final class RunOptions {
  private RunOptions() {}

  static String usage() {
    return "Usage: jbox run [OPTIONS] --rootfs DIR COMMAND [ARG...]\n";
  }
}
