package dev.jbox.image.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes a POSIX ustar stream of directories and regular files, owned by 0:0 with mtime 0. */
public final class TarWriter implements AutoCloseable {
  private static final int BLOCK = 512;
  private final OutputStream out;
  private boolean closed;

  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Adds a directory entry; the name gets a trailing slash. */
  public void directory(String name) throws IOException {
    out.write(header(name.endsWith("/") ? name : name + "/", '5', 0755, 0));
  }

  /** Adds a regular file whose content is the given bytes. */
  public void file(String name, byte[] content) throws IOException {
    out.write(header(name, '0', 0644, content.length));
    out.write(content);
    pad(content.length);
  }

  /** Adds a regular file of exactly size bytes copied from in; fails if in has fewer or more. */
  public void file(String name, long size, InputStream in) throws IOException {
    out.write(header(name, '0', 0644, size));
    byte[] buf = new byte[1 << 16];
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) throw new IOException(name + ": ended " + left + " bytes early");
      out.write(buf, 0, n);
      left -= n;
    }
    if (in.read() >= 0) throw new IOException(name + ": longer than " + size + " bytes");
    pad(size);
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) out.write(new byte[BLOCK - rest]);
  }

  /** Writes the two zero blocks that end the archive and flushes (the stream stays open). */
  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    out.write(new byte[2 * BLOCK]);
    out.flush();
  }

  static byte[] header(String name, char type, int mode, long size) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] h = new byte[BLOCK];
    if (n.length <= 100) {
      System.arraycopy(n, 0, h, 0, n.length);
    } else {
      int cut = name.lastIndexOf('/', name.length() - 2);
      byte[] prefix = cut > 0 ? name.substring(0, cut).getBytes(StandardCharsets.UTF_8) : n;
      byte[] rest = cut > 0 ? name.substring(cut + 1).getBytes(StandardCharsets.UTF_8) : n;
      if (cut <= 0 || prefix.length > 155 || rest.length > 100) {
        throw new IllegalArgumentException("tar member name too long: " + name);
      }
      System.arraycopy(rest, 0, h, 0, rest.length);
      System.arraycopy(prefix, 0, h, 345, prefix.length);
    }
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    if (size < 077777777777L) {
      octal(h, 124, 12, size);
    } else {
      // GNU base-256: high bit of the first byte set, the value big-endian in the rest.
      h[124] = (byte) 0x80;
      for (int i = 0; i < 8; i++) h[135 - i] = (byte) (size >>> (8 * i));
    }
    octal(h, 136, 12, 0);
    h[156] = (byte) type;
    System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
    System.arraycopy("root".getBytes(StandardCharsets.US_ASCII), 0, h, 265, 4);
    System.arraycopy("root".getBytes(StandardCharsets.US_ASCII), 0, h, 297, 4);
    for (int i = 148; i < 156; i++) h[i] = ' ';
    long sum = 0;
    for (byte b : h) sum += b & 0xff;
    octal(h, 148, 7, sum);
    return h;
  }

  /** len-1 octal digits, zero-padded, then NUL. */
  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    if (s.length() > len - 1) throw new IllegalArgumentException("tar field overflow: " + v);
    s = "0".repeat(len - 1 - s.length()) + s;
    System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
  }
}
