package dev.jbox.image.unpack;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming tar reader for ustar, GNU (long names 'L'/'K', base-256 numbers) and PAX ('x', 'g')
 * archives; sparse and multi-volume members are refused.
 */
public final class TarReader implements FileWriters.Source {
  private static final int BLOCK = 512;
  /** PAX and GNU long-name members are read into memory: bound them. */
  private static final int MAX_META = 1 << 20;

  private final InputStream in;
  private final int maxPath;
  private final byte[] header = new byte[BLOCK];
  private final byte[] skipBuf = new byte[8192];
  private final Map<String, String> globalPax = new HashMap<>();
  private long remaining;
  private long padding;
  private boolean done;

  public TarReader(InputStream in, int maxPathLength) {
    this.in = in;
    this.maxPath = maxPathLength;
  }

  /** Returns the next member, or null at the end of the archive; skips any unread content. */
  public TarEntry next() throws IOException {
    if (done) return null;
    skipContent();
    String longName = null;
    String longLink = null;
    Map<String, String> pax = new HashMap<>();
    while (true) {
      if (!readBlock(header)) {
        // Tolerate archives without the end-of-archive blocks, as GNU tar does.
        done = true;
        return null;
      }
      if (isZero(header)) {
        done = true;
        return null;
      }
      verifyChecksum();
      char type = (char) (header[156] & 0xff);
      long size = number(124, 12);
      switch (type) {
        case 'L' -> longName = cString(readMeta(size));
        case 'K' -> longLink = cString(readMeta(size));
        case 'x' -> parsePax(readMeta(size), pax, MAX_LOCAL, "");
        case 'g' -> parsePax(readMeta(size), globalPax, MAX_GLOBAL, "global ");
        case 'S' -> throw new IOException("sparse files (GNU type 'S') are not supported");
        case 'M' -> throw new IOException("multi-volume archives are not supported");
        case 'V' -> skipBytes(padded(size)); // volume label: no file
        default -> {
          return entry(type, size, longName, longLink, pax);
        }
      }
    }
  }

