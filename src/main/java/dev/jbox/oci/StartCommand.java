package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Procfs;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code start}: reads the created container's exec fifo, which lets its init execve. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a created container.")
final class StartCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Override
  public Integer call() throws Exception {
    Container c = Container.load(main.root(), id);
    String status = c.status();
    switch (status) {
      case "created" -> { }
      case "stopped" -> throw new JboxException("cannot start a container that has stopped");
      case "running" -> throw new JboxException("cannot start an already running container");
      default -> throw new JboxException("cannot start a container in the " + status + " state");
    }
    long[] pid = c.pid();
    // runc hands the poststart hooks the state it read before the start: "created"
    java.util.Map<String, Object> before = c.state();
    Path fifo = c.dir.resolve("exec.fifo");
    // The open blocks until the init opens its end, which it has done by now; a thread keeps this
    // one watching the init, so a container that dies meanwhile cannot hang start.
    byte[] got = new byte[1];
    int[] n = {-2};
    Thread reader = new Thread(() -> {
      try (FileInputStream in = new FileInputStream(fifo.toFile())) {
        n[0] = in.read(got);
      } catch (IOException e) {
        n[0] = -1;
      }
    });
    reader.setDaemon(true);
    reader.start();
    while (reader.isAlive()) {
      reader.join(20);
      if (reader.isAlive() && !Procfs.alive(pid[0], pid[1])) {
        // a command that ends at once can be gone before this thread saw the read return
        reader.join(500);
        if (reader.isAlive()) throw new JboxException("container `" + id + "` ended before it started");
      }
    }
    if (n[0] != 1) throw new JboxException("start container `" + id + "`: the exec fifo gave no byte");
    Files.deleteIfExists(fifo);
    try {
      Hooks.run(c.hooks("poststart"), before, "poststart");
    } catch (JboxException e) {
      main.warn(e.getMessage());
    }
    return 0;
  }
}
