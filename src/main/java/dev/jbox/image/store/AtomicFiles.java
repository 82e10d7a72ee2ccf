package dev.jbox.image.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Whole-file writes that readers see either before or after: temp file, fsync, rename, fsync. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes data to path via a temp file in the same directory. */
  public static void write(Path path, byte[] data) throws IOException {
    Path dir = path.getParent();
    Path tmp = dir.resolve("." + path.getFileName() + dev.jbox.SmallFiles.randomHex(8) + ".tmp");
    // a fresh name (CREATE_NEW, mode 0600 until the rename) as Files.createTempFile makes, whose
    // SecureRandom sets up the JDK's security providers (about 90 classes) for a tag or rmi
    FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW),
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    try {
      try (ch) {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) ch.write(b);
        ch.force(true);
      }
      Files.setAttribute(tmp, "unix:mode", 0644);
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    syncDir(dir);
  }

  /** fsyncs a directory so a rename or unlink in it survives a crash. */
  public static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
