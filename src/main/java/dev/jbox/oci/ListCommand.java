package dev.jbox.oci;

import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code list}: the containers under --root. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List containers.")
final class ListCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-f", "--format"}, paramLabel = "table|json") String format = "table";

  @Option(names = {"-q", "--quiet"}) boolean quiet;

  @Override
  public Integer call() throws IOException {
    List<Map<String, Object>> states = new ArrayList<>();
    Path root = main.root();
    if (Files.isDirectory(root)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
        for (Path d : ds) {
          if (!Files.exists(d.resolve(Container.STATE))) continue;
          try {
            states.add(Container.load(root, d.getFileName().toString()).state());
          } catch (RuntimeException e) {
            // removed meanwhile
          }
        }
      }
    }
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
