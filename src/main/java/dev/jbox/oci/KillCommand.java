package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Signals;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kill}: a signal (name, SIGNAME or number; default TERM) to the container's init, through a pidfd. */
@Command(name = "kill", mixinStandardHelpOptions = true, description = "Send a signal to a container's init.")
final class KillCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-a", "--all"}, description = "Accepted: the init is signalled (it is pid 1 of its namespace).")
  boolean all;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL") String signal = "TERM";

  @Override
  public Integer call() {
    Container c = Container.load(main.root(), id);
    int sig;
    try {
      sig = Signals.parse(signal);
    } catch (JboxException e) {
      throw new JboxException("unknown signal `" + signal + "`");
    }
    String status = c.status();
    long[] pid = c.pid();
    if (status.equals("stopped") || status.equals("creating") || pid == null || !Signals.send(pid[0], pid[1], sig)) {
      throw new JboxException("container not running");
    }
    return 0;
  }
}
