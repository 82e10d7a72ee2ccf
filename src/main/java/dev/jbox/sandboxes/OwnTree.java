package dev.jbox.sandboxes;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A tree walked as this process, through directory descriptors ({@code SecureDirectoryStream}:
 * openat with O_NOFOLLOW, fstatat, unlinkat), so an entry a sandbox swapped for a symlink is taken
 * as the link, never followed. For what the caller may read or delete itself (a volume the
 * sandboxes left readable, an empty one): no second JVM in the user namespace, no JNA.
 */
final class OwnTree {
  private OwnTree() {}

  /** The bytes of the regular files below dir (0 when there is none), or -1 when some directory cannot be read. */
  static long size(Path dir) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      return ds instanceof SecureDirectoryStream<Path> sds ? size(sds) : -1;
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Deletes dir and all in it and returns true; false, with part of it perhaps deleted, at the
   * first entry it cannot read or delete.
   */
  static boolean delete(Path dir) {
    try {
      BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isDirectory()) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
          if (!(ds instanceof SecureDirectoryStream<Path> sds) || !deleteChildren(sds)) return false;
        }
      }
      Files.delete(dir);
      return true;
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static long size(SecureDirectoryStream<Path> sds) throws IOException {
    long sum = 0;
    for (Path p : sds) {
      Path name = p.getFileName();
      BasicFileAttributes a = attributes(sds, name);
      if (a.isRegularFile()) {
        sum += a.size();
      } else if (a.isDirectory()) {
        try (SecureDirectoryStream<Path> sub = sds.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
          sum += size(sub);
        }
      }
    }
    return sum;
  }

  private static boolean deleteChildren(SecureDirectoryStream<Path> sds) throws IOException {
    for (Path p : sds) {
      Path name = p.getFileName();
      if (attributes(sds, name).isDirectory()) {
        try (SecureDirectoryStream<Path> sub = sds.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
          if (!deleteChildren(sub)) return false;
        }
        sds.deleteDirectory(name);
      } else {
        sds.deleteFile(name);
      }
    }
    return true;
  }

  /** The attributes of the entry name itself (a symlink's own). */
  private static BasicFileAttributes attributes(SecureDirectoryStream<Path> sds, Path name) throws IOException {
    return sds.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
  }
}
