package dev.jbox.image.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The uncompressed layer, read ahead and hashed on threads of their own: "layer-read" reads the
 * source (reading the blob as it downloads, inflating, counting against the size limit) in 256 KiB
 * chunks; "layer-sha256" hashes each chunk; the extractor only parses the tar and creates files.
 * Before, inflating ran on the extractor's thread and every small read was copied and queued to the
 * hashing thread: with the tar's 512-byte headers that was a thread wake-up per header.
 *
 * <p>Chunks are never written after they are queued, so both threads share them uncopied; the
 * queues bound the read-ahead to 4 MiB. Once the hasher and the extractor are both done with a
 * chunk its array goes back to the reader: a layer of any size goes through the same few dozen
 * arrays. (A new array per chunk put the whole layer through the young generation, and on a virtual
 * machine the first touch of a page costs 5-10 us: that was a tenth of a pull's CPU.)
 * A failure of the source (a corrupt gzip stream, the size limit, a cancelled download) is thrown
 * by the next {@link #read} that would have reached it.
 */
final class AsyncDigest extends InputStream {
  private static final int CHUNK = 1 << 18;
  private static final Chunk END = new Chunk(new byte[0], 0);

  /** Bytes {@code b[0..len)} of the source, shared by the hasher and the extractor. */
  private static final class Chunk {
    final byte[] b;
    final int len;
    /** Which of the two readers still need it; the last one recycles the array. */
    final AtomicInteger users = new AtomicInteger(2);

    Chunk(byte[] b, int len) {
      this.b = b;
      this.len = len;
    }
  }

  private final InputStream in;
  private final BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(16);
  private final BlockingQueue<Chunk> hashing = new ArrayBlockingQueue<>(16);
  /** Arrays both readers are done with; more than the queues can hold plus the ones in use. */
  private final BlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(40);
  private final MessageDigest sha;
  private final Thread reader;
  private final Thread hasher;
  private Chunk cur = END;
  private int pos;
  private boolean atEnd;
  private boolean ended;

  AsyncDigest(InputStream in) {
    this.in = in;
    // the unpacker has JNA loaded already (FsCalls): libcrypto's SHA-256 whenever it is there
    sha = dev.jbox.sys.NativeSha256.forSize(Long.MAX_VALUE);
    hasher = new Thread(this::hashLoop, "layer-sha256");
    hasher.setDaemon(true);
    hasher.start();
    reader = new Thread(this::readLoop, "layer-read");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    Object last = END;
    try {
      while (true) {
        byte[] c = spare.poll();
        if (c == null) c = new byte[CHUNK];
        int n = in.readNBytes(c, 0, CHUNK);
        if (n > 0) {
          Chunk chunk = new Chunk(c, n);
          hashing.put(chunk);
          chunks.put(chunk);
        }
        if (n < CHUNK) break;
      }
    } catch (InterruptedException e) {
      return; // abandoned
    } catch (IOException | RuntimeException | Error e) {
      last = e;
    }
    try {
      hashing.put(END);
      chunks.put(last);
    } catch (InterruptedException e) {
      // abandoned
    }
  }

  private void hashLoop() {
    try {
      while (true) {
        Chunk c = hashing.take();
        if (c == END) return;
        sha.update(c.b, 0, c.len);
        release(c);
      }
    } catch (InterruptedException e) {
      // abandoned
    }
  }

  private void release(Chunk c) {
    if (c != END && c.users.decrementAndGet() == 0) spare.offer(c.b);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) return 0;
    while (pos == cur.len) {
      if (atEnd) return -1;
      next();
    }
    int n = Math.min(len, cur.len - pos);
    System.arraycopy(cur.b, pos, b, off, n);
    pos += n;
    return n;
  }

  private void next() throws IOException {
    Object o;
    try {
      o = chunks.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    release(cur);
    cur = END;
    pos = 0;
    if (o instanceof Chunk c && c != END) {
      cur = c;
      return;
    }
    atEnd = true;
    if (o instanceof IOException e) throw e;
    if (o instanceof RuntimeException e) throw e;
    if (o instanceof Error e) throw e;
  }

  /** As {@link #read(byte[], int, int)}, into dst at its position (len at most dst.remaining()). */
  int read(java.nio.ByteBuffer dst, int len) throws IOException {
    if (len == 0) return 0;
    while (pos == cur.len) {
      if (atEnd) return -1;
      next();
    }
    int n = Math.min(len, cur.len - pos);
    dst.put(cur.b, pos, n);
    pos += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) return 0;
    while (pos == cur.len) {
      if (atEnd) return 0;
      next();
    }
    int k = (int) Math.min(n, cur.len - pos);
    pos += k;
    return k;
  }

  /** Waits for the hashing thread and returns "sha256:hex" of the whole source (read it to the end first). */
  String digest() throws IOException {
    if (!ended) {
      ended = true;
      try {
        hasher.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  /** Stops both threads (after a failure, or when done). */
  void abandon() {
    reader.interrupt();
    hasher.interrupt();
  }
}
