package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The picocli command tree for every command except the {@code run} fast path.
 *
 * <p>Only the subcommand named on the command line is added to the tree: picocli builds the model
 * of every subcommand it is given by reflection, and all 24 took 0.1 s of every {@code jbox pull}
 * or {@code jbox ps} (picocli's classes, compiled for Java 5, cannot be in the CDS archive). The
 * whole tree is built for anything else: help, version, a misspelt command.
 */
@Command(
    name = "jbox",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Rootless sandbox launcher.")
public final class PicoMain implements Runnable {
  static final List<Class<?>> SUBCOMMANDS = List.of(RunHelpCommand.class, CreateHelpCommand.class, ShellHelpCommand.class, LoginCommand.class, LogoutCommand.class,
      PullCommand.class, ImagesCommand.class, RmiCommand.class, TagCommand.class,
      ImageCommand.class, SystemCommand.class, LoadCommand.class, SaveCommand.class, PsCommand.class,
      InspectCommand.class, LogsCommand.class, StopCommand.class, KillCommand.class, RmCommand.class,
      WaitCommand.class, ExecCommand.class, AttachCommand.class, StartCommand.class, NsCommand.class, TopCommand.class, RenameCommand.class,
      RestartCommand.class, PortCommand.class, CpCommand.class, DiffCommand.class, ExportCommand.class, CommitCommand.class, VolumeCommand.class,
      UnshareCommand.class, DoctorCommand.class, VersionCommand.class, InfoCommand.class, HelpCommand.class);

  /**
   * The name of each of {@link #SUBCOMMANDS}, in the same order (none has an alias): finding the
   * named one by its annotation parsed the annotations of every class before it, 10-20 ms of a
   * command's start (PicoMainTest checks the two agree).
   */
  static final List<String> NAMES = List.of("run", "create", "shell", "login", "logout",
      "pull", "images", "rmi", "tag",
      "image", "system", "load", "save", "ps",
      "inspect", "logs", "stop", "kill", "rm",
      "wait", "exec", "attach", "start", "ns", "top", "rename",
      "restart", "port", "cp", "diff", "export", "commit", "volume",
      "unshare", "doctor", "version", "info", "help");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  private PrintStream err = System.err;
  private PrintStream out = System.out;

  /** The output stream of this invocation, for services that print progress. */
  PrintStream out() {
    return out;
  }

  /** The root command object of a (sub)command's invocation. */
  static PicoMain of(CommandLine.Model.CommandSpec spec) {
    return (PicoMain) spec.root().userObject();
  }

  /** The sandbox service as the image commands use it: to open the image store and know who uses an image. */
  static SandboxService sandboxes(CommandLine.Model.CommandSpec spec) {
    return sandboxes(of(spec).err());
  }

  static SandboxService sandboxes(PrintStream err) {
    return new SandboxService(SandboxStore.locate(System.getenv()), err);
  }

  /** The error stream of this invocation, for warnings printed by services below the commands. */
  PrintStream err() {
    return err;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** The subcommand class whose name or alias is {@code word}, or null. */
  static Class<?> named(String word) {
    int i = NAMES.indexOf(word);
    return i < 0 ? null : SUBCOMMANDS.get(i);
  }

  /** The whole command tree (every subcommand's model), as help and the man-page test see it. */
  static CommandLine tree() {
    CommandLine cl = new CommandLine(new PicoMain());
    for (Class<?> c : SUBCOMMANDS) cl.addSubcommand(c);
    return cl;
  }

  /**
   * The parser's settings: a repeated option's last value wins, as in podman; an argument
   * starting with {@code @} is itself (picocli would replace {@code @FILE} with the words of FILE,
   * so {@code jbox exec NAME echo @/etc/passwd} would echo the file). Applies to the subcommands
   * already added.
   */
  static CommandLine configure(CommandLine cl) {
    cl.setOverwrittenOptionsAllowed(true);
    cl.setExpandAtFiles(false);
    return cl;
  }

  static int execute(String[] args, PrintStream out, PrintStream err) {
    Class<?> named = args.length > 0 ? named(args[0]) : null;
    if (named == null && args.length > 0 && !args[0].startsWith("-")) {
      // what a podman user can act on, not picocli's "Unmatched arguments from index 0" (nor the
      // top-level help for `jbox push --help`): an unknown command stays unknown whatever follows
      err.println("jbox: unknown command `" + args[0] + "` (see jbox --help)");
      return 125;
    }
    PicoMain root = new PicoMain();
    root.err = err;
    root.out = out;
    CommandLine cl = new CommandLine(root);
    for (Class<?> c : named != null ? List.<Class<?>>of(named) : SUBCOMMANDS) cl.addSubcommand(c);
    // never styled: the launcher answers --help from text written at build time (HelpText), which
    // must be what the JVM prints on a terminal too
    cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    configure(cl);
    // the command after the sandbox (or of unshare) keeps its own options
    for (String s : List.of("exec", "unshare")) {
      CommandLine sub = cl.getSubcommands().get(s);
      if (sub != null) sub.setStopAtPositional(true);
    }
    cl.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          // Rethrowing would not reach Main: picocli prints a stack trace for an exception thrown
          // by this handler and exits 1. So the one-line message and the status are made here.
          if (ex instanceof JboxException je) {
            err.println("jbox: " + dev.jbox.Text.escape(je.getMessage()));
            if (System.getenv("JBOX_DEBUG") != null) je.printStackTrace(err);
            return je.exitCode();
          }
          throw ex;
        });
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("jbox: " + dev.jbox.Text.escape(ex.getMessage()));
          return 125;
        });
    return cl.execute(args);
  }
}
