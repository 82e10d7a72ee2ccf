package dev.jbox.oci;

import dev.jbox.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code state}: the container's state as JSON (runtime-spec "State"). */
@Command(name = "state", mixinStandardHelpOptions = true, description = "Print a container's state as JSON.")
final class StateCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Override
  public Integer call() {
    main.out.println(Json.pretty(Container.load(main.root(), id).state()));
    return 0;
  }
}
