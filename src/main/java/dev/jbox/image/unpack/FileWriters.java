package dev.jbox.image.unpack;

import dev.jbox.sys.FsCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
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
 */
final class FileWriters implements AutoCloseable {
  static final int MAX_IN_FLIGHT = 32 << 20;
  static final int MAX_QUEUED_FILE = 8 << 20;

  /** What goes on a file after its contents; {@code describe} names it in errors. */
  record Meta(String member, boolean chown, long uid, long gid, int mode, Map<String, byte[]> xattrs, long mtime) {}

  /** Where a file's bytes come from: a queued array, or the tar itself. */
  interface Source {
    int read(byte[] b, int off, int len) throws IOException;
  }

  /** Turns an EINVAL of fchown into the error naming the id and the fix. */
  interface OwnerError {
    IOException outOfRange(Meta m);
  }

  private final ExecutorService pool;
  private final Semaphore budget = new Semaphore(MAX_IN_FLIGHT);
  private final AtomicReference<IOException> failure = new AtomicReference<>();
  private final AtomicInteger skippedXattrs = new AtomicInteger();
  private final OwnerError ownerError;
  private static final ThreadLocal<ByteBuffer> BUF = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 16));

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
   * Takes over fd: writes data[0..len) and the metadata, then closes it, on a worker or (for a
   * big file, or without workers) right here.
   */
  void submit(int fd, byte[] data, int len, Meta meta, String name) throws IOException {
    check();
    if (pool == null || len > MAX_QUEUED_FILE) {
      finish(fd, data, len, meta, name);
      return;
    }
    int permits = Math.max(len, 1);
    try {
      budget.acquire(permits);
    } catch (InterruptedException e) {
      FsCalls.close(fd);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    pool.execute(() -> {
      try {
        if (failure.get() == null) finish(fd, data, len, meta, name);
        else FsCalls.close(fd);
      } catch (IOException e) {
        failure.compareAndSet(null, e);
      } catch (RuntimeException e) {
        failure.compareAndSet(null, new IOException(name + ": " + e, e));
      } finally {
        budget.release(permits);
      }
    });
  }

  private void finish(int fd, byte[] data, int len, Meta m, String name) throws IOException {
    writeStreaming(fd, new java.io.ByteArrayInputStream(data, 0, len)::read, m, name);
  }

  /**
   * Copies in to fd through this thread's direct buffer, applies the metadata and closes fd:
   * the worker's path for a queued file, the caller's for one too big to queue.
   */
  void writeStreaming(int fd, Source in, Meta m, String name) throws IOException {
    try {
      ByteBuffer buf = BUF.get();
      byte[] chunk = new byte[buf.capacity()];
      for (int n; (n = in.read(chunk, 0, chunk.length)) > 0; ) {
        buf.clear();
        buf.put(chunk, 0, n).flip();
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
   * (setting an xattr does not change the mtime).
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
      FsCalls.fchmod(fd, m.mode());
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
