package dev.jbox.cli;

import dev.jbox.image.pull.PullService;
import dev.jbox.image.store.ImageStore;
import dev.jbox.image.store.StoreService;
import dev.jbox.image.unpack.Unpacker;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox rmi}: removes images by name or id. */
@Command(name = "rmi", mixinStandardHelpOptions = true,
    description = "Remove images (see jbox-rmi(1)).")
final class RmiCommand extends ImagesSpec implements Callable<Integer> {
  /** The streams when run by FastArgs, without picocli (spec is null then). */
  private PrintStream fastOut;
  private PrintStream fastErr;

  void streams(PrintStream out, PrintStream err) {
    fastOut = out;
    fastErr = err;
  }

  @Option(names = {"-f", "--force"}, description = "Remove an image by id even if it has several names.")
  boolean force;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image names or ids.")
  List<String> images;

  @Override
  public Integer call() {
    PrintStream out = spec == null ? fastOut : PicoMain.of(spec).out();
    PrintStream err = spec == null ? fastErr : PicoMain.of(spec).err();
    // (not through PicoMain, whose class would load picocli's)
    StoreService svc = new dev.jbox.sandboxes.SandboxService(dev.jbox.sandboxes.SandboxStore.locate(System.getenv()), err).images();
    // the unpacker (the user's id maps, a second JVM for subordinate-owned files) only when a layer
    // goes: untagging one of an image's names deletes nothing
    Unpacker[] unpacker = new Unpacker[1];
    try {
      // a class, not a method reference (the first one starts the JDK's method-handle machinery)
      ImageStore.Deleter deleter = new ImageStore.Deleter() {
        @Override
        public void delete(List<java.nio.file.Path> paths) throws java.io.IOException {
          if (unpacker[0] == null) unpacker[0] = PullService.newUnpacker(err);
          unpacker[0].delete(paths);
        }
      };
      for (String i : images) {
        for (String line : svc.remove(i, force, deleter)) out.println(line);
      }
    } finally {
      if (unpacker[0] != null) unpacker[0].close();
    }
    return 0;
  }
}
