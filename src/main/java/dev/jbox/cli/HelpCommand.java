package dev.jbox.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox help [COMMAND [SUBCOMMAND]]}: the same as {@code jbox COMMAND [SUBCOMMAND] --help}
 * (and {@code jbox --help} without one), as in podman. Main runs that line for it; the launcher
 * answers both from the text the build wrote (HelpText) without a JVM.
 */
@Command(name = "help", mixinStandardHelpOptions = true,
    description = "Show the help of a command: jbox help COMMAND is jbox COMMAND --help.")
final class HelpCommand extends SpecCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The command (and subcommand) to show the help of.")
  List<String> command = new ArrayList<>();

  /** The command line {@code jbox help WORDS} stands for. */
  static String[] line(List<String> words) {
    List<String> l = new ArrayList<>(words);
    l.add("--help");
    return l.toArray(new String[0]);
  }

  @Override
  public Integer call() {
    return Main.run(line(command), out(), err());
  }
}
