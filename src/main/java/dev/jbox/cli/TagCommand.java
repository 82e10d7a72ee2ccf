package dev.jbox.cli;

import dev.jbox.image.store.StoreService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox tag} and {@code jbox image tag}: adds names to a stored image. */
@Command(name = "tag", mixinStandardHelpOptions = true,
    description = "Add names to a stored image (see jbox-image(1)).")
final class TagCommand extends ImagesSpec implements Callable<Integer> {
  /** The error stream when run by FastArgs, without picocli (spec is null then). */
  private java.io.PrintStream fastErr;

  void streams(java.io.PrintStream err) {
    fastErr = err;
  }

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name or id.")
  String source;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME", description = "New names.")
  List<String> targets;

  @Override
  public Integer call() {
    StoreService svc = (spec == null ? new dev.jbox.sandboxes.SandboxService(dev.jbox.sandboxes.SandboxStore.locate(System.getenv()), fastErr)
        : PicoMain.sandboxes(spec)).images();
    for (String t : targets) svc.tag(source, t);
    return 0;
  }
}
