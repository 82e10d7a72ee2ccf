package dev.jbox.cli;

import dev.jbox.image.store.StoreService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jbox tag} and {@code jbox image tag}: adds names to a stored image. */
@Command(name = "tag", mixinStandardHelpOptions = true,
    description = "Add names to a stored image (see jbox-image(1)).")
final class TagCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name or id.")
  String source;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME", description = "New names.")
  List<String> targets;

  @Override
  public Integer call() {
    StoreService svc = PicoMain.sandboxes(spec).images();
    for (String t : targets) svc.tag(source, t);
    return 0;
  }
}
