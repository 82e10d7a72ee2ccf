package dev.jbox.image.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BooleanSupplier;

/**
 * Reads a blob while the registry client is still downloading it into {@code DEST.partial}, so
 * unpacking overlaps the download. The end is reached when DEST exists (the client renames the
 * verified partial file, the same inode this stream has open) and every byte of it was read.
 * A shrinking file (the client restarted the download) or a cancel is an error; the caller then
 * unpacks again from the finished file, or gives up.
 */
final class FollowInputStream extends InputStream {
  private final Path dest;
  private final Path partial;
  private final BooleanSupplier cancelled;
  private FileChannel ch;
  private long pos;

  FollowInputStream(Path dest, BooleanSupplier cancelled) {
    this.dest = dest;
    this.partial = dest.resolveSibling(dest.getFileName() + ".partial");
    this.cancelled = cancelled;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (true) {
      if (ch == null) {
        Path p = Files.exists(dest) ? dest : Files.exists(partial) ? partial : null;
        if (p != null) {
          try {
            ch = FileChannel.open(p, StandardOpenOption.READ);
          } catch (java.nio.file.NoSuchFileException e) {
            continue; // renamed between the check and the open
          }
          continue;
        }
      } else {
        int n = ch.read(ByteBuffer.wrap(b, off, len), pos);
        if (n > 0) {
          pos += n;
          return n;
        }
        if (Files.exists(dest) && Files.size(dest) == pos) return -1;
        if (ch.size() < pos) throw new IOException("the download restarted while unpacking");
      }
      if (cancelled.getAsBoolean()) throw new IOException("the download failed");
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (ch != null) ch.close();
  }
}
