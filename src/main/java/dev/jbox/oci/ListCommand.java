package dev.jbox.oci;

import dev.jbox.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code list}: the containers under --root (their typed records, an older jbox-oci's too). */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List containers.")
final class ListCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-f", "--format"}, paramLabel = "table|json") String format = "table";

  @Option(names = {"-q", "--quiet"}) boolean quiet;

  @Override
  public Integer call() {
    List<Map<String, Object>> states = new ArrayList<>();
    for (Container c : Container.list(main.root())) states.add(c.state());
    states.sort((a, b) -> ((String) a.get("id")).compareTo((String) b.get("id")));
    if (quiet) {
      for (Map<String, Object> s : states) main.out.println(s.get("id"));
    } else if (format.equals("json")) {
      main.out.println(Json.write(states));
    } else {
      main.out.println("ID PID STATUS BUNDLE CREATED OWNER");
      for (Map<String, Object> s : states) {
        main.out.println(s.get("id") + " " + s.get("pid") + " " + s.get("status") + " " + s.get("bundle") + " " + s.get("created") + " ");
      }
    }
    return 0;
  }
}
