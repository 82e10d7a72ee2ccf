package dev.jbox.image.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Shared/exclusive locks on lock files that hold between processes (fcntl locks through
 * FileChannel) and between threads of this JVM (which fcntl cannot tell apart): an in-JVM count
 * per file decides when the OS lock is taken and released.
 */
public final class Locks {
  private Locks() {}

  /** A held lock; close releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** In-JVM state of one lock file. */
  private static final class State {
    int shared;
    boolean exclusive;
    boolean acquiring;
    FileChannel channel;
    FileLock os;
  }

  private static final Map<Path, State> STATES = new HashMap<>();

  /** Blocks until the lock is held; the lock file is created if missing and never deleted. */
  public static Held acquire(Path file, boolean exclusive) throws IOException {
    Held h = acquire(file, exclusive, true);
    if (h == null) throw new IllegalStateException("blocking lock returned nothing");
    return h;
  }

  /** Takes the lock only if it is free now; null otherwise. */
  public static Held tryAcquire(Path file, boolean exclusive) throws IOException {
    return acquire(file, exclusive, false);
  }

  private static Held acquire(Path file, boolean exclusive, boolean block) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    State s;
    synchronized (STATES) {
      s = STATES.get(key); // not computeIfAbsent's lambda (LauncherTest)
      if (s == null) {
        s = new State();
        STATES.put(key, s);
      }
      while (s.acquiring || s.exclusive || (exclusive && s.shared > 0)) {
        if (!block) return null;
        try {
          STATES.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for " + file);
        }
      }
      if (exclusive) s.exclusive = true;
      else s.shared++;
      if (s.os != null) return release(key, s, exclusive); // another shared holder has the OS lock
      s.acquiring = true;
    }
    // Take the OS lock outside the monitor: it may block on another process.
    try {
      FileChannel ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = block ? ch.lock(0, Long.MAX_VALUE, !exclusive) : ch.tryLock(0, Long.MAX_VALUE,
            !exclusive);
      } catch (IOException e) {
        ch.close();
        throw e;
      }
      if (l == null) {
        ch.close();
        undo(key, s, exclusive);
        return null;
      }
      synchronized (STATES) {
        s.channel = ch;
        s.os = l;
        s.acquiring = false;
        STATES.notifyAll();
      }
    } catch (IOException | RuntimeException e) {
      undo(key, s, exclusive);
      throw e;
    }
    synchronized (STATES) {
      return release(key, s, exclusive);
    }
  }

  private static void undo(Path key, State s, boolean exclusive) {
    synchronized (STATES) {
      s.acquiring = false;
      if (exclusive) s.exclusive = false;
      else s.shared--;
      STATES.notifyAll();
    }
  }

  private static Held release(Path key, State s, boolean exclusive) {
    return new Held() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (STATES) {
          if (closed) return;
          closed = true;
          if (exclusive) s.exclusive = false;
          else s.shared--;
          if (!s.exclusive && s.shared == 0 && s.channel != null) {
            try {
              s.channel.close(); // releases the OS lock
            } catch (IOException ignored) {
              // Closing a lock file cannot lose data.
            }
            s.channel = null;
            s.os = null;
          }
          STATES.notifyAll();
        }
      }
    };
  }
}
