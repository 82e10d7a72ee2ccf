package dev.jbox.image.unpack;

import dev.jbox.sys.FsCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the contents and metadata of a layer's regular files on worker threads while the
 * extractor's thread goes on inflating and parsing the tar. Creating files is the bulk of a pull
 * (the kernel's page-cache and inode work, not jbox's), and on more than one core it overlaps.
 *
 * <p>Safety does not depend on timing: the extractor resolves and checks the path and creates the
 * file (O_EXCL|O_NOFOLLOW) itself, and a worker only touches that descriptor (write, fchown,
 * fchmod, fsetxattr, futimens, close), never a path. If a later tar member replaces the path, the
 * worker finishes an unlinked inode. Memory is bounded: at most {@link #MAX_IN_FLIGHT} bytes of
 * contents wait at once; a bigger file is written by the caller's thread.
 *
 * <p>A queued file's contents wait in direct buffers of {@link #BUF} bytes that go back to a pool
 * once written, so the whole layer goes through the same few megabytes: the write(2) reads them
 * with no further copy, and nothing per file is allocated on the heap. (A heap array per file and
 * a 64 KiB copy buffer per file put a layer through the young generation three times over; on a
 * virtual machine the first touch of a page costs 5-10 us, and that was a fifth of a pull's CPU.)
 */
final class FileWriters implements AutoCloseable {
  static final int MAX_IN_FLIGHT = 16 << 20;
  /** The largest file queued; at most half the budget, or one file could wait for permits forever. */
  static final int MAX_QUEUED_FILE = MAX_IN_FLIGHT / 2;
  /** The pool's buffer size; a queued file takes ceil(size / BUF) of them (at least one). */
  static final int BUF = 1 << 15;

  /**
   * What goes on a file after its contents; {@code member} names it in errors. {@code modeSet}:
   * the file was created with its final mode, so no fchmod is needed.
   */
  record Meta(String member, boolean chown, long uid, long gid, int mode, Map<String, byte[]> xattrs, long mtime,
      boolean modeSet) {}

  /** Where a file's bytes come from: a queued array, or the tar itself. */
  interface Source {
    int read(byte[] b, int off, int len) throws IOException;

    /**
     * Reads up to {@code len} bytes (at least one, or -1 at the end) into {@code dst} at its
     * position. The tar's own ({@link TarReader}) copies straight from the inflated chunk into the
     * direct buffer write(2) reads; this default goes through a heap array.
     */
    default int read(ByteBuffer dst, int len) throws IOException {
      byte[] scratch = SCRATCH.get();
      int n = read(scratch, 0, Math.min(Math.min(len, dst.remaining()), scratch.length));
      if (n > 0) dst.put(scratch, 0, n);
      return n;
    }
  }

  /** Turns an EINVAL of fchown into the error naming the id and the fix. */
  interface OwnerError {
    IOException outOfRange(Meta m);
  }

  private final ExecutorService pool;
  /** Buffers that may be in flight: MAX_IN_FLIGHT bytes' worth. */
  private final Semaphore budget = new Semaphore(MAX_IN_FLIGHT / BUF);
  private final ConcurrentLinkedQueue<ByteBuffer> spare = new ConcurrentLinkedQueue<>();
  private final AtomicReference<IOException> failure = new AtomicReference<>();
  private final AtomicInteger skippedXattrs = new AtomicInteger();
  private final OwnerError ownerError;
  private static final ThreadLocal<ByteBuffer> DIRECT = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 16));
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1 << 16]);

  /** threads 0: every file is written by the caller's thread. */
  FileWriters(int threads, OwnerError ownerError) {
    this.ownerError = ownerError;
    pool = threads > 0 ? Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "layer-writer");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** Writer threads for this machine: one per core beyond the extractor's own, at most 4. */
  static int defaultThreads() {
    String env = System.getenv("JBOX_UNPACK_WRITERS");
    if (env != null && env.matches("[0-9]{1,2}")) return Integer.parseInt(env);
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
  }

  int skippedXattrs() {
    return skippedXattrs.get();
  }

  /** Fails fast once a worker has failed. */
  void check() throws IOException {
    IOException e = failure.get();
    if (e != null) throw e;
  }

  /**
   * Takes over fd: reads the file's {@code size} bytes from {@code in} now, then writes them and
   * the metadata and closes fd on a worker (or, for a big file or without workers, right here).
   * fd is closed whatever happens.
   */
  void submit(int fd, long size, Source in, Meta meta, String name) throws IOException {
    try {
      check();
    } catch (IOException e) {
      FsCalls.close(fd);
      throw e;
    }
    if (pool == null || size > MAX_QUEUED_FILE) {
      writeStreaming(fd, in, meta, name);
      return;
    }
    int count = (int) Math.max(1, (size + BUF - 1) / BUF);
    try {
      budget.acquire(count);
    } catch (InterruptedException e) {
      FsCalls.close(fd);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    ByteBuffer[] bufs = new ByteBuffer[count];
    try {
      long left = size;
      for (int i = 0; i < count; i++) {
        ByteBuffer b = spare.poll();
        if (b == null) b = ByteBuffer.allocateDirect(BUF);
        b.clear();
        bufs[i] = b;
        int want = (int) Math.min(BUF, left);
        while (b.position() < want) {
          int n = in.read(b, want - b.position());
          if (n <= 0) throw new java.io.EOFException(name + ": the layer ended inside the file");
        }
        b.flip();
        left -= want;
      }
    } catch (IOException | RuntimeException | Error e) {
      recycle(bufs, count);
      FsCalls.close(fd);
      throw e;
    }
    pool.execute(() -> {
      try {
        if (failure.get() == null) {
          for (ByteBuffer b : bufs) write(fd, b, name);
          apply(fd, meta, name);
        }
      } catch (IOException e) {
        failure.compareAndSet(null, e);
      } catch (RuntimeException e) {
        failure.compareAndSet(null, new IOException(name + ": " + e, e));
      } finally {
        FsCalls.close(fd);
        recycle(bufs, count);
      }
    });
  }

  private void recycle(ByteBuffer[] bufs, int permits) {
    for (ByteBuffer b : bufs) if (b != null) spare.offer(b);
    budget.release(permits);
  }

  /**
   * Copies in to fd through this thread's direct buffer, applies the metadata and closes fd:
   * the path of a file too big to queue, and of every file without workers.
   */
  void writeStreaming(int fd, Source in, Meta m, String name) throws IOException {
    try {
      ByteBuffer buf = DIRECT.get();
      while (true) {
        buf.clear();
        if (in.read(buf, buf.capacity()) <= 0) break;
        buf.flip();
        write(fd, buf, name);
      }
      apply(fd, m, name);
    } finally {
      FsCalls.close(fd);
    }
  }

  private static void write(int fd, ByteBuffer direct, String name) throws IOException {
    try {
      FsCalls.writeFully(fd, direct);
    } catch (IOException e) {
      throw new IOException(name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Owner, then mode (chown clears setuid/setgid), times and user.* xattrs: all on the descriptor
   * (setting an xattr does not change the mtime). The mode is left alone when the file was created
   * with it: only permission bits the umask keeps, which neither chown nor write(2) changes.
   */
  void apply(int fd, Meta m, String name) throws IOException {
    if (m.chown()) {
      try {
        FsCalls.fchown(fd, m.uid(), m.gid());
      } catch (FsCalls.ErrnoException e) {
        if (e.errno() == FsCalls.EINVAL) throw ownerError.outOfRange(m);
        throw new IOException(name + ": " + e.getMessage(), e);
      }
    }
    try {
      if (!m.modeSet()) FsCalls.fchmod(fd, m.mode());
      FsCalls.futimes(fd, m.mtime());
    } catch (IOException e) {
      throw new IOException(name + ": " + e.getMessage(), e);
    }
    for (Map.Entry<String, byte[]> x : m.xattrs().entrySet()) {
      try {
        FsCalls.fsetxattr(fd, x.getKey(), x.getValue());
      } catch (IOException e) {
        skippedXattrs.incrementAndGet();
      }
    }
  }

  /** Waits for every submitted file; throws the first failure. */
  void drain() throws IOException {
    if (pool != null) {
      pool.shutdown();
      try {
        while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
          // files still being written
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    check();
  }

  @Override
  public void close() {
    if (pool != null) pool.shutdownNow();
  }
}
