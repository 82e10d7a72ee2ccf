package dev.jbox;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one place the policy computation of a new {@code jbox shell} sandbox asks the file system
 * and the environment anything (issue 12): each query is made here exactly as its caller made it
 * before, and, while a recording runs, what it observed is noted as one line of the KEY: a path's
 * stat or lstat (its type and mode, what the answers depend on) or its absence, the
 * SHA-256 of the bytes read, a real path, an access check, an environment variable, a value the
 * JVM derived (with the paths it came from). A start prepared from the JVM's plan may only be
 * reused while every line of its KEY is still true; ShellInputsTest runs the JVM's new-sandbox
 * path under strace and fails when the JVM looked at a path the KEY does not name, so an input
 * added later without going through here is caught.
 *
 * <p>Every {@code jbox shell} records (its new sandbox's KEY is kept for the launcher's check,
 * helpers/prestart.c); without a recording (every other command) each method is only its query:
 * no extra system call.
 */
public final class PolicyInputs {
  private static volatile PolicyInputs active;

  private final Set<String> lines = new LinkedHashSet<>();
  /** The stat and lstat lines' paths (true: stat, following a last symlink), to look again at. */
  private final Map<String, Object[]> stats = new java.util.LinkedHashMap<>();

  private PolicyInputs() {}

  /** Starts recording in this process (the queries before it are not in the KEY). */
  public static void start() {
    active = new PolicyInputs();
  }

  /** The KEY so far, one observation a line, in the order first made (empty when not recording). */
  public static List<String> key() {
    PolicyInputs a = active;
    if (a == null) return List.of();
    synchronized (a) {
      return new ArrayList<>(a.lines);
    }
  }

  private static void note(String line) {
    PolicyInputs a = active;
    if (a == null) return;
    // one observation a line, whatever a path or value holds
    line = line.replace("\\", "\\\\").replace("\n", "\\n");
    synchronized (a) {
      a.lines.add(line);
    }
  }

  private static boolean recording() {
    return active != null;
  }

  /** Notes a stat or lstat line, with what it was made of. */
  private static void noteStat(String kind, Path p, boolean follow) {
    String line = stat(kind, p, follow);
    note(line);
    PolicyInputs a = active;
    if (a == null) return;
    synchronized (a) {
      a.stats.putIfAbsent(line.replace("\\", "\\\\").replace("\n", "\\n"), new Object[] {kind, p, follow});
    }
  }

  /**
   * Whether every stat and lstat line of the KEY still holds: jbox's own preparation (the project's
   * home layer under ~/.local/share/jbox, which the deny list names) can change what the policy
   * looked at, and a KEY that is no longer true of the policy it came from must not be kept.
   */
  public static boolean statsStillTrue() {
    PolicyInputs a = active;
    if (a == null) return false;
    List<Map.Entry<String, Object[]>> all;
    synchronized (a) {
      all = new ArrayList<>(a.stats.entrySet());
    }
    for (Map.Entry<String, Object[]> e : all) {
      Object[] v = e.getValue();
      String now = stat((String) v[0], (Path) v[1], (Boolean) v[2]).replace("\\", "\\\\").replace("\n", "\\n");
      if (!now.equals(e.getKey())) return false;
    }
    return true;
  }

