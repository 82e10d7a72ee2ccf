package dev.jbox.cli;

import java.util.List;
import picocli.CommandLine;

/** picocli's parse of a `jbox logs` line, as the JVM configures it, for the launcher's argument tests. */
public final class LogsArgs {
  private LogsArgs() {}

  /** The options parsed from args (the words after `logs`) as one key, or null when picocli refuses them or help is asked. */
  public static String parse(List<String> args) {
    LogsCommand cmd = new LogsCommand();
    CommandLine cl = PicoMain.configure(new CommandLine(cmd));
    try {
      CommandLine.ParseResult r = cl.parseArgs(args.toArray(new String[0]));
      if (r.isUsageHelpRequested() || r.isVersionHelpRequested() || cmd.since != null || cmd.until != null) return null;
      return "follow=" + cmd.follow + " timestamps=" + cmd.timestamps + " names=" + cmd.names + " tail=" + cmd.tail + " refs=" + cmd.refs;
    } catch (CommandLine.ParameterException e) {
      return null;
    }
  }
}
