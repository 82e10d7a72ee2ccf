package dev.jbox.sandbox;

import dev.jbox.JboxException;
import dev.jbox.PolicyInputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What keeps a build in {@code jbox shell} from planting something that the user's own git runs
 * later, outside the sandbox: a hook, or a config key that runs a command (core.fsmonitor,
 * core.hooksPath, a filter). The project is the sandbox's to write, so each of these is bound
 * read-only, and each directory that holds one is bound onto itself, which makes it a mount point
 * the sandbox can neither rename nor remove to put a new one in its place ({@code mv .git x;
 * mkdir -p .git/hooks} would otherwise get round the read-only hooks):
 *
 * <ul>
 *   <li>a {@code .git} directory: itself, its {@code hooks} and {@code config} (made when missing,
 *       as {@code git init} would: a missing one would be the sandbox's to create), and the same
 *       for every submodule's repository under {@code .git/modules} and the directories on the
 *       way to them;
 *   <li>a {@code .git} file (a worktree's or a submodule's link to its repository): the file;
 *   <li>the directory {@code core.hooksPath} names, and a file an {@code include.path} names,
 *       when they lie in the project (husky's {@code .husky}, a versioned config): read-only;
 *       made when missing.
 * </ul>
 *
 * A {@code .git}, hooks or config that is a symbolic link is refused: the link itself could be
 * pointed elsewhere. A repository the sandbox creates (a nested {@code .git}, a new submodule) is
 * the sandbox's own; jbox-shell(1) says so.
 */
final class GitGuard {
  /** More submodule directories than this: refused rather than a start with hundreds of mounts. */
  static final int MAX_MODULE_DIRS = 128;

  private GitGuard() {}

  /** The mounts that guard {@code project}'s repository (none when it has no .git). */
  static List<MountOp> mounts(Path project, Path home, String xdgConfigHome) {
    List<MountOp> out = new ArrayList<>();
    Path git = project.resolve(".git");
    PosixFileAttributes a = PolicyInputs.lstat(git);
    if (a == null) return out;
    if (a.isSymbolicLink()) throw refused(git);
    if (a.isRegularFile()) {
      out.add(new MountOp("bind", git.toString(), git.toString(), "ro,realsrc"));
      return out;
    }
    if (!a.isDirectory()) return out;
    guardRepository(git, out);
    Path modules = git.resolve("modules");
    PosixFileAttributes m = PolicyInputs.lstat(modules);
    if (m != null && m.isSymbolicLink()) throw refused(modules);
    if (m != null && m.isDirectory()) modules(modules, out, new int[] {0});
    List<Path> configs = new ArrayList<>(List.of(git.resolve("config")));
    if (xdgConfigHome != null && xdgConfigHome.startsWith("/")) configs.add(Path.of(xdgConfigHome, "git", "config"));
    else configs.add(home.resolve(".config/git/config"));
    configs.add(home.resolve(".gitconfig"));
    java.util.Set<Path> done = new java.util.HashSet<>();
    for (Path c : configs) {
      String text = read(c);
      for (boolean dir : new boolean[] {true, false}) {
        for (Path named : dir ? hooksPaths(text, project, home) : includes(text, c.getParent(), home)) {
          // where it really is: a path of ~/.gitconfig may reach the project through a link of the user's
          Path real = DevShell.throughOwnLinks(named, List.of(project), "git (" + c + ")");
          if (!real.startsWith(project) || real.equals(project) || !done.add(real)) continue;
          ensure(real, dir);
          out.add(new MountOp("bind", real.toString(), named.toString(), dir ? "rec,ro,realsrc" : "ro,realsrc"));
        }
      }
    }
    return out;
  }

  /** {@code dir} (a repository) onto itself, then its hooks and config read-only, made when missing. */
  private static void guardRepository(Path dir, List<MountOp> out) {
    out.add(new MountOp("bind", dir.toString(), dir.toString(), "realsrc"));
    for (String name : new String[] {"hooks", "config"}) {
      Path p = dir.resolve(name);
      PosixFileAttributes a = PolicyInputs.lstat(p);
      if (a != null && a.isSymbolicLink()) throw refused(p);
      if (a == null) ensure(p, name.equals("hooks"));
      out.add(new MountOp("bind", p.toString(), p.toString(), name.equals("hooks") ? "rec,ro,realsrc" : "ro,realsrc"));
    }
  }

  /** Every directory under .git/modules onto itself; the repositories among them (a HEAD file) guarded. */
  private static void modules(Path dir, List<MountOp> out, int[] count) {
    List<Path> children;
    try (var s = Files.list(dir)) {
      children = s.sorted().toList();
    } catch (IOException e) {
      throw new JboxException("shell: list `" + dir + "`: " + e.getMessage());
    }
    // a listing is no line the launcher re-checks: a project with submodules starts through the JVM
    PolicyInputs.value("listing", dir.toString());
    for (Path c : children) {
      PosixFileAttributes a = PolicyInputs.lstat(c);
      if (a == null || !a.isDirectory()) continue;
      if (++count[0] > MAX_MODULE_DIRS) {
        throw new JboxException("shell: more than " + MAX_MODULE_DIRS + " directories under `" + dir.getParent()
            + "` to guard (submodule repositories); jbox shell does not start with so many mounts");
      }
      PosixFileAttributes head = PolicyInputs.lstat(c.resolve("HEAD"));
      if (head != null && head.isRegularFile()) {
        guardRepository(c, out);
        Path nested = c.resolve("modules");
        PosixFileAttributes n = PolicyInputs.lstat(nested);
        if (n != null && n.isSymbolicLink()) throw refused(nested);
        if (n != null && n.isDirectory()) modules(nested, out, count);
      } else {
        // a submodule named a/b: the directory `a` on the way, which could otherwise be renamed
        out.add(new MountOp("bind", c.toString(), c.toString(), "realsrc"));
        modules(c, out, count);
      }
    }
  }

  private static JboxException refused(Path p) {
    return new JboxException("shell: `" + p + "` is a symbolic link: a build in the sandbox could point it elsewhere, for"
        + " git to run outside it; make it a directory or file of its own");
  }

  /** {@code p} made when absent (its absence already noted by the caller's look at it). */
  private static void ensure(Path p, boolean dir) {
    if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
    try {
      if (dir) Files.createDirectories(p);
      else {
        Files.createDirectories(p.getParent());
        Files.createFile(p);
      }
    } catch (IOException e) {
      throw new JboxException("shell: create `" + p + "` (kept read-only in the sandbox): " + e.getMessage());
    }
  }

  /** The files the include.path and includeIf.*.path keys of a config name (relative: to its directory). */
  static List<Path> includes(String text, Path base, Path home) {
    return paths(values(text, "include", "path"), base, home);
  }

  /** The directories the core.hooksPath keys of a config name (relative: to the top of the work tree, git-config(1)). */
  static List<Path> hooksPaths(String text, Path project, Path home) {
    return paths(values(text, "core", "hookspath"), project, home);
  }

  private static List<Path> paths(List<String> values, Path base, Path home) {
    List<Path> out = new ArrayList<>();
    for (String v : values) {
      Path p = path(v, base, home);
      if (p != null) out.add(p);
    }
    return out;
  }

  private static Path path(String v, Path base, Path home) {
    if (v.isEmpty() || v.indexOf('\0') >= 0) return null;
    Path p = v.equals("~") ? home : v.startsWith("~/") ? home.resolve(v.substring(2)) : v.startsWith("~") ? null : base.resolve(v);
    return p == null ? null : p.normalize();
  }

  private static String read(Path config) {
    try {
      return new String(PolicyInputs.read(config), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The values of {@code key} in the sections named {@code section} (lower-cased; "include" also
   * takes every includeIf section): git-config's syntax as far as these keys need it, a quoted
   * value unquoted, a comment after # or ; dropped outside quotes. (No lambda here: a shell start
   * would bootstrap it on every call where the start-up archive lacks it.)
   */
  static List<String> values(String text, String section, String key) {
    List<String> out = new ArrayList<>();
    String current = "";
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("[")) {
        int end = line.indexOf(']');
        if (end < 0) continue;
        String h = line.substring(1, end).strip();
        int sp = h.indexOf(' ');
        current = sp < 0 ? h.toLowerCase(Locale.ROOT)
            : h.substring(0, sp).toLowerCase(Locale.ROOT) + " " + h.substring(sp + 1).strip().replace("\"", "");
        line = line.substring(end + 1).strip();
        if (line.isEmpty()) continue;
      }
      int eq = line.indexOf('=');
      boolean in = current.equals(section) || (section.equals("include") && current.startsWith("includeif "));
      if (eq < 0 || !in) continue;
      if (!line.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals(key)) continue;
      out.add(unquote(line.substring(eq + 1).strip()));
    }
    return out;
  }

  private static String unquote(String v) {
    StringBuilder b = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '"') quoted = !quoted;
      else if (!quoted && (c == '#' || c == ';')) break;
      else if (c == '\\' && i + 1 < v.length()) {
        char n = v.charAt(++i);
        b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
      } else b.append(c);
    }
    return b.toString().strip();
  }
}
