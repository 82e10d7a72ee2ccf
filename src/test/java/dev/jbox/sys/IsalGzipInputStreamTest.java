package dev.jbox.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ISA-L's inflate through the shim gives exactly what the JDK's GZIPInputStream gives. */
class IsalGzipInputStreamTest {
  @BeforeAll
  static void shim() {
    Path lib = Path.of(System.getProperty("user.dir"), "helpers/build/libjbox-isal.so");
    // the test packages include libisal-dev, so the build makes it: a missing shim is a failure
    assertTrue(IsalGzipInputStream.load(lib), "cannot load " + lib + " (libisal-dev, libisal2 installed? make -C helpers)");
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(o)) {
      z.write(data);
    }
    return o.toByteArray();
  }

  static byte[] data(int n, long seed) {
    Random r = new Random(seed);
    byte[] b = new byte[n];
    // half random, half runs: both literal-heavy and match-heavy deflate blocks
    for (int i = 0; i < n; i++) b[i] = i % 4096 < 2048 ? (byte) r.nextInt() : (byte) (i / 100);
    return b;
  }

  static byte[] inflate(byte[] gz, int readSize, int sourceChunk) throws IOException {
    InputStream src = new ByteArrayInputStream(gz) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, sourceChunk)); // a download arriving in pieces
      }
    };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (IsalGzipInputStream in = new IsalGzipInputStream(src)) {
      byte[] buf = new byte[readSize];
      int n;
      while ((n = in.read(buf, 0, buf.length)) >= 0) out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Test
  void everySizeAndChunking_matchesTheInput() throws Exception {
    for (int size : new int[] {0, 1, 511, 65536, 1 << 20, 3_000_001}) {
      byte[] d = data(size, size);
      byte[] gz = gzip(d);
      for (int[] rc : new int[][] {{1, 7}, {512, 4096}, {1 << 16, 1 << 20}, {1 << 20, 1}}) {
        if (rc[0] == 1 && size > 65536) continue; // byte at a time: slow, and the small sizes cover it
        assertArrayEquals(d, inflate(gz, rc[0], rc[1]), "size " + size + " read " + rc[0] + " source " + rc[1]);
      }
    }
  }

  @Test
  void concatenatedMembers_areOneStream_trailingZerosEndIt() throws Exception {
    byte[] a = data(100_000, 1);
    byte[] b = data(200_000, 2);
    byte[] both = concat(gzip(a), gzip(b));
    assertArrayEquals(concat(a, b), inflate(both, 4096, 10_000));
    assertArrayEquals(concat(a, b), inflate(concat(both, new byte[1024]), 4096, 10_000), "padding after the last member");
  }

  @Test
  void truncatedOrCorrupt_isAnError_notShortData() throws Exception {
    byte[] gz = gzip(data(500_000, 3));
    assertThrows(EOFException.class, () -> inflate(Arrays.copyOf(gz, gz.length / 2), 4096, 4096));
    assertThrows(EOFException.class, () -> inflate(Arrays.copyOf(gz, gz.length - 4), 4096, 4096), "the trailer cut short");
    byte[] badCrc = gz.clone();
    badCrc[gz.length - 6] ^= 0x55;
    ZipException e = assertThrows(ZipException.class, () -> inflate(badCrc, 4096, 4096));
    assertEquals("gzip: corrupt data (CRC or length mismatch)", e.getMessage());
    byte[] badBlock = gz.clone();
    for (int i = 20; i < 60; i++) badBlock[i] = (byte) 0xff;
    assertThrows(ZipException.class, () -> inflate(badBlock, 4096, 4096));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
