package dev.jbox.oci.it;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jbox.it.Jbox;
import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real runtimes on bundles: packaging/jbox-oci (the helper under its OCI name, from the
 * build tree) and, for the differential tests, Debian's runc.
 */
final class Oci {
  private Oci() {}

  static List<String> jboxOci() {
    return List.of(Jbox.source().resolve("packaging/jbox-oci").toString());
  }

  static List<String> runc() {
    return List.of("runc");
  }

  /**
   * The clean-up net of the OCI tests (an @AfterEach): every container still in a {@code --root}
   * directory of the test ({@code tmp/root*}; runc's when the name says runc) is deleted with
   * {@code delete --force}, so that a failed test leaves no init and no sleep behind. Starts no
   * runtime when the tests deleted their containers.
   */
  static void deleteLeftovers(Path tmp) throws IOException {
    if (tmp == null || !Files.isDirectory(tmp)) return;
    try (var roots = Files.list(tmp)) {
      for (Path root : roots.filter(r -> r.getFileName().toString().startsWith("root") && Files.isDirectory(r)).toList()) {
        List<String> runtime = root.getFileName().toString().contains("runc") ? runc() : jboxOci();
        try (var ids = Files.list(root)) {
          for (Path id : ids.filter(Files::isDirectory).toList()) run(runtime, root, "delete", "--force", id.getFileName().toString());
        }
      }
    }
  }

  /** Runs RUNTIME --root ROOT ARGS... with stdin from /dev/null; 60 s at most. */
  static Jbox.Result run(List<String> runtime, Path root, String... args) {
    List<String> cmd = new ArrayList<>(runtime);
    cmd.add("--root");
    cmd.add(root.toString());
    cmd.addAll(List.of(args));
    return exec(cmd, null);
  }

  /** As {@link #run} with these variables set on top of the test's (a null value: unset). */
  static Jbox.Result runEnv(Map<String, String> extra, List<String> runtime, Path root, String... args) {
    List<String> cmd = new ArrayList<>(runtime);
    cmd.add("--root");
    cmd.add(root.toString());
    cmd.addAll(List.of(args));
    return exec(cmd, null, extra);
  }

  static Jbox.Result exec(List<String> cmd, Path dir) {
    return exec(cmd, dir, Map.of());
  }

  static Jbox.Result exec(List<String> cmd, Path dir, Map<String, String> extra) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (dir != null) pb.directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.put("JBOX_HELPER", Jbox.source().resolve("helpers/build/jbox-helper").toString());
    env.put("JBOX_CLASSPATH", Jbox.classpath());
    env.remove("JBOX_TRACE");
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getValue() == null) env.remove(e.getKey());
      else env.put(e.getKey(), e.getValue());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Path out = Files.createTempFile("oci-out", ".txt");
      Path err = Files.createTempFile("oci-err", ".txt");
      // files, not pipes: a created container keeps the runtime's stdio open after create exits
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      Process p = pb.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail(cmd + " did not finish within 60 s");
      }
      Jbox.Result r = new Jbox.Result(p.exitValue(), Files.readString(out), Files.readString(err));
      Files.delete(out);
      Files.delete(err);
      return r;
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("start " + cmd + ": " + e, e);
    }
  }

  /** A bundle in DIR: a busybox rootfs and `jbox-oci spec [--rootless]` with the given args. */
  static Path bundle(Path dir, boolean rootless, String... args) {
    try {
      Files.createDirectories(dir);
      Jbox.rootfs(dir);
      List<String> cmd = new ArrayList<>(jboxOci());
      cmd.add("spec");
      if (rootless) cmd.add("--rootless");
      Jbox.Result r = exec(cmd, dir);
      if (r.code() != 0) fail("spec: " + r);
      edit(dir, c -> {
        process(c).put("args", List.of(args));
        process(c).put("terminal", false);
      });
      return dir;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> process(Map<String, Object> config) {
    return (Map<String, Object>) config.get("process");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> linux(Map<String, Object> config) {
    return (Map<String, Object>) config.get("linux");
  }

  interface Edit {
    void apply(Map<String, Object> config);
  }

  static void edit(Path bundle, Edit e) {
    try {
      Path f = bundle.resolve("config.json");
      Map<String, Object> c = Json.parseObject(Files.readString(f));
      e.apply(c);
      Files.writeString(f, Json.pretty(c), StandardCharsets.UTF_8);
    } catch (IOException ex) {
      throw new AssertionError(ex);
    }
  }

  /** Waits up to 10 s for cond. */
  static boolean await(java.util.function.BooleanSupplier cond) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      if (cond.getAsBoolean()) return true;
      Thread.sleep(10);
    }
    return cond.getAsBoolean();
  }

  static Map<String, Object> state(List<String> runtime, Path root, String id) {
    Jbox.Result r = run(runtime, root, "state", id);
    if (r.code() != 0) fail("state " + id + ": " + r);
    return Json.parseObject(r.out());
  }

  static List<String> listing(Path dir) throws IOException {
    if (!Files.exists(dir)) return List.of();
    try (var s = Files.walk(dir)) {
      return s.map(Path::toString).sorted().toList();
    }
  }
}
