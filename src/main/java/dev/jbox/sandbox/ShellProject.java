package dev.jbox.sandbox;

import dev.jbox.JboxException;
import dev.jbox.config.ShellToml;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The project a {@code jbox shell} works in: its directory (--project, else the git top level of
 * the current directory below $HOME, else the current directory), its .jbox/shell.toml, and its
 * home layer under $XDG_DATA_HOME/jbox/shells/ID (ID from the project's path), kept between
 * sessions.
 */
public final class ShellProject {
  private final Path dir;
  private final Path cwd;
  private final Path home;
  private final Path data;
  private final ShellSettings settings;
  private final List<String> joinDeny;
  private final String tomlState;
  private final Path toml;
  private final List<String> widening;

  private ShellProject(Path dir, Path cwd, Path home, Path data, ShellSettings settings, String tomlState, Path toml,
      List<String> widening) {
    this.dir = dir;
    this.cwd = cwd;
    this.home = home;
    this.data = data;
    this.settings = settings;
    this.joinDeny = List.copyOf(settings.strings("env-deny"));
    this.tomlState = tomlState;
    this.toml = toml;
    this.widening = List.copyOf(widening);
  }

  /** Finds the project and reads its policy; creates nothing. */
  public static ShellProject find(String projectOpt, Map<String, String> env) {
    String h = dev.jbox.PolicyInputs.env(env, "HOME");
    if (h == null || !h.startsWith("/") || !dev.jbox.PolicyInputs.isDirectory(Path.of(h))) throw new JboxException("shell: $HOME is unset or not a directory");
    Path home = real(Path.of(h), "$HOME");
    Path cwd = real(Path.of(System.getProperty("user.dir")), "the current directory");
    Path dir;
    if (projectOpt != null) {
      Path p = Path.of(projectOpt);
      if (!p.isAbsolute()) p = cwd.resolve(p);
      if (!dev.jbox.PolicyInputs.exists(p)) throw new JboxException("shell: --project `" + projectOpt + "`: no such directory");
      if (!dev.jbox.PolicyInputs.isDirectory(p)) throw new JboxException("shell: --project `" + projectOpt + "`: not a directory");
      dir = real(p, "--project");
    } else {
      dir = gitTop(cwd, home);
    }
    if (dir.getParent() == null) throw new JboxException("shell: `/` cannot be the project: cd into one or give --project DIR");
    if (dir.equals(home)) throw new JboxException("shell: your home directory cannot be the project (it would all be writable): cd into a project or give --project DIR");
    String dataHome = dev.jbox.PolicyInputs.env(env, "XDG_DATA_HOME");
    Path base = dataHome != null && dataHome.startsWith("/") ? Path.of(dataHome) : home.resolve(".local/share");
    Path data = base.resolve("jbox/shells").resolve(projectId(dir));
    ShellSettings s = ShellSettings.defaults();
    Path toml = dir.resolve(".jbox/shell.toml");
    String tomlState = "none";
    List<String> widening = new java.util.ArrayList<>();
    if (dev.jbox.PolicyInputs.isRegularFile(toml)) {
      byte[] bytes;
      try {
        bytes = dev.jbox.PolicyInputs.read(toml);
      } catch (IOException e) {
        throw new JboxException("config `" + toml + "`: " + e.getMessage());
      }
      // the bytes parsed are the bytes hashed: the launcher's join compares the hash (helpers/shell_join.c)
      tomlState = dev.jbox.Sha256.hexPrefix(bytes, 32);
      Map<String, List<String>> keys = ShellToml.read(toml, new String(bytes, StandardCharsets.UTF_8), ShellSettings.LIST_KEYS,
          ShellSettings.VALUE_KEYS);
      for (Map.Entry<String, List<String>> e : keys.entrySet()) {
        for (String v : e.getValue()) {
          if (ShellSettings.VALUE_KEYS.contains(e.getKey())) s.set(e.getKey(), v, toml.toString());
          else s.add(e.getKey(), v, toml.toString());
        }
      }
      for (String k : ShellSettings.WIDENING_KEYS) {
        List<String> v = keys.get(k);
        if (v != null && !v.isEmpty()) widening.add(k);
      }
      List<String> git = keys.get("git");
      if (git != null && git.contains("writable")) widening.add("git");
    }
    return new ShellProject(dir, cwd, home, data, s, tomlState, toml, widening);
  }

  /** The closest directory from {@code cwd} up that holds .git, not going above $HOME; else cwd. */
  static Path gitTop(Path cwd, Path home) {
    boolean underHome = cwd.startsWith(home) && !cwd.equals(home);
    for (Path p = cwd; p != null; p = p.getParent()) {
      if (underHome && p.equals(home)) break;
      if (dev.jbox.PolicyInputs.exists(p.resolve(".git"))) return p;
    }
    return cwd;
  }

  /** The first 16 hex digits of the SHA-256 of the project's path. */
  static String projectId(Path dir) {
    return dev.jbox.Sha256.hexPrefix(dir.toString().getBytes(StandardCharsets.UTF_8), 8);
  }


  private static Path real(Path p, String what) {
    try {
      return dev.jbox.PolicyInputs.real(p);
    } catch (IOException e) {
      throw new JboxException("shell: " + what + " `" + p + "`: " + e.getMessage());
    }
  }

  /** The project's id: the name of its home layer's and its running sandbox's files. */
  public String id() {
    return data.getFileName().toString();
  }

  public Path dir() {
    return dir;
  }

  public Path cwd() {
    return cwd;
  }

  public Path home() {
    return home;
  }

  public Path upper() {
    return data.resolve("upper");
  }

  public Path work() {
    return data.resolve("work");
  }

  public ShellSettings settings() {
    return settings;
  }

  /** The env-deny list of the built-in defaults and .jbox/shell.toml: what a joining shell filters with (no flag can add to it). */
  public List<String> joinDeny() {
    return joinDeny;
  }

  /** "none" without a .jbox/shell.toml (a regular file), else the SHA-256 (hex) of the bytes read. */
  public String tomlState() {
    return tomlState;
  }

  /**
   * The keys of the project's .jbox/shell.toml that widen the sandbox (see
   * {@link ShellSettings#WIDENING_KEYS}) when the user has not trusted these very bytes; else empty.
   * The file comes with the project, and a build in the sandbox can write it: what it asks beyond
   * the built-in policy needs the user's word ({@code --trust}), as direnv asks for `direnv allow`.
   * The word is kept outside the project, under $XDG_DATA_HOME/jbox/shells/ID, which the sandbox
   * cannot write (the home overlay hides ~/.local/share/jbox).
   */
  public List<String> untrustedWidening() {
    if (widening.isEmpty()) return List.of();
    try {
      byte[] t = dev.jbox.PolicyInputs.read(data.resolve(TRUSTED));
      if (new String(t, StandardCharsets.UTF_8).trim().equals(tomlState)) return List.of();
    } catch (IOException e) {
      // never trusted
    }
    return widening;
  }

  /** Records the user's word for the current bytes of .jbox/shell.toml (nothing without one). */
  public void trust() {
    if (tomlState.equals("none")) return;
    try {
      Files.createDirectories(data);
      Path tmp = data.resolve(TRUSTED + ".tmp");
      Files.writeString(tmp, tomlState + "\n");
      Files.move(tmp, data.resolve(TRUSTED), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new JboxException("shell --trust: " + e.getMessage());
    }
  }

  /** The project's .jbox/shell.toml, read or not. */
  public Path toml() {
    return toml;
  }

  /** The widening keys .jbox/shell.toml sets, trusted or not. */
  public List<String> widening() {
    return widening;
  }

  static final String TRUSTED = "trusted-config";

  /** The sandbox's name: the project directory's name. */
  public String name() {
    String n = dir.getFileName().toString();
    StringBuilder b = new StringBuilder();
    for (char c : n.toCharArray()) b.append(dev.jbox.Text.isAsciiAlnum(c) || c == '.' || c == '_' || c == '-' ? c : '_');
    return b.toString();
  }

  /**
   * Creates the home layer's directories (0700) and the empty directory the new root is mounted
   * on ({@code stateRoot}/shell-root); returns the latter.
   */
  public Path prepare(Path stateRoot) {
    var priv = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    try {
      Files.createDirectories(data.getParent());
      if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(data, priv);
      for (Path p : List.of(upper(), work())) if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(p, priv);
      Files.writeString(data.resolve("project"), dir + "\n", StandardCharsets.UTF_8);
      Path root = stateRoot.resolve("shell-root");
      if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(root, priv);
      return root;
    } catch (IOException e) {
      throw new JboxException("shell: create `" + data + "`: " + e.getMessage());
    }
  }

  /**
   * What the sessions changed in $HOME, as podman diff shows it: {@code A path} added, {@code C
   * path} changed, {@code D path} deleted (an overlay whiteout: a 0/0 character device), sorted.
   */
  public List<String> diff() {
    Path upper = upper();
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) return out;
    try {
      Files.walkFileTree(upper, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
          if (!d.equals(upper)) out.add(line(d));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
          out.add(line(f));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path f, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new JboxException("shell --diff: read `" + upper + "`: " + e.getMessage());
    }
    out.sort((a, b) -> a.substring(2).compareTo(b.substring(2)));
    return out;
  }

  private String line(Path p) {
    Path host = home.resolve(upper().relativize(p));
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
      int mode = ((Number) a.get("mode")).intValue();
      if ((mode & 0170000) == 0020000 && ((Number) a.get("rdev")).longValue() == 0) return "D " + host;
    } catch (IOException | UnsupportedOperationException e) {
      // unreadable: reported by what the host has
    }
    return (Files.exists(host, LinkOption.NOFOLLOW_LINKS) ? "C " : "A ") + host;
  }

  /** Removes a directory of plain files (the generated /etc files), quietly. */
  public static void removeQuietly(Path dir) {
    File[] files = dir.toFile().listFiles();
    if (files != null) for (File f : files) f.delete();
    dir.toFile().delete();
  }
}
