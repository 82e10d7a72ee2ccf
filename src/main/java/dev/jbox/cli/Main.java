package dev.jbox.cli;

import dev.jbox.JboxException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point. {@code jbox run} takes a hand-written fast path (picocli's own start-up costs more
 * than the rest of {@code run} together), as do the usual forms of {@code pull} and of {@code ps},
 * {@code images}, {@code inspect} and {@code logs} ({@link FastArgs}); everything else goes
 * through picocli.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    dev.jbox.Trace.mark("java-main");
    dev.jbox.sys.QuickExit.exit(run(args, System.out, System.err));
  }

  /** Runs one command line and returns the exit status; never throws for user errors. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    boolean debug = System.getenv("JBOX_DEBUG") != null;
    try {
      if (args.length > 0 && args[0].equals("run")) {
        return RunCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err);
      }
      if (args.length > 0 && args[0].equals("create")) {
        return RunCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err, true);
      }
      if (args.length > 0 && args[0].equals("shell")) {
        return ShellCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err);
      }
      if (args.length > 0 && args[0].equals("pull")) {
        Integer status = PullCommand.fast(args, out, err);
        if (status != null) return status;
      }
      if (args.length > 0 && args[0].equals("help")) {
        // jbox help CMD [SUB] is jbox CMD [SUB] --help (options of help itself go to picocli)
        boolean words = true;
        for (int i = 1; i < args.length; i++) words &= !args[i].startsWith("-") && !args[i].startsWith("@");
        if (words) return run(HelpCommand.line(Arrays.asList(args).subList(1, args.length)), out, err);
      }
      Integer fast = FastArgs.execute(args, out, err);
      if (fast != null) return fast;
      return PicoMain.execute(args, out, err);
    } catch (JboxException e) {
      err.println("jbox: " + dev.jbox.Text.escape(e.getMessage()));
      if (debug) e.printStackTrace(err);
      return e.exitCode();
    } catch (RuntimeException | Error e) {
      err.println("jbox: internal error: " + dev.jbox.Text.escape(String.valueOf(e)));
      if (debug) e.printStackTrace(err);
      return 125;
    }
  }
}
