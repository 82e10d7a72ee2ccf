package dev.jbox.sys;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 from the system's libcrypto (OpenSSL 3, present wherever libssl3 is), for the bulk
 * hashing of a pull: a layer blob while it downloads and the uncompressed tar while it unpacks.
 *
 * <p>Why: jbox's JVMs run with the C1 compiler only, for a fast start. C1's code hashes at about
 * 140 MB/s here, and turning C2 on for its SHA-NI intrinsic (1 GB/s) costs more CPU in compiling
 * the rest of the pull than it saves (perf: C2 threads took 29 % of a pull's CPU). OpenSSL uses
 * SHA-NI or AVX2 with no compiler at all. Loading JNA costs about 100 ms, so callers use this only
 * for big inputs ({@link #forSize}), and the JDK's SHA-256 when libcrypto cannot be loaded.
 */
public final class NativeSha256 extends MessageDigest {
  /** Inputs from this size on are hashed natively. */
  public static final long THRESHOLD = 8L << 20;

  private interface Crypto extends Library {
    Pointer EVP_MD_CTX_new();

    void EVP_MD_CTX_free(Pointer ctx);

    Pointer EVP_sha256();

    int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

    int EVP_DigestUpdate(Pointer ctx, Pointer data, long count);

    int EVP_DigestFinal_ex(Pointer ctx, byte[] md, IntByReference size);
  }

  private static final class Holder {
    static final Crypto LIB = load();
    static final Pointer SHA256 = LIB == null ? null : LIB.EVP_sha256();
    static final Cleaner CLEANER = Cleaner.create();

    private static Crypto load() {
      Jna.prepare();
      for (String name : new String[] {"libcrypto.so.3", "crypto"}) {
        try {
          return Native.load(name, Crypto.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
          // try the next name; none: the JDK's digest
        }
      }
      return null;
    }
  }

  private final Pointer ctx;
  /** As big as a layer's read-ahead chunk (AsyncDigest): one call per chunk. */
  private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 18);
  private final Pointer bufAddr = Native.getDirectBufferPointer(buf);

  private NativeSha256() {
    super("SHA-256");
    ctx = Holder.LIB.EVP_MD_CTX_new();
    if (ctx == null) throw new IllegalStateException("EVP_MD_CTX_new failed");
    Crypto lib = Holder.LIB;
    Pointer c = ctx;
    Holder.CLEANER.register(this, () -> lib.EVP_MD_CTX_free(c));
    init();
  }

  /** Whether libcrypto is there. */
  public static boolean available() {
    try {
      return Holder.LIB != null && Holder.SHA256 != null;
    } catch (LinkageError e) {
      return false;
    }
  }

  /** A SHA-256 hasher for about {@code expectedBytes} of input: native when big and possible. */
  public static MessageDigest forSize(long expectedBytes) {
    if (expectedBytes >= THRESHOLD && available()) return new NativeSha256();
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
  }

  private void init() {
    if (Holder.LIB.EVP_DigestInit_ex(ctx, Holder.SHA256, null) != 1) throw new IllegalStateException("EVP_DigestInit_ex failed");
  }

  @Override
  protected void engineUpdate(byte input) {
    engineUpdate(new byte[] {input}, 0, 1);
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int len) {
    while (len > 0) {
      int n = Math.min(len, buf.capacity());
      buf.clear();
      buf.put(input, offset, n).flip();
      if (Holder.LIB.EVP_DigestUpdate(ctx, bufAddr, n) != 1) throw new IllegalStateException("EVP_DigestUpdate failed");
      offset += n;
      len -= n;
    }
  }

  /** A direct buffer is hashed where it is (no copy); any other through the array path. */
  @Override
  protected void engineUpdate(ByteBuffer input) {
    if (!input.isDirect()) {
      super.engineUpdate(input);
      return;
    }
    int n = input.remaining();
    if (n == 0) return;
    Pointer at = Native.getDirectBufferPointer(input).share(input.position());
    if (Holder.LIB.EVP_DigestUpdate(ctx, at, n) != 1) throw new IllegalStateException("EVP_DigestUpdate failed");
    input.position(input.limit());
  }

  @Override
  protected byte[] engineDigest() {
    byte[] out = new byte[32];
    if (Holder.LIB.EVP_DigestFinal_ex(ctx, out, new IntByReference()) != 1) throw new IllegalStateException("EVP_DigestFinal_ex failed");
    init();
    return out;
  }

  @Override
  protected void engineReset() {
    init();
  }

  @Override
  protected int engineGetDigestLength() {
    return 32;
  }
}
