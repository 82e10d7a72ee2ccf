package dev.jbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PackageDependencyTest {
  private static final Path SRC = Path.of(System.getProperty("user.dir"), "src/main/java/dev/jbox/image");

  private static List<String> violations(Path dir, boolean recursive, List<String> forbidden) throws IOException {
    List<String> bad = new ArrayList<>();
    try (Stream<Path> files = recursive ? Files.walk(dir) : Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(f)) {
          if (!line.startsWith("import ")) continue;
          for (String prefix : forbidden) {
            if (line.startsWith("import " + prefix)) bad.add(f.getFileName() + ": " + line);
          }
        }
      }
    }
    return bad;
  }

  @Test
  void imagePackage_isPureValues_noNetworkDiskOrUpperPackages() throws IOException {
    assertEquals(List.of(), violations(SRC, false,
        List.of("java.net", "java.nio.file", "java.io.File", "dev.jbox.image.registry", "dev.jbox.image.store",
            "dev.jbox.cli", "com.sun.jna")));
  }

  @Test
  void registryPackage_doesNotReachUpOrIntoTheStore() throws IOException {
    assertEquals(List.of(), violations(SRC.resolve("registry"), true,
        List.of("dev.jbox.cli", "dev.jbox.image.store", "dev.jbox.image.unpack", "com.sun.jna")));
  }
}
