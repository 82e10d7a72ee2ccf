package dev.jbox.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * A gzip stream inflated by ISA-L's igzip through jbox's shim (helpers/isal/jbox_isal.c, which says
 * why): four times the JDK's zlib on a layer. Reads like {@link java.util.zip.GZIPInputStream}:
 * concatenated members are one stream, each member's CRC32 and length are checked, and bytes after
 * a member that do not start another one end the stream. Use it only after {@link #load} said yes.
 */
public final class IsalGzipInputStream extends InputStream {
  private static final int IN = 1 << 17;
  private static final int OUT = 1 << 18;
  private static final Cleaner CLEANER = Cleaner.create();
  private static boolean loaded;
  private static Path failed;

  private static native Pointer jbox_gz_new();

  private static native void jbox_gz_free(Pointer state);

  private static native int jbox_gz_inflate(Pointer state, long in, int inLen, long out, int outLen, int[] counts);

  /**
   * Binds the shim at {@code lib} the first time; whether it (and libisal.so.2 behind it) loaded.
   * A missing library is not an error: the JDK's inflater does the work, slower.
   */
  public static synchronized boolean load(Path lib) {
    if (loaded || lib == null || lib.equals(failed)) return loaded;
    if (Files.isRegularFile(lib)) {
      try {
        Jna.prepare();
        Native.register(IsalGzipInputStream.class, NativeLibrary.getInstance(lib.toString()));
        loaded = true;
        return true;
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        // no libisal.so.2, or a shim for another architecture
      }
    }
    failed = lib;
    return false;
  }

  private final InputStream in;
  private final Pointer state;
  private final Cleaner.Cleanable freeState;
  private final ByteBuffer inBuf = ByteBuffer.allocateDirect(IN);
  private final ByteBuffer outBuf = ByteBuffer.allocateDirect(OUT);
  private final long inAddr = Pointer.nativeValue(Native.getDirectBufferPointer(inBuf));
  private final long outAddr = Pointer.nativeValue(Native.getDirectBufferPointer(outBuf));
  private final byte[] chunk = new byte[IN];
  private final int[] counts = new int[2];
  private int inPos;
  private int inLen;
  private int outPos;
  private int outLen;
  private boolean inEnded;
  private boolean betweenMembers = true;
  private boolean done;

  public IsalGzipInputStream(InputStream in) throws IOException {
    this.in = in;
    Pointer s = jbox_gz_new();
    if (s == null) throw new IOException("gzip: out of memory");
    state = s;
    freeState = CLEANER.register(this, () -> jbox_gz_free(s));
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) return 0;
    while (outPos == outLen) {
      if (done) return -1;
      inflateSome();
    }
    int n = Math.min(len, outLen - outPos);
    outBuf.get(outPos, b, off, n);
    outPos += n;
    return n;
  }

  private void inflateSome() throws IOException {
    if (betweenMembers) {
      // the next member's magic, or the end (GZIPInputStream also ignores trailing bytes)
      while (inLen - inPos < 2 && !inEnded) fill();
      if (inLen - inPos < 2 || (inBuf.get(inPos) & 0xff) != 0x1f || (inBuf.get(inPos + 1) & 0xff) != 0x8b) {
        done = true;
        return;
      }
      betweenMembers = false;
    }
    if (inPos == inLen) {
      if (inEnded) throw new EOFException("gzip: unexpected end of the compressed data");
      fill();
    }
    int r = jbox_gz_inflate(state, inAddr + inPos, inLen - inPos, outAddr, OUT, counts);
    inPos += counts[0];
    outPos = 0;
    outLen = counts[1];
    if (r < 0) throw new ZipException("gzip: corrupt data (" + describe(r) + ")");
    if (r == 1) {
      betweenMembers = true;
    } else if (counts[0] == 0 && counts[1] == 0) {
      // nothing moved: it needs more input than the buffer holds
      if (inEnded) throw new EOFException("gzip: unexpected end of the compressed data");
      fill();
    }
  }

  /** Moves unread input to the front and reads more behind it; sets inEnded at end of input. */
  private void fill() throws IOException {
    if (inPos > 0) {
      inBuf.put(0, inBuf, inPos, inLen - inPos);
      inLen -= inPos;
      inPos = 0;
    }
    int n = in.read(chunk, 0, IN - inLen);
    if (n < 0) {
      inEnded = true;
      return;
    }
    inBuf.put(inLen, chunk, 0, n);
    inLen += n;
  }

  private static String describe(int code) {
    return switch (code) {
      case -1 -> "invalid block";
      case -2 -> "invalid symbol";
      case -3 -> "invalid distance";
      case -4 -> "invalid gzip header";
      case -5 -> "not deflate";
      case -6 -> "CRC or length mismatch";
      default -> "ISA-L error " + code;
    };
  }

  @Override
  public void close() throws IOException {
    freeState.clean();
    in.close();
  }
}
