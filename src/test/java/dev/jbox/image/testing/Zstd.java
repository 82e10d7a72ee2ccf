package dev.jbox.image.testing;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Arrays;

/** Test-only zstd compression through libzstd (production code only decompresses). */
public final class Zstd {
  private Zstd() {}

  /** The two libzstd calls for one-shot compression. */
  private interface Z extends Library {
    long ZSTD_compressBound(long srcSize);

    long ZSTD_compress(byte[] dst, long dstCap, byte[] src, long srcSize, int level);

    int ZSTD_isError(long code);
  }

  public static byte[] compress(byte[] data) {
    Z z = Native.load("zstd", Z.class);
    byte[] dst = new byte[(int) z.ZSTD_compressBound(data.length)];
    long n = z.ZSTD_compress(dst, dst.length, data, data.length, 3);
    if (z.ZSTD_isError(n) != 0) throw new IllegalStateException("zstd compress failed");
    return Arrays.copyOf(dst, (int) n);
  }
}
