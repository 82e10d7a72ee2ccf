package dev.jbox.cli;

import dev.jbox.JboxException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The picocli command tree for every command except the {@code run} fast path. */
@Command(
    name = "jbox",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Rootless sandbox launcher.",
    subcommands = {RunHelpCommand.class, LoginCommand.class, LogoutCommand.class})
public final class PicoMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  static int execute(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new PicoMain());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          if (ex instanceof JboxException je) throw je;
          throw ex;
        });
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("jbox: " + ex.getMessage());
          return 125;
        });
    return cl.execute(args);
  }
}
