package dev.jbox;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The roots that hold a user's sandboxes (the image store, the runtime state): reachable by that
 * user alone, as podman keeps its storage. A sandbox's root is the user's own uid on the host, so
 * a setuid file made in a sandbox or shipped in a layer is a setuid-you binary, and an upper dir
 * is the sandbox's `/`: another local user who can reach either becomes you or writes into your
 * sandbox.
 *
 * <p>Only the root itself is made 0700. Every path below it is resolved through it, so without
 * search permission on the root no other user reaches anything beneath, whatever its mode; and
 * the modes below are not ours to change: an upper dir's mode is the sandbox's `/`, a layer's
 * files keep the modes (setuid bits included) their image gave them. A process of another user
 * that had a directory below open before the root was tightened keeps that handle; nothing new
 * can be opened.
 */
public final class PrivateDirs {
  public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private PrivateDirs() {}

  /**
   * Creates {@code dir} (mode 0700; missing parents as usual) or, when it exists, is a directory
   * and is open to group or others, changes its mode to 0700. {@code followLinks}: whether a
   * symlink at {@code dir} counts as the directory it names (the image store may be one); without
   * it a symlink is left alone for the caller to refuse. Returns the lstat (or stat) of the result
   * as {@code unix:uid,mode,isDirectory} attributes, with the mode as it is now.
   */
  public static Map<String, Object> ensure(Path dir, boolean followLinks) throws IOException {
    LinkOption[] how = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    Map<String, Object> a = attributes(dir, how);
    if (a == null) {
      Path parent = dir.getParent();
      if (parent != null && !parent.toFile().isDirectory()) Files.createDirectories(parent);
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (FileAlreadyExistsException e) {
        // created meanwhile: looked at below like any existing one
      }
      a = attributes(dir, how);
      if (a == null) throw new NoSuchFileException(dir.toString(), null, "vanished while it was created");
    }
    int mode = ((Number) a.get("mode")).intValue();
    if (Boolean.TRUE.equals(a.get("isDirectory")) && (mode & 077) != 0) {
      Files.setPosixFilePermissions(dir, OWNER_ONLY); // fails (EPERM) on a directory not ours
      Map<String, Object> b = new HashMap<>(a);
      b.put("mode", (mode & ~0777) | 0700);
      a = b;
    }
    return a;
  }

  private static Map<String, Object> attributes(Path p, LinkOption[] how) throws IOException {
    try {
      return Files.readAttributes(p, "unix:uid,mode,isDirectory", how);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
