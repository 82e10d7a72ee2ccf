package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Procfs;
import dev.jbox.sandboxes.Signals;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code delete}: removes a stopped (or created) container's state; {@code --force} kills a running one first. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a container.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-f", "--force"}, description = "Kill a running container first; no error if it does not exist.")
  boolean force;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Override
  public Integer call() throws InterruptedException {
    Container.checkId(id);
    if (force && !Files.exists(main.root().resolve(id))) return 0;
    Container c = Container.load(main.root(), id);
    String status = c.status();
    Map<String, Object> state = c.state();
    if (status.equals("running") && !force) {
      throw new JboxException("cannot delete container " + id + " that is not stopped: running");
    }
    long[] pid = c.pid();
    if (pid != null && !status.equals("stopped")) {
      Signals.send(pid[0], pid[1], 9);
      // the init is the caller's child (or its subreaper's), not ours: wait until it is gone or a zombie
      for (int i = 0; i < 500 && Procfs.alive(pid[0], pid[1]); i++) Thread.sleep(10);
      if (Procfs.alive(pid[0], pid[1])) throw new JboxException("container " + id + " did not die of SIGKILL");
    }
    c.remove();
    state.put("status", "stopped");
    state.remove("pid"); // as runc: a stopped container has none
    Hooks.runPoststop(main, c.hooks("poststop"), state);
    return 0;
  }
}