  /**
   * Whether every {@code read} line of the KEY still holds (the same SHA-256, or still absent):
   * a run that pulled its image read the store before the pull, and its KEY would not hold of the
   * store it leaves. A line with an escape in it (a path with a backslash or a newline) is a doubt.
   */
  public static boolean readsStillTrue() {
    for (String l : key()) {
      if (!l.startsWith("read ")) continue;
      if (l.indexOf('\\') >= 0) return false;
      boolean absent = l.endsWith(" absent");
      int at = absent ? l.length() - " absent".length() : l.lastIndexOf(" sha256 ");
      if (at < 5) return false;
      Path p = Path.of(l.substring(5, at));
      try {
        byte[] b = dev.jbox.SmallFiles.readAllBytes(p);
        if (absent || !l.substring(at + " sha256 ".length()).equals(Sha256.hexPrefix(b, 32))) return false;
      } catch (NoSuchFileException e) {
        if (!absent) return false;
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }
    return true;
  }

  /** {@code new File(p).exists()} (follows symlinks); notes p's stat. */
  public static boolean exists(Path p) {
    boolean r = p.toFile().exists();
    if (recording()) noteStat("stat", p, true);
    return r;
  }

  /** {@code new File(p).isDirectory()} (follows symlinks); notes p's stat. */
  public static boolean isDirectory(Path p) {
    boolean r = p.toFile().isDirectory();
    if (recording()) noteStat("stat", p, true);
    return r;
  }

  /** {@code Files.isRegularFile(p)} (follows symlinks); notes p's stat. */
  public static boolean isRegularFile(Path p) {
    boolean r = Files.isRegularFile(p);
    if (recording()) noteStat("stat", p, true);
    return r;
  }

  /** {@code new File(p).canExecute()}: access(2) X_OK; notes p's stat and the answer. */
  public static boolean canExecute(Path p) {
    boolean r = new File(p.toString()).canExecute();
    if (recording()) {
      noteStat("stat", p, true);
      note("access-x " + p + " " + (r ? "yes" : "no"));
    }
    return r;
  }

  /** p's attributes without following a last symlink, or null when absent or unreadable; notes p's lstat. */
  public static java.nio.file.attribute.PosixFileAttributes lstat(Path p) {
    java.nio.file.attribute.PosixFileAttributes a;
    try {
      a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      a = null;
    }
    if (recording()) noteStat("lstat", p, false);
    return a;
  }

  /** {@code Files.readAllBytes(p)} through java.io (dev.jbox.SmallFiles: no FileChannel); notes the bytes' SHA-256, or the absence. */
  public static byte[] read(Path p) throws IOException {
    try {
      byte[] b = dev.jbox.SmallFiles.readAllBytes(p);
      bytes(p, b);
      return b;
    } catch (NoSuchFileException e) {
      note("read " + p + " absent");
      throw e;
    } catch (IOException e) {
      note("read " + p + " error " + e.getClass().getSimpleName());
      throw e;
    }
  }

  /** Notes bytes the caller read from p itself. */
  public static void bytes(Path p, byte[] b) {
    if (recording()) note("read " + p + " sha256 " + Sha256.hexPrefix(b, 32));
  }

  /** {@code p.toRealPath()}; notes the answer (every component of p and of it is looked at). */
  public static Path real(Path p) throws IOException {
    try {
      Path r = p.toRealPath();
      note("real " + p + " " + r);
      return r;
    } catch (IOException e) {
      note("real " + p + " error " + e.getClass().getSimpleName());
      throw e;
    }
  }

  /** {@code env.get(name)}; notes the value or its absence. */
  public static String env(Map<String, String> env, String name) {
    String v = env.get(name);
    if (recording()) note("env " + name + (v == null ? " unset" : "=" + v));
    return v;
  }

  /** Notes a value the JVM derived, with the paths it came from (e.g. user.name from /etc/passwd). */
  public static void value(String name, String value, String... from) {
    if (!recording()) return;
    StringBuilder b = new StringBuilder("value ").append(name).append('=').append(value);
    for (String f : from) b.append(" from ").append(f);
    note(b.toString());
  }

  private static String stat(String kind, Path p, boolean follow) {
    try {
      // the type and mode decide every answer made from a stat here (exists, is a directory, the
      // deny layer's modes); times would change with every entry made in a directory
      int mode = follow ? (Integer) Files.getAttribute(p, "unix:mode") : (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return kind + " " + p + " mode=" + Integer.toOctalString(mode);
    } catch (NoSuchFileException e) {
      return kind + " " + p + " absent";
    } catch (IOException | RuntimeException e) {
      return kind + " " + p + " error " + e.getClass().getSimpleName();
    }
  }

  /** Writes the KEY to {@code file} (tests: JBOX_DEBUG_KEY_FILE), one line each. */
  public static void writeKey(Path file, List<String> key) {
    StringBuilder b = new StringBuilder();
    for (String l : key) b.append(l).append('\n');
    try {
      Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new JboxException("write `" + file + "`: " + e.getMessage());
    }
  }
}