  private TarEntry entry(char type, long size, String longName, String longLink,
      Map<String, String> localPax) throws IOException {
    Map<String, String> pax = new HashMap<>(globalPax);
    pax.putAll(localPax);
    String name;
    if (pax.containsKey("path")) {
      name = pax.get("path");
    } else if (longName != null) {
      name = longName;
    } else {
      name = field(0, 100);
      if (isUstar()) {
        String prefix = field(345, 155);
        if (!prefix.isEmpty()) name = prefix + "/" + name;
      }
    }
    String link = pax.containsKey("linkpath") ? pax.get("linkpath")
        : longLink != null ? longLink : field(157, 100);
    if (pax.keySet().stream().anyMatch(k -> k.startsWith("GNU.sparse."))) {
      throw new IOException("sparse files (PAX GNU.sparse) are not supported: " + name);
    }
    if (name.length() > maxPath || link.length() > maxPath) {
      throw new IOException("path longer than the limit of " + maxPath + " bytes: "
          + name.substring(0, Math.min(80, name.length())) + "...");
    }
    if (pax.containsKey("size")) size = paxLong(pax, "size");
    int mode = (int) (number(100, 8) & 07777);
    long uid = pax.containsKey("uid") ? paxLong(pax, "uid") : number(108, 8);
    long gid = pax.containsKey("gid") ? paxLong(pax, "gid") : number(116, 8);
    long mtime = number(136, 12);
    if (pax.containsKey("mtime")) {
      String m = pax.get("mtime");
      int dot = m.indexOf('.');
      try {
        mtime = Long.parseLong(dot < 0 ? m : m.substring(0, dot));
      } catch (NumberFormatException e) {
        throw new IOException("bad PAX mtime '" + m + "'");
      }
    }
    int major = 0;
    int minor = 0;
    if (type == '3' || type == '4') {
      major = (int) number(329, 8);
      minor = (int) number(337, 8);
    }
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : localPax.entrySet()) {
      if (e.getKey().startsWith("SCHILY.xattr.")) {
        xattrs.put(e.getKey().substring("SCHILY.xattr.".length()),
            e.getValue().getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    // Only regular files carry content; a hard link or directory with a size field is not read.
    boolean hasData = type == '0' || type == '\0' || type == '7';
    if (size < 0) throw new IOException("negative size for " + name);
    remaining = hasData ? size : 0;
    padding = hasData ? padded(size) - size : 0;
    if (!hasData && size > 0 && "123456".indexOf(type) < 0) {
      // Unknown types with data: skip their content so the stream stays aligned.
      remaining = size;
      padding = padded(size) - size;
    }
    return new TarEntry(name, type, mode, uid, gid, hasData ? size : 0, mtime, link, major, minor,
        xattrs);
  }

  /**
   * Reads up to len bytes of the current member's content into dst at its position; -1 at its
   * end. From an {@link AsyncDigest} the bytes go from its chunk into dst in one copy.
   */
  @Override
  public int read(java.nio.ByteBuffer dst, int len) throws IOException {
    if (!(in instanceof AsyncDigest a)) return FileWriters.Source.super.read(dst, len); // through read(byte[])
    if (remaining == 0) return -1;
    int want = (int) Math.min(Math.min(len, dst.remaining()), remaining);
    int n = a.read(dst, want);
    if (n < 0) throw new EOFException("tar: unexpected end of archive inside a file");
    remaining -= n;
    return n;
  }

  /** Reads up to len bytes of the current member's content; -1 at its end. */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining == 0) return -1;
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) throw new EOFException("tar: unexpected end of archive inside a file");
    remaining -= n;
    return n;
  }

  private void skipContent() throws IOException {
    skipBytes(remaining + padding);
    remaining = 0;
    padding = 0;
  }

  private void skipBytes(long n) throws IOException {
    byte[] buf = skipBuf; // one for the archive: a new one per member was 8 KiB of garbage each
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) throw new EOFException("tar: unexpected end of archive");
      n -= r;
    }
  }

  private byte[] readMeta(long size) throws IOException {
    if (size < 0 || size > MAX_META) {
      throw new IOException("tar: extended header of " + size + " bytes is too large");
    }
    byte[] b = in.readNBytes((int) size);
    if (b.length != size) throw new EOFException("tar: unexpected end of archive");
    skipBytes(padded(size) - size);
    return b;
  }

  private static long padded(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  private boolean readBlock(byte[] b) throws IOException {
    int n = in.readNBytes(b, 0, BLOCK);
    if (n == 0) return false;
    if (n != BLOCK) throw new EOFException("tar: truncated header");
    return true;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) if (x != 0) return false;
    return true;
  }

  private boolean isUstar() {
    return header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r' && header[262] == 0;
  }

  private void verifyChecksum() throws IOException {
    long unsigned = 0;
    long signed = 0;
    for (int k = 0; k < BLOCK; k++) {
      int v = (k >= 148 && k < 156) ? ' ' : header[k];
      unsigned += v & 0xff;
      signed += (k >= 148 && k < 156) ? ' ' : header[k];
    }
    long stored = number(148, 8);
    if (stored != unsigned && stored != signed) {
      throw new IOException("tar: header checksum mismatch (not a tar archive, or corrupt)");
    }
  }

  private String field(int off, int len) {
    int end = off;
    while (end < off + len && header[end] != 0) end++;
    return new String(header, off, end - off, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] b) {
    int end = 0;
    while (end < b.length && b[end] != 0) end++;
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }

  /** Octal (space/NUL padded) or GNU base-256 when the high bit of the first byte is set. */
  private long number(int off, int len) throws IOException {
    if ((header[off] & 0x80) != 0) {
      if ((header[off] & 0x40) != 0) throw new IOException("tar: negative base-256 number");
      long v = header[off] & 0x3f;
      for (int k = 1; k < len; k++) {
        if ((v >>> 55) != 0) throw new IOException("tar: base-256 number overflows");
        v = (v << 8) | (header[off + k] & 0xff);
      }
      return v;
    }
    long v = 0;
    int k = off;
    int end = off + len;
    while (k < end && (header[k] == ' ' || header[k] == 0)) k++;
    for (; k < end; k++) {
      byte c = header[k];
      if (c == ' ' || c == 0) break;
      if (c < '0' || c > '7') throw new IOException("tar: bad octal field in header");
      if ((v >>> 60) != 0) throw new IOException("tar: octal number overflows");
      v = v * 8 + (c - '0');
    }
    return v;
  }

  private static long paxLong(Map<String, String> pax, String key) throws IOException {
    try {
      long v = Long.parseLong(pax.get(key));
      if (v < 0) throw new IOException("negative PAX " + key);
      return v;
    } catch (NumberFormatException e) {
      throw new IOException("bad PAX " + key + " '" + pax.get(key) + "'");
    }
  }

  /** A member's PAX keys, and the global ones: as many as jbox-unpack (helpers/tar.c) keeps. */
  private static final int MAX_LOCAL = 1000;
  private static final int MAX_GLOBAL = 64;

  /** PAX records: "LEN KEY=VALUE\n", LEN counting the whole record in bytes; at most cap keys. */
  private static void parsePax(byte[] b, Map<String, String> into, int cap, String kind) throws IOException {
    int p = 0;
    while (p < b.length) {
      if (b[p] == 0) break;
      int sp = p;
      while (sp < b.length && b[sp] != ' ') sp++;
      if (sp >= b.length) throw new IOException("tar: malformed PAX record");
      int len;
      try {
        len = Integer.parseInt(new String(b, p, sp - p, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("tar: malformed PAX record length");
      }
      if (len <= sp - p + 1 || len > b.length - p || b[p + len - 1] != '\n') { // p + len could overflow
        throw new IOException("tar: malformed PAX record");
      }
      int eq = sp + 1;
      while (eq < p + len && b[eq] != '=') eq++;
      if (eq >= p + len) throw new IOException("tar: malformed PAX record (no '=')");
      String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      // xattr values are binary: keep bytes 1:1 in a Latin-1 string.
      String value = key.startsWith("SCHILY.xattr.")
          ? new String(b, eq + 1, p + len - 1 - eq - 1, StandardCharsets.ISO_8859_1)
          : new String(b, eq + 1, p + len - 1 - eq - 1, StandardCharsets.UTF_8);
      if (value.isEmpty()) {
        into.remove(key);
      } else {
        if (into.size() >= cap && !into.containsKey(key)) throw new IOException("tar: more than " + cap + " " + kind + "PAX records");
        into.put(key, value);
      }
      p += len;
    }
  }
}
