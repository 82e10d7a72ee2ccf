package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Procfs;
import dev.jbox.sandboxes.Signals;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
    Path fifo = c.dir.resolve("exec.fifo");
    // The open blocks until the init opens its end, which it has done by now; the init then runs
    // the startContainer hooks and writes '0' (or 'E' and why they failed), and the execve closes
    // its end: EOF. A thread reads, so that a container that dies meanwhile cannot hang start.
    byte[][] got = {null};
    Thread reader = new Thread(() -> {
      try (FileInputStream in = new FileInputStream(fifo.toFile())) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0; ) all.write(buf, 0, n);
        got[0] = all.toByteArray();
      } catch (IOException e) {
        got[0] = null;
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
    byte[] b = got[0];
    if (b != null && b.length > 0 && b[0] == 'E') {
      Files.deleteIfExists(fifo);
      throw new JboxException(1, new String(b, 1, b.length - 1, java.nio.charset.StandardCharsets.UTF_8).strip());
    }
    if (b == null || b.length != 1 || b[0] != '0') throw new JboxException("start container `" + id + "`: the exec fifo gave " + (b == null ? "nothing" : "`" + new String(b, java.nio.charset.StandardCharsets.UTF_8) + "`"));
    Files.deleteIfExists(fifo);
    // the user's program has been executed: poststart, in the runtime's namespaces; a failure
    // stops and destroys the container, as runc does (runtime-spec: error, stop, then poststop)
    try {
      Hooks.run(c.hooks("poststart"), c.state(), "poststart");
    } catch (JboxException e) {
      Map<String, Object> stopped = c.state();
      Signals.send(pid[0], pid[1], 9);
      for (int i = 0; i < 500 && Procfs.alive(pid[0], pid[1]); i++) Thread.sleep(10);
      c.remove();
      stopped.put("status", "stopped");
      stopped.remove("pid");
      Hooks.runPoststop(main, c.hooks("poststop"), stopped);
      throw new JboxException(1, e.getMessage());
    }
    return 0;
  }
}
