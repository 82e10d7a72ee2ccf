package dev.jbox.cli;

import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandboxes.SandboxService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox exec}: runs a command in a running sandbox of any kind, with its pid 1's process rules. */
@Command(name = "exec", mixinStandardHelpOptions = true, description = "Run a command in a running sandbox (see jbox-exec(1)).")
final class ExecCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-i", "--interactive"}, description = "Keep stdin open.")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "Give the command a terminal (from the sandbox's devpts).")
  boolean tty;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (KEY alone: from jbox's environment).")
  List<String> env = new ArrayList<>();

  @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (default: the sandbox's).")
  String user;

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory (default: the sandbox's).")
  String workdir;

  @Option(names = "--preserve-fds", paramLabel = "N", description = "Pass the caller's descriptors 3..3+N-1 to the command.")
  String preserveFds;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
  List<String> command;

  @Override
  public Integer call() {
    // checked before anything is looked up (a bad count is a one-line error)
    List<PlanWriter.Extra> preserve = PlanChannel.preserveFds("exec: --preserve-fds", preserveFds);
    service().exec(ref, new SandboxService.ExecSpec(command, env, user, workdir, tty, interactive, preserve));
    return 0;
  }
}
