package dev.jbox.image.unpack;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A pass-through stream whose SHA-256 is computed on a second thread, so hashing (about as
 * costly as inflating, without SHA CPU instructions) overlaps with writing files.
 */
final class AsyncDigest extends FilterInputStream {
  private static final byte[] END = new byte[0];
  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(64);
  private final MessageDigest sha;
  private final Thread worker;
  private boolean ended;

  AsyncDigest(InputStream in) {
    super(in);
    // the unpacker has JNA loaded already (FsCalls): libcrypto's SHA-256 whenever it is there
    sha = dev.jbox.sys.NativeSha256.forSize(Long.MAX_VALUE);
    worker = new Thread(this::hashLoop, "layer-sha256");
    worker.setDaemon(true);
    worker.start();
  }

  private void hashLoop() {
    try {
      while (true) {
        byte[] b = queue.take();
        if (b == END) return;
        sha.update(b);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void offer(byte[] b, int off, int n) throws IOException {
    try {
      queue.put(Arrays.copyOfRange(b, off, off + n));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
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
    int n = in.read(b, off, len);
    if (n > 0) offer(b, off, n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
    int r = read(buf, 0, buf.length);
    return Math.max(r, 0);
  }

  /** Waits for the hashing thread and returns "sha256:hex" of everything read. */
  String digest() throws IOException {
    if (!ended) {
      ended = true;
      try {
        queue.put(END);
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  /** Stops the hashing thread (after a failure, or when done). */
  void abandon() {
    worker.interrupt();
  }
}
