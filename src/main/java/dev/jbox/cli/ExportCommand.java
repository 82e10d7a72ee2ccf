package dev.jbox.cli;

import dev.jbox.JboxException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox export}: the sandbox's whole file system as a tar. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write a sandbox's file system as a tar (see jbox-export(1)).")
final class ExportCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output.")
  String output;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    if (output == null) {
      service().files().export(ref, PicoMain.of(spec).out());
      return 0;
    }
    service().find(ref); // an unknown sandbox creates no file
    Path f = Path.of(output);
    boolean created = !Files.exists(f);
    try (OutputStream o = Files.newOutputStream(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      service().files().export(ref, new java.io.BufferedOutputStream(o, 1 << 16));
    } catch (IOException e) {
      if (created) deleteQuietly(f);
      throw new JboxException("export: " + output + ": " + e.getMessage());
    } catch (RuntimeException e) {
      if (created) deleteQuietly(f);
      throw e;
    }
    return 0;
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      // nothing more to do
    }
  }
}
