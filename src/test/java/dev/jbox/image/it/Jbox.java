package dev.jbox.image.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real CLI ({@code dev.jbox.cli.Main}) as a child process with its own environment:
 * store, registries.conf, auth file, runtime dir and helper all inside the test's temp dir.
 */
final class Jbox {
  final Path home;
  final Path storage;
  final Path registriesConf;
  /** Directories put before the standard PATH (credential helpers), or null. */
  String pathPrefix;

  Jbox(Path home, String insecureRegistries) throws IOException {
    this.home = home;
    this.storage = home.resolve("storage");
    this.registriesConf = home.resolve("registries.conf");
    Files.createDirectories(home.resolve("run"));
    Files.setAttribute(home.resolve("run"), "unix:mode", 0700);
    StringBuilder c = new StringBuilder("unqualified-search-registries = []\n");
    for (String r : insecureRegistries.split(",")) {
      c.append("[[registry]]\nlocation = \"").append(r).append("\"\ninsecure = true\n");
    }
    Files.writeString(registriesConf, c);
  }

  /** The result of one run. */
  record Run(int status, String out, String err) {
    String lastLine() {
      String[] l = out.strip().split("\n");
      return l[l.length - 1];
    }
  }

  ProcessBuilder builder(String mainClass, String... args) {
    List<String> argv = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), mainClass));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", (pathPrefix == null ? "" : pathPrefix + ":") + "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    env.put("HOME", home.toString());
    env.put("XDG_RUNTIME_DIR", home.resolve("run").toString());
    env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
    env.put("JBOX_STORAGE", storage.toString());
    env.put("JBOX_REGISTRIES_CONF", registriesConf.toString());
    env.put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
    env.put("JBOX_HELPER", helper().toString());
    env.put("LANG", "C.UTF-8");
    return pb;
  }

  static Path helper() {
    String src = System.getenv("JBOX_SOURCE_DIR");
    Path base = src != null ? Path.of(src) : Path.of(System.getProperty("user.dir"));
    return base.resolve("helpers/build/jbox-helper");
  }

  /** The same environment, through the real launcher (packaging/jbox): needed by `run`. */
  ProcessBuilder launcher(List<String> args) {
    ProcessBuilder pb = builder("unused");
    List<String> argv = new ArrayList<>();
    argv.add(helper().getParent().getParent().getParent().resolve("packaging/jbox").toString());
    argv.addAll(args);
    pb.command(argv);
    pb.environment().put("JBOX_CLASSPATH", System.getProperty("java.class.path"));
    return pb;
  }

  Run launch(String... args) throws Exception {
    ProcessBuilder pb = launcher(List.of(args));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return finish(pb.start());
  }

  Run run(String... args) throws Exception {
    return finish(start(args));
  }

  Process start(String... args) throws IOException {
    ProcessBuilder pb = builder("dev.jbox.cli.Main", args);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return pb.start();
  }

  static Run finish(Process p) throws Exception {
    var out = new java.util.concurrent.CompletableFuture<String>();
    new Thread(() -> {
      try {
        out.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        out.complete("");
      }
    }).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("jbox did not finish");
    }
    return new Run(p.exitValue(), out.get(), err);
  }
}
