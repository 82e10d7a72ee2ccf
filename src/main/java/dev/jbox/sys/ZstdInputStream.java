package dev.jbox.sys;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** A zstd decompressing stream over the system's libzstd.so.1 streaming API, through JNA. */
public final class ZstdInputStream extends InputStream {
  /** The libzstd functions used: a decompression stream and its step function. */
  private interface Z extends Library {
    Pointer ZSTD_createDStream();

    long ZSTD_freeDStream(Pointer zds);

    long ZSTD_initDStream(Pointer zds);

    long ZSTD_decompressStream(Pointer zds, OutBuffer out, InBuffer in);

    int ZSTD_isError(long code);

    String ZSTD_getErrorName(long code);

    long ZSTD_DStreamInSize();

    long ZSTD_DStreamOutSize();
  }

  /** ZSTD_inBuffer: src, size, pos. */
  public static final class InBuffer extends Structure {
    public Pointer src;
    public long size;
    public long pos;

    @Override
    protected List<String> getFieldOrder() {
      return List.of("src", "size", "pos");
    }
  }

  /** ZSTD_outBuffer: dst, size, pos. */
  public static final class OutBuffer extends Structure {
    public Pointer dst;
    public long size;
    public long pos;

    @Override
    protected List<String> getFieldOrder() {
      return List.of("dst", "size", "pos");
    }
  }

  private static volatile Z lib;

  private static Z lib() throws IOException {
    Z z = lib;
    if (z == null) {
      try {
        Jna.prepare();
        z = Native.load("libzstd.so.1", Z.class); // by soname: see FsCalls.LIBC_NAME
      } catch (UnsatisfiedLinkError e) {
        throw new IOException(
            "zstd layer: cannot load libzstd.so.1 (install the libzstd1 package): "
                + e.getMessage());
      }
      lib = z;
    }
    return z;
  }

  private final InputStream in;
  private final Z z;
  private Pointer zds;
  private final Memory inMem;
  private final Memory outMem;
  private final byte[] inBuf;
  private final InBuffer ib = new InBuffer();
  private final OutBuffer ob = new OutBuffer();
  private long outPos;
  private long outLen;
  private boolean inEof;
  private long lastRet = 0;

  public ZstdInputStream(InputStream in) throws IOException {
    this.in = in;
    this.z = lib();
    this.zds = z.ZSTD_createDStream();
    if (zds == null) throw new IOException("zstd: ZSTD_createDStream failed");
    check(z.ZSTD_initDStream(zds));
    int inSize = (int) Math.min(z.ZSTD_DStreamInSize(), 1 << 20);
    int outSize = (int) Math.min(z.ZSTD_DStreamOutSize(), 1 << 20);
    inMem = new Memory(inSize);
    outMem = new Memory(outSize);
    inBuf = new byte[inSize];
    ib.src = inMem;
    ib.size = 0;
    ib.pos = 0;
  }

  private long check(long code) throws IOException {
    if (z.ZSTD_isError(code) != 0) throw new IOException("zstd: " + z.ZSTD_getErrorName(code));
    return code;
  }

  private boolean fill() throws IOException {
    while (true) {
      if (ib.pos == ib.size && !inEof) {
        int n = in.read(inBuf);
        if (n < 0) {
          inEof = true;
        } else {
          inMem.write(0, inBuf, 0, n);
          ib.size = n;
          ib.pos = 0;
        }
      }
      if (ib.pos == ib.size && inEof) {
        // lastRet != 0 means the last frame was not complete.
        if (lastRet != 0) throw new IOException("zstd: truncated stream");
        return false;
      }
      ob.dst = outMem;
      ob.size = outMem.size();
      ob.pos = 0;
      lastRet = check(z.ZSTD_decompressStream(zds, ob, ib));
      if (ob.pos > 0) {
        outPos = 0;
        outLen = ob.pos;
        return true;
      }
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (zds == null) throw new IOException("zstd: stream closed");
    if (len == 0) return 0;
    if (outPos == outLen && !fill()) return -1;
    int n = (int) Math.min(len, outLen - outPos);
    outMem.read(outPos, b, off, n);
    outPos += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (zds != null) {
      z.ZSTD_freeDStream(zds);
      zds = null;
    }
    in.close();
  }
}
