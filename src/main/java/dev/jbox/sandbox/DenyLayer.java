package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The home overlay's deny layer: a lower layer above the real $HOME that holds an overlay whiteout
 * (a 0/0 character device, which any user may create since Linux 5.8) for each hidden path, so
 * the sandbox sees it absent ({@code ls ~/.ssh}: No such file or directory), and what the sandbox
 * writes there lands in the project's upper layer like any other write. It is not the upper
 * layer, so {@code --diff} never shows the whiteouts. Its directories are the real ones' parents
 * with their modes (the merged directory shows the top layer's attributes).
 *
 * <p>A layer is built once per content (the whiteouts and directories it needs, and their modes)
 * in {@code ROOT/<key>} and never changed after (a lower layer in use must not change): a
 * temporary directory renamed into place. Paths it cannot serve (outside $HOME, under a directory
 * bound over the home overlay, below a symlink, shown again by an ro bind below it), and every
 * path where the kernel refuses the whiteout (before Linux 5.8) or the layer would sit inside
 * $HOME (an overlay refuses a lower layer inside another), are left to the mask mounts (an empty
 * read-only tmpfs or /dev/null), the fallback.
 */
public final class DenyLayer {
  /** The layer (null when no path needs one) and the paths left to the mask mounts. */
  public record Result(Path dir, List<Path> masked) {}

  private DenyLayer() {}

  /**
   * The deny layer for {@code hidden}, under {@code root}: paths under one of {@code boundOver}
   * (the project, write-through and rw binds, which cover the home overlay), paths with one of
   * {@code exposed} (the ro binds, which show a hidden file again) at or under them, and paths
   * outside {@code home} are masked instead.
   */
  public static Result build(Path root, Path home, List<Path> hidden, List<Path> boundOver, List<Path> exposed) {
    if (root.startsWith(home) || home.startsWith(root)) {
      // overlayfs refuses a lower layer inside another (ELOOP): $XDG_RUNTIME_DIR under $HOME
      return new Result(null, List.copyOf(hidden));
    }
    List<Path> masked = new ArrayList<>();
    // relative path -> {type, mode}: d a directory, o an opaque one, f an empty file, w a whiteout;
    // ancestors before their children
    Map<String, String[]> entries = new LinkedHashMap<>();
    for (Path p : hidden) {
      if (!p.startsWith(home) || p.equals(home) || under(p, boundOver)) {
        masked.add(p);
        continue;
      }
      if (underOther(p, hidden)) continue; // hidden with its ancestor
      List<Path> shown = new ArrayList<>();
      for (Path e : exposed) if (e.startsWith(p)) shown.add(e);
      if (shown.contains(p)) continue; // an ro bind shows all of it again
      Map<String, String[]> mine = new LinkedHashMap<>();
      int served = chain(home, p, mine);
      if (served < 0) {
        masked.add(p); // a symlink (or a file) on the way: the mask resolves it as before
        continue;
      }
      if (served == 0) continue; // nothing there to hide; what the sandbox makes there is its own
      PosixFileAttributes a = attrs(p);
      String rel = home.relativize(p).toString();
      if (shown.isEmpty()) {
        mine.put(rel, new String[] {"w", ""});
      } else {
        // an ro bind below it: an opaque directory (none of the host's entries) holding the mount
        // points of what is shown again
        if (!a.isDirectory()) {
          masked.add(p);
          continue;
        }
        mine.put(rel, new String[] {"o", PosixFilePermissions.toString(a.permissions())});
        boolean ok = true;
        for (Path e : shown) ok &= chain(home, e, mine) > 0;
        if (!ok) {
          masked.add(p);
          continue;
        }
        for (Path e : shown) {
          PosixFileAttributes ea = attrs(e);
          mine.put(home.relativize(e).toString(), new String[] {ea.isDirectory() ? "d" : "f", PosixFilePermissions.toString(ea.permissions())});
        }
      }
      for (Map.Entry<String, String[]> e : mine.entrySet()) entries.putIfAbsent(e.getKey(), e.getValue());
    }
    if (entries.isEmpty()) return new Result(null, masked);
    StringBuilder spec = new StringBuilder();
    for (Map.Entry<String, String[]> e : entries.entrySet()) {
      spec.append(e.getValue()[0]).append(' ').append(e.getValue()[1]).append(' ').append(e.getKey()).append('\n');
    }
    Path dir = root.resolve(key(spec.toString()));
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return new Result(dir, masked);
    try {
      dev.jbox.PrivateDirs.ensure(root, false);
      Path tmp = Files.createTempDirectory(root, ".new-");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Map.Entry<String, String[]> e : entries.entrySet()) {
          Path t = tmp.resolve(e.getKey());
          switch (e.getValue()[0]) {
            case "w" -> dev.jbox.sys.FsCalls.mknod(t, dev.jbox.sys.FsCalls.S_IFCHR | 0600, 0, 0);
            case "f" -> Files.createFile(t);
            default -> Files.createDirectory(t);
          }
          if (e.getValue()[0].equals("o")) {
            // user.overlay.opaque: the home overlay is mounted with userxattr
            Files.getFileAttributeView(t, java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .write("overlay.opaque", java.nio.ByteBuffer.wrap(new byte[] {'y'}));
          }
        }
        // the modes last, deepest first: a directory of mode 0500 is filled before it gets it
        List<String> order = new ArrayList<>(entries.keySet());
        java.util.Collections.reverse(order);
        for (String rel : order) {
          String mode = entries.get(rel)[1];
          if (!mode.isEmpty()) Files.setPosixFilePermissions(tmp.resolve(rel), PosixFilePermissions.fromString(mode));
        }
      } catch (IOException | RuntimeException e) {
        deleteTree(tmp);
        // an older kernel refuses the whiteout (EPERM before 5.8) or the user xattr (tmpfs before
        // 6.6): every path is masked
        if (!(e instanceof IOException) && !(e instanceof UnsupportedOperationException)) throw e;
        List<Path> all = new ArrayList<>(masked);
        for (Path p : hidden) if (!all.contains(p)) all.add(p);
        return new Result(null, all);
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
        deleteTree(tmp); // another shell made the same layer meanwhile
      }
      return new Result(dir, masked);
    } catch (IOException e) {
      throw new JboxException("shell: make the deny layer in `" + root + "`: " + e.getMessage());
    }
  }

  /**
   * Puts the directories between home and p (exclusive) into out with their modes: 1 when they
   * and p exist, 0 when one of them (or p) does not, -1 when one is not a directory (a symlink).
   */
  private static int chain(Path home, Path p, Map<String, String[]> out) {
    Path rel = home.relativize(p);
    for (int i = 1; i < rel.getNameCount(); i++) {
      PosixFileAttributes a = attrs(home.resolve(rel.subpath(0, i)));
      if (a == null) return 0;
      if (!a.isDirectory()) return -1;
      out.putIfAbsent(rel.subpath(0, i).toString(), new String[] {"d", PosixFilePermissions.toString(a.permissions())});
    }
    return attrs(p) == null ? 0 : 1;
  }

  private static boolean underOther(Path p, List<Path> hidden) {
    for (Path q : hidden) if (!q.equals(p) && p.startsWith(q)) return true;
    return false;
  }

  /** Whether p is one of dirs or under one. */
  static boolean under(Path p, List<Path> dirs) {
    for (Path d : dirs) if (p.startsWith(d)) return true;
    return false;
  }

  /** null when absent, or unreadable (nothing the sandbox could read either). */
  private static PosixFileAttributes attrs(Path p) {
    return dev.jbox.PolicyInputs.lstat(p);
  }

  private static String key(String spec) {
    return dev.jbox.Sha256.hexPrefix(spec.getBytes(StandardCharsets.UTF_8), 12);
  }


  private static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(s.toList());
      java.util.Collections.reverse(all);
      for (Path p : all) Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temporary directory of our own; the next build uses another
    }
  }
}
