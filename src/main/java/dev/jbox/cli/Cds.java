package dev.jbox.cli;

import dev.jbox.JboxException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the launcher's AppCDS archives live and whether they belong to the running JVM.
 *
 * <p>An archive is valid only for the JVM build that dumped it. scripts/cds writes, beside each
 * archive {@code A.jsa}, a stamp {@code A.jsa.jvm}: the real path of the dumping JVM's
 * {@code lib/modules}, its size and its modification time in seconds. The launcher
 * (helpers/main.c, {@code cds_archive}) computes the same line for the JVM it is about to start
 * and uses the first archive whose stamp matches, looking beside the jar (the build tree), in
 * /var/lib/jbox/cds (made by the package's postinst) and in ~/.cache/jbox/cds (made by
 * {@code jbox system cds} as a user). A JVM upgrade changes lib/modules, so every stamp stops
 * matching: the launcher then starts without an archive and, once, regenerates the user's.
 */
final class Cds {
  private Cds() {}

  static final String SYSTEM_DIR = "/var/lib/jbox/cds";

  enum Kind { MATCH, STALE, MISSING }

  /** The state of the archive of every non-run command; systemWide: the jar's directory is not writable. */
  record State(Kind kind, Path archive, String jvm, boolean systemWide) {}

  /** The jar the launcher started, or null (a classes directory during development). */
  static Path jar() {
    String cp = System.getProperty("java.class.path", "");
    int colon = cp.indexOf(':');
    String first = colon < 0 ? cp : cp.substring(0, colon);
    return first.endsWith(".jar") ? Path.of(first).toAbsolutePath() : null;
  }

  /** The stamp line of the running JVM, as scripts/cds and the launcher write it. */
  static String jvmStamp() {
    try {
      Path modules = Path.of(System.getProperty("java.home"), "lib", "modules").toRealPath();
      BasicFileAttributes a = Files.readAttributes(modules, BasicFileAttributes.class);
      return modules + " " + a.size() + " " + a.lastModifiedTime().toMillis() / 1000;
    } catch (IOException e) {
      return "";
    }
  }

  static Path cacheDir(Map<String, String> env) {
    String x = env.get("XDG_CACHE_HOME");
    Path base = x != null && x.startsWith("/") ? Path.of(x) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("jbox").resolve("cds");
  }

  /** The directories the launcher looks in, in its order. */
  static List<Path> dirs(Path jar, Map<String, String> env) {
    List<Path> out = new ArrayList<>();
    out.add(jar.getParent());
    out.add(Path.of(SYSTEM_DIR));
    out.add(cacheDir(env));
    return out;
  }

  static State state(Map<String, String> env) {
    Path jar = jar();
    if (jar == null) return null;
    String base = jar.getFileName().toString();
    base = base.substring(0, base.length() - 4) + "-cli.jsa";
    String jvm = jvmStamp();
    boolean systemWide = !Files.isWritable(jar.getParent());
    Path stale = null;
    for (Path d : dirs(jar, env)) {
      Path a = d.resolve(base);
      String stamp = readStamp(a);
      if (stamp == null || !new File(a.toString()).isFile()) continue;
      if (stamp.equals(jvm)) return new State(Kind.MATCH, a, jvm, systemWide);
      if (stale == null) stale = a;
    }
    return new State(stale != null ? Kind.STALE : Kind.MISSING, stale, jvm, systemWide);
  }

  /** The archives scripts/cds makes beside the jar's name: run's, every other command's, the record commands', jbox-oci's. */
  static final List<String> SUFFIXES = List.of(".jsa", "-cli.jsa", "-cmds.jsa", "-oci.jsa");

  /**
   * The archives for which no directory the launcher looks in has one of this JVM (empty: all
   * match). The launcher judges each archive on its own (helpers/main.c cds_archive), so one
   * stale archive beside matching ones still starts its commands without it.
   */
  static List<String> stale(Map<String, String> env) {
    Path jar = jar();
    if (jar == null) return List.of();
    String base = jar.getFileName().toString();
    base = base.substring(0, base.length() - 4);
    String jvm = jvmStamp();
    List<String> out = new ArrayList<>();
    for (String suffix : SUFFIXES) {
      boolean match = false;
      for (Path d : dirs(jar, env)) {
        Path a = d.resolve(base + suffix);
        if (jvm.equals(readStamp(a)) && new File(a.toString()).isFile()) {
          match = true;
          break;
        }
      }
      if (!match) out.add(base + suffix);
    }
    return out;
  }

  static String readStamp(Path archive) {
    try {
      return Files.readString(Path.of(archive + ".jvm"), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return null;
    }
  }

  /** Where {@code jbox system cds} writes: beside a writable jar, else /var/lib/jbox/cds as root, else the cache. */
  static Path target(Path jar, Map<String, String> env, long uid) {
    if (Files.isWritable(jar.getParent())) return jar.getParent();
    if (uid == 0) return Path.of(SYSTEM_DIR);
    return cacheDir(env);
  }

  /** The archive builder: the installed copy beside the helper, or the build tree's scripts/cds. */
  static Path script(Map<String, String> env) {
    String home = env.get("JBOX_HOME");
    List<Path> c = new ArrayList<>();
    if (home != null && !home.isEmpty()) {
      c.add(Path.of(home, "scripts", "cds"));
      c.add(Path.of(home, "cds"));
    }
    c.add(Path.of("/usr/lib/jbox/cds"));
    for (Path p : c) if (Files.isExecutable(p)) return p;
    throw new JboxException("the archive builder (scripts/cds or /usr/lib/jbox/cds) was not found; reinstall jbox");
  }
}
