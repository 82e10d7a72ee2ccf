package dev.jbox.cli;

import dev.jbox.json.Json;
import dev.jbox.json.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jbox version}: podman's shape (a Client section; {@code --format json} or a Go template
 * on the same fields, {@code {{.Client.Version}}}), with what jbox is made of instead of Go's:
 * jbox's version, the Java runtime that runs it, the helper it uses, the OS and architecture.
 * jbox has no server, so there is no Server section and no API version.
 */
@Command(name = "version", mixinStandardHelpOptions = true,
    description = "Show jbox's version, its Java runtime, helper and OS/arch (see jbox-version(1)).")
final class VersionCommand extends SpecCommand implements Callable<Integer> {
  @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "json, or a Go template, e.g. {{.Client.Version}}.")
  String format;

  /** The Client fields, in the order printed. */
  static Map<String, Object> client() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("Name", "jbox");
    c.put("Version", Version.Own.get());
    c.put("JavaVersion", System.getProperty("java.version"));
    c.put("JavaVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
    String helper;
    try {
      helper = dev.jbox.helper.HelperBinary.locate().toString();
    } catch (RuntimeException e) {
      helper = ""; // not found: jbox doctor says why
    }
    c.put("Helper", helper);
    c.put("Os", "linux");
    c.put("OsArch", "linux/" + arch());
    return c;
  }

  /** The architecture in OCI's (Go's) words, as podman and image platforms spell it. */
  static String arch() {
    String a = System.getProperty("os.arch");
    switch (a) {
      case "amd64", "x86_64": return "amd64";
      case "aarch64": return "arm64";
      case "x86", "i386", "i686": return "386";
      case "ppc64le": return "ppc64le";
      case "s390x": return "s390x";
      case "riscv64": return "riscv64";
      default: return a;
    }
  }

  /**
   * Keeps this JVM's facts where the launcher answers the next {@code jbox version} from
   * (helpers/read_fast.c): JBOX_VERSION_CACHE, with JBOX_VERSION_KEY, what they depend on (this
   * JVM's files and the jar), as the first line; written whole or not at all.
   */
  static void remember(Map<String, Object> c) {
    String file = System.getenv("JBOX_VERSION_CACHE");
    String key = System.getenv("JBOX_VERSION_KEY");
    if (file == null || key == null || !file.startsWith("/")) return;
    String text = key + "\n" + c.get("Version") + "\n" + c.get("JavaVersion") + "\n" + c.get("JavaVM") + "\n" + c.get("OsArch") + "\n";
    java.nio.file.Path f = java.nio.file.Path.of(file);
    try {
      java.nio.file.Files.createDirectories(f.getParent());
      // named by this process's pid (createTempFile's random name would load SecureRandom's
      // provider, ProcessHandle links lambdas: LauncherTest)
      java.nio.file.Path tmp = f.resolveSibling(".version." + java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self")) + ".tmp");
      try {
        java.nio.file.Files.write(tmp, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.nio.file.Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } finally {
        java.nio.file.Files.deleteIfExists(tmp);
      }
    } catch (java.io.IOException | RuntimeException e) {
      // a cache only: the next jbox version asks this JVM again
    }
  }

  @Override
  public Integer call() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("Client", client());
    @SuppressWarnings("unchecked")
    Map<String, Object> facts = (Map<String, Object>) root.get("Client");
    remember(facts);
    if (format != null && format.equals("json")) {
      out().println(Json.pretty(root));
      return 0;
    }
    if (format != null) {
      out().println(Template.parse(format).render(root));
      return 0;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> c = (Map<String, Object>) root.get("Client");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"Client:", "jbox"});
    rows.add(new String[] {"Version:", (String) c.get("Version")});
    rows.add(new String[] {"Java Version:", (String) c.get("JavaVersion")});
    rows.add(new String[] {"Java VM:", (String) c.get("JavaVM")});
    rows.add(new String[] {"Helper:", (String) c.get("Helper")});
    rows.add(new String[] {"OS/Arch:", (String) c.get("OsArch")});
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      b.append(r[0]);
      for (int i = r[0].length(); i < 15; i++) b.append(' ');
      b.append(r[1]).append('\n');
    }
    out().print(b);
    return 0;
  }
}
