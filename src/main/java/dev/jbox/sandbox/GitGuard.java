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
 * later, outside the sandbox: a hook, a config key that runs a command (core.fsmonitor,
 * core.hooksPath, a filter), or a {@code commondir} file. git reads {@code commondir} in any git
 * directory, the main repository's too, and takes its config and hooks from the directory it
 * names: a build that writes {@code .git/commondir} (pointing at a repository of its own making
 * in the project) takes over every git command the user runs there. No name can be kept from being
 * made in a writable directory, so the whole repository is bound read-only:
 *
 * <ul>
 *   <li>a {@code .git} directory: itself, onto itself, read-only with everything under it
 *       (submodules' repositories under {@code .git/modules}, linked worktrees' administrative
 *       directories); being a mount point, it can be neither renamed nor removed, so a fresh
 *       {@code .git} cannot take its place. git reads in the sandbox ({@code status}, {@code log},
 *       {@code diff}, {@code describe}); commits are made outside it;
 *   <li>a {@code .git} file (a worktree's or a submodule's link to its repository): the file, and
 *       the repository it names when that lies in the project;
 *   <li>a common directory a repository's {@code commondir} names, when it lies in the project;
 *   <li>the directory {@code core.hooksPath} names, and a file an {@code include.path} names,
 *       when they lie in the project (husky's {@code .husky}, a versioned config): read-only;
 *       made when missing.
 * </ul>
 *
 * A {@code .git}, hooks, config or modules that is a symbolic link is refused: its target could
 * lie where the sandbox writes. A repository the sandbox creates (a nested {@code .git}, a new
 * submodule) is the sandbox's own; jbox-shell(1) says so. {@code git = "writable"} (trusted)
 * drops all of this.
 */
final class GitGuard {
  private GitGuard() {}

  /** The mounts that guard {@code project}'s repository (none when it has no .git, or git is writable). */
  static List<MountOp> mounts(Path project, Path home, String xdgConfigHome, boolean writable) {
    List<MountOp> out = new ArrayList<>();
    if (writable) return out;
    Path git = project.resolve(".git");
    PosixFileAttributes a = PolicyInputs.lstat(git);
    if (a == null) return out;
    if (a.isSymbolicLink()) throw refused(git);
    List<Path> configs = new ArrayList<>();
    Path gitDir;
    if (a.isRegularFile()) {
      out.add(new MountOp("bind", git.toString(), git.toString(), "ro,realsrc"));
      gitDir = named(read(git), "gitdir:", project);
    } else if (a.isDirectory()) {
      gitDir = git;
    } else {
      return out;
    }
    java.util.Set<Path> done = new java.util.HashSet<>();
    if (gitDir != null) {
      Path common = guardRepository(gitDir, project, out, done, configs);
      if (common != null) guardRepository(common, project, out, done, configs);
    }
    if (xdgConfigHome != null && xdgConfigHome.startsWith("/")) configs.add(Path.of(xdgConfigHome, "git", "config"));
    else configs.add(home.resolve(".config/git/config"));
    configs.add(home.resolve(".gitconfig"));
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

  /**
   * A git directory: read-only onto itself with all under it when it really lies in the project
   * (a link in its parts inside the project is refused); its config noted for the paths it names.
   * Returns the common directory its {@code commondir} names, or null.
   */
  private static Path guardRepository(Path dir, Path project, List<MountOp> out, java.util.Set<Path> done, List<Path> configs) {
    Path real = DevShell.throughOwnLinks(dir, List.of(project), "git");
    PosixFileAttributes d = PolicyInputs.lstat(real);
    if (d == null || !d.isDirectory()) return null;
    configs.add(real.resolve("config"));
    if (real.startsWith(project) && !real.equals(project) && done.add(real)) {
      for (String name : new String[] {"hooks", "config", "modules", "commondir"}) {
        PosixFileAttributes a = PolicyInputs.lstat(real.resolve(name));
        if (a != null && a.isSymbolicLink()) throw refused(real.resolve(name));
      }
      out.add(new MountOp("bind", real.toString(), real.toString(), "rec,ro,realsrc"));
    }
    PosixFileAttributes c = PolicyInputs.lstat(real.resolve("commondir"));
    if (c == null || !c.isRegularFile()) return null;
    return named(read(real.resolve("commondir")), "", real);
  }

  /** The path a git pointer file holds after {@code prefix} (a .git file's "gitdir:", a commondir), relative to {@code base}. */
  private static Path named(String text, String prefix, Path base) {
    int nl = text.indexOf('\n');
    String line = (nl < 0 ? text : text.substring(0, nl)).strip();
    if (!line.startsWith(prefix)) return null;
    String v = line.substring(prefix.length()).strip();
    if (v.isEmpty() || v.indexOf('\0') >= 0) return null;
    return base.resolve(v).normalize();
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
