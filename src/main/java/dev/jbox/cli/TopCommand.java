package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox top}: the processes of a sandbox's pid namespace, with their pids inside and on the host (NSpid). */
@Command(name = "top", mixinStandardHelpOptions = true, description = "List a sandbox's processes (see jbox-top(1)).")
final class TopCommand extends StateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    // padded by hand: printf's Formatter parses its format with a regex (LauncherTest)
    out().println(pad("PID", 6) + pad("HOSTPID", 8) + pad("USER", 10) + "COMMAND");
    for (SandboxService.Proc p : service().top(ref)) {
      out().println(pad(Long.toString(p.pid()), 6) + pad(Long.toString(p.hostPid()), 8) + pad(dev.jbox.Text.escape(p.user()), 10)
          + dev.jbox.Text.escape(p.command()));
    }
    return 0;
  }

  /** s left-aligned in width columns and a space, as printf's %-WIDTHs and a space. */
  static String pad(String s, int width) {
    StringBuilder b = new StringBuilder(s);
    while (b.length() < width) b.append(' ');
    return b.append(' ').toString();
  }
}
