package dev.jbox.image.unpack;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * podman's volume copy-up: what an image holds at a path (its layers merged as overlay merges
 * them: the topmost entry of a name wins, a 0/0 character device hides it, an opaque directory
 * hides what is below) copied into an empty volume with owners, modes and times. Run in the user
 * namespace ({@link UnpackMain}), where the layers' subordinate owners are ids it may give. Never
 * follows a symlink; devices, fifos and sockets are left out.
 */
public final class CopyUp {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private CopyUp() {}

  /**
   * Copies the merged view of {@code rel} (relative, clean) in the layers {@code lowerTopFirst}
   * into the existing directory {@code dest}, which takes the source directory's owner and mode.
   * Returns the number of entries copied; 0 when the image has no directory there.
   */
  public static long copy(List<Path> lowerTopFirst, String rel, Path dest) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (Path layer : lowerTopFirst) {
      Path p = resolveNoLinks(layer, rel);
      if (p == null) continue;
      Map<String, Object> a = attrs(p);
      if (a == null) continue;
      if (whiteout(a)) break;
      if (!Boolean.TRUE.equals(a.get("isDirectory"))) break; // a file there: nothing to copy into a directory
      dirs.add(p);
      if (opaque(p)) break;
    }
    if (dirs.isEmpty()) return 0;
    long[] n = {0};
    merge(dirs, dest, n);
    copyMeta(attrs(dirs.get(0)), dest);
    return n[0];
  }

  /** layer/rel when no component on the way is a symlink or a non-directory (a link would lead out of the layer). */
  private static Path resolveNoLinks(Path layer, String rel) throws IOException {
    Path p = layer;
    for (String c : rel.split("/")) {
      if (c.isEmpty()) continue;
      Map<String, Object> a = attrs(p);
      if (a == null || !Boolean.TRUE.equals(a.get("isDirectory"))) return null;
      p = p.resolve(c);
    }
    return p;
  }

  private static void merge(List<Path> dirsTopFirst, Path dest, long[] n) throws IOException {
    TreeSet<String> names = new TreeSet<>();
    for (Path d : dirsTopFirst) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
        for (Path c : ds) names.add(c.getFileName().toString());
      }
    }
    for (String name : names) {
      List<Path> sub = new ArrayList<>();
      Path file = null;
      Map<String, Object> fileAttrs = null;
      boolean hidden = false;
      for (Path d : dirsTopFirst) {
        Path c = d.resolve(name);
        Map<String, Object> a = attrs(c);
        if (a == null) continue;
        if (whiteout(a)) {
          hidden = sub.isEmpty();
          break;
        }
        if (Boolean.TRUE.equals(a.get("isDirectory"))) {
          if (sub.isEmpty()) fileAttrs = a;
          sub.add(c);
          if (opaque(c)) break;
          continue;
        }
        if (sub.isEmpty()) {
          file = c;
          fileAttrs = a;
        }
        break;
      }
      if (hidden || fileAttrs == null) continue;
      Path out = dest.resolve(name);
      if (Files.exists(out, NOFOLLOW)) continue; // an empty volume: only what this merge made
      if (!sub.isEmpty()) {
        Files.createDirectory(out);
        merge(sub, out, n);
        copyMeta(fileAttrs, out);
        n[0]++;
      } else if (Boolean.TRUE.equals(fileAttrs.get("isSymbolicLink"))) {
        Files.createSymbolicLink(out, Files.readSymbolicLink(file));
        Files.setAttribute(out, "unix:uid", fileAttrs.get("uid"), NOFOLLOW);
        Files.setAttribute(out, "unix:gid", fileAttrs.get("gid"), NOFOLLOW);
        n[0]++;
      } else if (Boolean.TRUE.equals(fileAttrs.get("isRegularFile"))) {
        Files.copy(file, out, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        copyMeta(fileAttrs, out);
        n[0]++;
      }
    }
  }

  /** Owner, then the mode (chown clears setuid bits), then the times. */
  private static void copyMeta(Map<String, Object> a, Path out) throws IOException {
    Files.setAttribute(out, "unix:uid", a.get("uid"), NOFOLLOW);
    Files.setAttribute(out, "unix:gid", a.get("gid"), NOFOLLOW);
    Files.setAttribute(out, "unix:mode", ((Number) a.get("mode")).intValue() & 07777, NOFOLLOW);
    Files.setLastModifiedTime(out, (FileTime) a.get("lastModifiedTime"));
  }

  private static Map<String, Object> attrs(Path p) throws IOException {
    try {
      return Files.readAttributes(p, "unix:uid,gid,mode,rdev,isDirectory,isRegularFile,isSymbolicLink,isOther,lastModifiedTime", NOFOLLOW);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** The overlay whiteout: a character device 0/0 (LayerExtractor writes them so). */
  private static boolean whiteout(Map<String, Object> a) {
    int mode = ((Number) a.get("mode")).intValue();
    return (mode & 0170000) == 0020000 && ((Number) a.get("rdev")).longValue() == 0;
  }

  private static boolean opaque(Path dir) {
    try {
      UserDefinedFileAttributeView v = Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class, NOFOLLOW);
      return v != null && (v.list().contains("overlay.opaque") || v.list().contains("fuseoverlayfs.opaque"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
