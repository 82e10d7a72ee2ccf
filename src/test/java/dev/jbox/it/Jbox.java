package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real jbox launcher (packaging/jbox) with the real helper, from the build tree, as the
 * account running the tests. Integration tests use it; it never fakes the helper.
 */
public final class Jbox {
  private Jbox() {}

  /** The source tree (Maven sets JBOX_SOURCE_DIR; otherwise the working directory). */
  public static Path source() {
    String s = System.getenv("JBOX_SOURCE_DIR");
    return Path.of(s != null ? s : System.getProperty("user.dir")).toAbsolutePath();
  }

  /**
   * This JVM's classpath for JBOX_CLASSPATH, every entry absolute (the launcher refuses an empty
   * or relative one: the JVM would look for classes in the working directory); surefire's may
   * hold relative or empty entries.
   */
  public static String classpath() {
    java.util.List<String> cp = new java.util.ArrayList<>();
    for (String c : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!c.isEmpty()) cp.add(Path.of(System.getProperty("user.dir")).resolve(c).toString());
    }
    return String.join(java.io.File.pathSeparator, cp);
  }

  /** The result of one jbox command. */
  public record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  public static ProcessBuilder builder(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(source().resolve("packaging/jbox").toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("JBOX_HELPER", source().resolve("helpers/build/jbox-helper").toString());
    env.put("JBOX_CLASSPATH", classpath());
    env.remove("JBOX_TRACE");
    env.remove("JBOX_CONFIG");
    return pb;
  }

  public static Result run(String... args) {
    return run(List.of(args), null);
  }

  public static Result run(List<String> args, Map<String, String> extraEnv) {
    return run(builder(args), args, extraEnv);
  }

  /** As {@link #run(List, Map)}, started as {@code HELPER jbox ARGS} (a copy of the helper elsewhere). */
  public static Result runWith(Path helper, List<String> args, Map<String, String> extraEnv) {
    ProcessBuilder pb = builder(args);
    pb.command().set(0, helper.toString());
    pb.command().add(1, "jbox");
    pb.environment().put("JBOX_HELPER", helper.toString());
    return run(pb, args, extraEnv);
  }

  private static Result run(ProcessBuilder pb, List<String> args, Map<String, String> extraEnv) {
    if (extraEnv != null) pb.environment().putAll(extraEnv);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return collect(pb, "jbox " + args, 60);
  }

  /**
   * stderr without the launcher's JBOX_TRACE stamps, wherever they fell: a stamp is one write(2)
   * of the helper, which may land inside a line the JVM is writing (the java launcher's "Picked
   * up ..." note came out split around one under load).
   */
  public static String withoutTrace(String err) {
    return err.replaceAll("jbox-trace [a-z0-9-]+ -?[0-9]+\n", "");
  }

  /**
   * One jbox command in cwd as a user in a project types it: the caller's locale names and
   * XDG_DATA_HOME removed, then {@code env}, then {@code extra} (a null value removes the name),
   * stdin /dev/null. The shell tests' way of calling: the launcher's fast paths read exactly these.
   */
  public static Result inDir(Path cwd, Map<String, String> env, Map<String, String> extra, List<String> args) {
    ProcessBuilder pb = builder(args);
    pb.directory(cwd.toFile());
    for (String k : List.of("XDG_DATA_HOME", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE")) pb.environment().remove(k);
    pb.environment().putAll(env);
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getValue() == null) pb.environment().remove(e.getKey());
      else pb.environment().put(e.getKey(), e.getValue());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return collect(pb, "jbox " + args, 60);
  }

  /**
   * Starts pb, reads its output and its errors to their ends (both at once, so neither pipe fills)
   * and waits for it; one that has not finished within {@code seconds} is killed with what it
   * started and fails the test ({@code what} names it), so a hang cannot hang the suite.
   */
  public static Result collect(ProcessBuilder pb, String what, int seconds) {
    try {
      Process p = pb.start();
      byte[][] outs = new byte[2][];
      Thread out = new Thread(() -> outs[0] = readAll(p.getInputStream()));
      Thread err = new Thread(() -> outs[1] = readAll(p.getErrorStream()));
      out.start();
      err.start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail(what + " did not finish within " + seconds + " s");
      }
      out.join(10_000);
      err.join(10_000);
      return new Result(p.exitValue(), outs[0] == null ? "" : new String(outs[0], StandardCharsets.UTF_8),
          outs[1] == null ? "" : new String(outs[1], StandardCharsets.UTF_8));
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("start " + what + ": " + e, e);
    }
  }

  static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** jbox run --rootfs ROOTFS OPTIONS... -- sh -c SCRIPT. */
  public static Result sh(Path rootfs, List<String> options, String script) {
    List<String> a = new ArrayList<>(List.of("run", "--rootfs", rootfs.toString()));
    a.addAll(options);
    a.addAll(List.of("sh", "-c", script));
    return run(a, null);
  }

  public static Result sh(Path rootfs, String script) {
    return sh(rootfs, List.of(), script);
  }

  /** A fresh busybox rootfs made by scripts/mkrootfs, owned by the test account. */
  public static Path rootfs(Path parent) {
    Path dir = parent.resolve("rootfs");
    try {
      Process p = new ProcessBuilder(source().resolve("scripts/mkrootfs").toString(), dir.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) fail("mkrootfs failed: " + out);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
    return dir;
  }

  /** Copies the static probe (helpers/tests/probe.c) to /probe in the rootfs. */
  public static void installProbe(Path rootfs) {
    try {
      Path dst = rootfs.resolve("probe");
      Files.copy(source().resolve("helpers/build/tests/probe"), dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      dst.toFile().setExecutable(true);
    } catch (IOException e) {
      throw new AssertionError("install probe: " + e, e);
    }
  }

  /**
   * Namespace tests need unprivileged user namespaces, subordinate ids and an unprivileged
   * account. Outside CI they are skipped when missing; with JBOX_MUST_WORK=1 (CI) they fail.
   */
  public static void requireRootless() {
    String why = null;
    if (currentUid() == 0) why = "running as root: rootless tests must run as an unprivileged account (sudo scripts/test does)";
    else if (!userNamespacesWork()) why = "unprivileged user namespaces are not available (`unshare -U true` fails)";
    else if (!hasSubIds()) why = "the test account has no /etc/subuid and /etc/subgid entries";
    if (why == null) return;
    if ("1".equals(System.getenv("JBOX_MUST_WORK"))) fail("JBOX_MUST_WORK=1 and " + why);
    Assumptions.abort(why);
  }

  static long currentUid() {
    return dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0];
  }

  static boolean userNamespacesWork() {
    try {
      Process p = new ProcessBuilder("unshare", "-U", "true").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static boolean hasSubIds() {
    String user = System.getProperty("user.name");
    try {
      return Files.readAllLines(Path.of("/etc/subuid")).stream().anyMatch(l -> l.startsWith(user + ":"))
          && Files.readAllLines(Path.of("/etc/subgid")).stream().anyMatch(l -> l.startsWith(user + ":"));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A jbox with a home of its own: store, registries.conf (the given registries insecure), auth
   * file, runtime and config dirs all inside the test's directory, started as a child process with
   * only that environment: the image and lifecycle tests' way to run the real CLI
   * ({@code dev.jbox.cli.Main}) or the real launcher.
   */
  public static final class Home {
    public final Path home;
    public final Path storage;
    public final Path registriesConf;
    /** Directories put before the standard PATH (credential helpers), or null. */
    public String pathPrefix;

    public Home(Path home, String insecureRegistries) throws IOException {
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
    public record Run(int status, String out, String err) {
      public String lastLine() {
        String[] l = out.strip().split("\n");
        return l[l.length - 1];
      }
    }

    public ProcessBuilder builder(String mainClass, String... args) {
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

    public static Path helper() {
      return source().resolve("helpers/build/jbox-helper");
    }

    /** The same environment, through the real launcher (packaging/jbox): needed by `run`. */
    public ProcessBuilder launcher(List<String> args) {
      ProcessBuilder pb = builder("unused");
      List<String> argv = new ArrayList<>();
      argv.add(helper().getParent().getParent().getParent().resolve("packaging/jbox").toString());
      argv.addAll(args);
      pb.command(argv);
      pb.environment().put("JBOX_CLASSPATH", classpath());
      return pb;
    }

    public Run launch(String... args) throws Exception {
      ProcessBuilder pb = launcher(List.of(args));
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      return finish(pb.start());
    }

    public Run run(String... args) throws Exception {
      return finish(start(args));
    }

    public Process start(String... args) throws IOException {
      ProcessBuilder pb = builder("dev.jbox.cli.Main", args);
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      return pb.start();
    }

    public static Run finish(Process p) throws Exception {
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
}
