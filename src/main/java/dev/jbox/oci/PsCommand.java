package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.Procfs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ps}: the host pids of the processes in the container's pid namespace (no cgroup needed). */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List the processes of a container.")
final class PsCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-f", "--format"}, paramLabel = "table|json") String format = "table";

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Override
  public Integer call() {
    Container c = Container.load(main.root(), id);
    long[] pid = c.pid();
    if (pid == null || !Procfs.alive(pid[0], pid[1])) {
      if (format.equals("json")) main.out.println("[]");
      else main.out.println("PID CMD");
      return 0;
    }
    long ns = Procfs.nsInode(Long.toString(pid[0]), "pid");
    List<Long> pids = new ArrayList<>();
    for (long p : Procfs.pids()) {
      if (Procfs.nsInode(Long.toString(p), "pid") == ns) pids.add(p);
    }
    switch (format) {
      case "json" -> main.out.println(Json.write(pids));
      case "table" -> {
        main.out.println("PID CMD");
        for (long p : pids) main.out.println(p + " " + Procfs.cmdline(p));
      }
      default -> throw new JboxException("unknown --format `" + format + "` (table or json)");
    }
    return 0;
  }
}
