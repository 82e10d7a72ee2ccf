package dev.jbox.cli;

import dev.jbox.image.pull.PullService;
import dev.jbox.image.store.StoreService;
import dev.jbox.image.unpack.Unpacker;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jbox rmi}: removes images by name or id. */
@Command(name = "rmi", mixinStandardHelpOptions = true,
    description = "Remove images (see jbox-rmi(1)).")
final class RmiCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--force"}, description = "Remove an image by id even if it has several names.")
  boolean force;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image names or ids.")
  List<String> images;

  @Override
  public Integer call() {
    PicoMain root = PicoMain.of(spec);
    PrintStream out = root.out();
    StoreService svc = PicoMain.sandboxes(spec).images();
    try (Unpacker u = PullService.newUnpacker(root.err())) {
      for (String i : images) svc.remove(i, force, u::delete).forEach(out::println);
    }
    return 0;
  }
}
