package dev.jbox.cli;

import dev.jbox.image.store.StoreService;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jbox system}: store-wide information. */
@Command(name = "system", mixinStandardHelpOptions = true,
    description = "Store-wide information (see jbox-system(1)).",
    subcommands = {SystemCommand.Df.class})
final class SystemCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** {@code jbox system df}: disk used by images, layers and blobs. */
  @Command(name = "df", mixinStandardHelpOptions = true, description = "Show disk usage of the store.")
  static final class Df implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      StoreService.Usage u = PicoMain.sandboxes(spec).images().usage();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
      rows.add(new String[] {"Images", Integer.toString(u.images()),
          Integer.toString(u.activeImages()), ImagesCommand.si(u.imagesSize()),
          ImagesCommand.si(u.reclaimableImages())});
      rows.add(new String[] {"Layers", Integer.toString(u.layers()), "",
          ImagesCommand.si(u.layersSize()), ""});
      rows.add(new String[] {"Blobs", "", "", ImagesCommand.si(u.blobsSize()), ""});
      Table.print(PicoMain.of(spec).out(), rows);
      return 0;
    }
  }
}
