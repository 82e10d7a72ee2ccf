package dev.jbox.image.unpack;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Consumer;

/** Recursive deletion that never follows a symlink and never leaves the given directory. */
public final class Tree {
  private Tree() {}

  /** Deletes path and, if it is a real directory, everything below it; a symlink is unlinked. */
  public static void delete(Path path) throws IOException {
    delete(path, null);
  }

  /** As {@link #delete(Path)}, telling onDir of every directory deleted (for callers' indexes). */
  public static void delete(Path path, Consumer<Path> onDir) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isDirectory()) {
      // Read-only directories (0555 in an image) cannot lose entries: open them for their owner.
      if (!Files.isWritable(path) || !Files.isExecutable(path)) {
        try {
          Files.setAttribute(path, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException ignored) {
          // Not ours: the delete below reports the real error.
        }
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(path)) {
        for (Path child : ds) delete(child, onDir);
      }
      if (onDir != null) onDir.accept(path);
    }
    Files.deleteIfExists(path);
  }
}
