package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.archive.ImageArchiveWriter;
import dev.jbox.image.archive.SaveService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jbox save}: writes images to a docker-archive or oci-archive tarball. */
@Command(name = "save", mixinStandardHelpOptions = true,
    description = "Save images to a docker-archive or oci-archive tarball (see jbox-save(1)).")
final class SaveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Write to FILE (default: standard output, which must not be a terminal).")
  Path output;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "docker-archive",
      description = "docker-archive (default) or oci-archive.")
  String format;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image names or ids.")
  List<String> images;

  @Override
  public Integer call() {
    PicoMain root = PicoMain.of(spec);
    ImageArchiveWriter.Format f = ImageArchiveWriter.Format.parse(format);
    if (f == null) {
      throw new JboxException("save: unknown format '" + format
          + "' (docker-archive or oci-archive)");
    }
    if (output == null && stdoutIsTerminal()) {
      throw new JboxException("save: refusing to write a tarball to a terminal: use -o FILE"
          + " or redirect the output");
    }
    SaveService svc = new SaveService(PicoMain.sandboxes(spec).openImageStore());
    List<ImageArchiveWriter.Image> selected = svc.select(images);
    if (output != null) {
      svc.write(selected, f, output);
    } else {
      svc.write(selected, f, root.out());
      if (root.out().checkError()) throw new JboxException("save: writing to standard output failed");
    }
    return 0;
  }

  /** Whether fd 1 is a terminal (a pts, tty or the console), read from /proc. */
  static boolean stdoutIsTerminal() {
    try {
      String t = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
      return t.startsWith("/dev/pts/") || t.startsWith("/dev/tty") || t.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
