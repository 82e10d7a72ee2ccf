package dev.jbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layering of README's Architecture section, read from the sources: every package's
 * imports and fully qualified uses of another package ({@code dev.jbox.x.Y} in code, comments
 * left out), checked against the layer table below, and for cycles.
 */
class PackageDependencyTest {
  private static final Path MAIN = Path.of(System.getProperty("user.dir"), "src/main/java");

  /** Each package's layer: a package may use only packages of a lower layer. */
  static final Map<String, Integer> LAYERS = Map.ofEntries(
      Map.entry("dev.jbox", 0),
      Map.entry("dev.jbox.json", 1),
      Map.entry("dev.jbox.sys", 1),
      Map.entry("dev.jbox.image", 2),
      Map.entry("dev.jbox.sandbox.idmap", 2),
      Map.entry("dev.jbox.config", 2),
      Map.entry("dev.jbox.image.registry", 3),
      Map.entry("dev.jbox.image.store", 3),
      Map.entry("dev.jbox.image.unpack", 3),
      Map.entry("dev.jbox.sandbox", 3),
      Map.entry("dev.jbox.image.archive", 4),
      Map.entry("dev.jbox.helper", 4),
      Map.entry("dev.jbox.image.pull", 5),
      Map.entry("dev.jbox.sandboxes", 6),
      Map.entry("dev.jbox.oci", 7), // jbox-oci, the second front end: beside cli, neither uses the other
      Map.entry("dev.jbox.cli", 7));

  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  /** A use of a class of another package: dev.jbox.some.pkg.Class (a capital letter ends the package). */
  private static final Pattern USE = Pattern.compile("\\bdev\\.jbox((?:\\.[a-z]\\w*)*)\\.[A-Z]");

  /** Source without comments and string literals (a package named in a message is not a use). */
  static String code(String src) {
    return src.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ").replaceAll("\"(\\\\.|[^\"\\\\\\n])*\"", "\"\"");
  }

  /** Package to the packages it uses, from every main source file. */
  static Map<String, Set<String>> graph() throws IOException {
    Map<String, Set<String>> g = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(MAIN)) {
      files = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path f : files) {
      String src = Files.readString(f);
      Matcher pm = PACKAGE.matcher(src);
      assertTrue(pm.find(), f + " has no package line");
      String pkg = pm.group(1);
      Set<String> uses = g.computeIfAbsent(pkg, k -> new TreeSet<>());
      Matcher m = USE.matcher(code(src));
      while (m.find()) {
        String used = "dev.jbox" + m.group(1);
        if (!used.equals(pkg)) uses.add(used);
      }
    }
    return g;
  }

  @Test
  void usePattern_readsImportsAndFullyQualifiedUses_notComments() {
    Matcher m = USE.matcher(code("import dev.jbox.sandbox.Plan;\n x = new dev.jbox.image.store.ImageStore(); // dev.jbox.cli.Main\n"
        + "/* {@link dev.jbox.helper.PlanWriter} */ s = \"dev.jbox.sys.FsCalls\"; dev.jbox.Text.isHex(a, 1, 2);"));
    List<String> found = new ArrayList<>();
    while (m.find()) found.add("dev.jbox" + m.group(1));
    assertEquals(List.of("dev.jbox.sandbox", "dev.jbox.image.store", "dev.jbox"), found);
  }

  @Test
  void everyPackageHasALayer_andUsesOnlyLowerLayers_soNothingUsesCli() throws IOException {
    List<String> bad = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : graph().entrySet()) {
      Integer from = LAYERS.get(e.getKey());
      if (from == null) {
        bad.add(e.getKey() + ": not in the layer table (README Architecture and this test)");
        continue;
      }
      for (String to : e.getValue()) {
        Integer l = LAYERS.get(to);
        if (l == null || l >= from) bad.add(e.getKey() + " (layer " + from + ") uses " + to + " (layer " + l + ")");
      }
    }
    assertEquals(List.of(), bad);
  }

  @Test
  void theGraphHasNoCycle() throws IOException {
    Map<String, Set<String>> g = graph();
    List<String> cycles = new ArrayList<>();
    for (String start : g.keySet()) {
      // a path back to start through the graph is a cycle
      List<String> path = new ArrayList<>();
      if (reaches(g, start, start, path, new TreeSet<>())) cycles.add(start + " -> " + String.join(" -> ", path));
    }
    assertEquals(List.of(), cycles);
  }

  private static boolean reaches(Map<String, Set<String>> g, String from, String target, List<String> path, Set<String> seen) {
    for (String next : g.getOrDefault(from, Set.of())) {
      path.add(next);
      if (next.equals(target)) return true;
      if (seen.add(next) && reaches(g, next, target, path, seen)) return true;
      path.remove(path.size() - 1);
    }
    return false;
  }

  private static List<String> violations(Path dir, boolean recursive, List<String> forbidden) throws IOException {
    List<String> bad = new ArrayList<>();
    try (Stream<Path> files = recursive ? Files.walk(dir) : Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String c = code(Files.readString(f));
        for (String prefix : forbidden) {
          int i = c.indexOf(prefix);
          if (i >= 0) bad.add(f.getFileName() + ": " + prefix);
        }
      }
    }
    return bad;
  }

  @Test
  void imagePackage_isPureValues_noNetworkDiskOrUpperPackages() throws IOException {
    assertEquals(List.of(), violations(MAIN.resolve("dev/jbox/image"), false,
        List.of("java.net", "java.nio.file", "java.io.File", "dev.jbox.image.registry", "dev.jbox.image.store",
            "dev.jbox.cli", "com.sun.jna")));
  }

  @Test
  void registryPackage_doesNotReachUpOrIntoTheStore() throws IOException {
    assertEquals(List.of(), violations(MAIN.resolve("dev/jbox/image/registry"), true,
        List.of("dev.jbox.cli", "dev.jbox.image.store", "dev.jbox.image.unpack", "com.sun.jna")));
  }
}
