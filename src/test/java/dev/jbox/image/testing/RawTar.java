package dev.jbox.image.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** A test-only tar writer that emits raw headers, including the hostile ones real tools refuse. */
public final class RawTar {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private long mtime = 1_700_000_000L;

  /** A regular file. */
  public RawTar file(String name, String content, int mode, int uid, int gid) {
    return entry(name, '0', content.getBytes(StandardCharsets.UTF_8), mode, uid, gid, "");
  }

  public RawTar file(String name, String content) {
    return file(name, content, 0644, 0, 0);
  }

  public RawTar bytes(String name, byte[] content, int mode) {
    return entry(name, '0', content, mode, 0, 0, "");
  }

  public RawTar dir(String name, int mode) {
    return entry(name, '5', new byte[0], mode, 0, 0, "");
  }

  public RawTar dir(String name, int mode, int uid, int gid) {
    return entry(name, '5', new byte[0], mode, uid, gid, "");
  }

  public RawTar symlink(String name, String target) {
    return entry(name, '2', new byte[0], 0777, 0, 0, target);
  }

  public RawTar hardlink(String name, String target) {
    return entry(name, '1', new byte[0], 0644, 0, 0, target);
  }

  public RawTar fifo(String name) {
    return entry(name, '6', new byte[0], 0644, 0, 0, "");
  }

  public RawTar chardev(String name, int major, int minor) {
    byte[] h = header(name, '3', 0, 0666, 0, 0, "");
    octal(h, 329, 8, major);
    octal(h, 337, 8, minor);
    checksum(h);
    out.writeBytes(h);
    return this;
  }

  /** A PAX extended header with the given records applied to the next member. */
  public RawTar pax(Map<String, String> records) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Map.Entry<String, String> r : records.entrySet()) {
      String body = " " + r.getKey() + "=" + r.getValue() + "\n";
      int len = body.getBytes(StandardCharsets.UTF_8).length;
      int total = len + String.valueOf(len).length();
      if (String.valueOf(total).length() != String.valueOf(len).length()) total++;
      b.writeBytes((total + body).getBytes(StandardCharsets.UTF_8));
    }
    return entry("PaxHeaders/x", 'x', b.toByteArray(), 0644, 0, 0, "");
  }

  /** A GNU 'L' long-name member before the next one. */
  public RawTar gnuLongName(String name) {
    byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
    return entry("././@LongLink", 'L', n, 0644, 0, 0, "");
  }

  /** Any member, content written as given (its size field matches the content). */
  public RawTar entry(String name, char type, byte[] content, int mode, int uid, int gid,
      String link) {
    byte[] h = header(name, type, content.length, mode, uid, gid, link);
    out.writeBytes(h);
    out.writeBytes(content);
    int pad = (512 - content.length % 512) % 512;
    out.writeBytes(new byte[pad]);
    return this;
  }

  private byte[] header(String name, char type, long size, int mode, int uid, int gid,
      String link) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    h[262] = 0;
    h[263] = '0';
    h[264] = '0';
    checksum(h);
    return h;
  }

  private static void checksum(byte[] h) {
    for (int k = 148; k < 156; k++) h[k] = ' ';
    long sum = 0;
    for (byte x : h) sum += x & 0xff;
    octal(h, 148, 7, sum);
    h[155] = ' ';
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > len) throw new IllegalArgumentException("name too long for raw header: " + s);
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    while (s.length() < len - 1) s = "0" + s;
    put(h, off, len, s);
    h[off + len - 1] = 0;
  }

  /** The archive with its two zero end blocks. */
  public byte[] build() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(out.toByteArray());
    b.writeBytes(new byte[1024]);
    return b.toByteArray();
  }

  public static byte[] gzip(byte[] data) {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(b)) {
        g.write(data);
      }
      return b.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
