package dev.jbox.cli;

import dev.jbox.image.pull.LoadService;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jbox load}: imports a docker-archive or oci-archive tarball into the store. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Load images from a docker-archive or oci-archive tarball (see jbox-load(1)).")
final class LoadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
      description = "The tarball to read.")
  Path input;

  @Option(names = {"-q", "--quiet"}, description = "Print nothing.")
  boolean quiet;

  @Override
  public Integer call() {
    PicoMain root = PicoMain.of(spec);
    for (String line : new LoadService(PicoMain.sandboxes(spec).openImageStore(), root.out(), root.err())
        .load(input)) {
      if (!quiet) root.out().println(line);
    }
    return 0;
  }
}
