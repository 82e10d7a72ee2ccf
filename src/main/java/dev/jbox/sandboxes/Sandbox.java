package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One sandbox of any kind: its record and the two directories it may have.
 *
 * <ul>
 *   <li>{@link #home()}: where its record (config.json) lives. An image sandbox's is {@code
 *       <image store>/containers/<id>/} (its writable layer and its lock file {@code state} are
 *       there too); any other sandbox's is its runtime directory.
 *   <li>{@link #runtimeDir()}: {@code $XDG_RUNTIME_DIR/jbox/<id>/}, where a detached monitor keeps
 *       {@code state}, {@code log}, {@code lock} and {@code attach.sock} (helpers/PROTOCOL.md).
 * </ul>
 *
 * Whatever the kind, what runs is found the same way: a detached sandbox's monitor writes its
 * state record into the runtime directory; a foreground one's holds an OFD lock on {@link
 * #lockFile()} while it lives and writes the same record into it. So ps, exec, stop, kill, wait,
 * top, ns and inspect need nothing else.
 */
public final class Sandbox {
  private final SandboxRecord record;
  private final Path home;
  private final Path runtimeDir;

  Sandbox(SandboxRecord record, Path home, Path runtimeDir) {
    this.record = record;
    this.home = home;
    this.runtimeDir = runtimeDir;
  }

  public SandboxRecord record() {
    return record;
  }

  public String id() {
    return record.id();
  }

  public String shortId() {
    return record.shortId();
  }

  public String name() {
    return record.name();
  }

  /** The name if it has one, else the short id: how messages name the sandbox. */
  public String label() {
    return record.label();
  }

  /** The directory of its record. */
  public Path home() {
    return home;
  }

  /** Its runtime directory (a detached monitor's files); exists once it ran detached. */
  public Path runtimeDir() {
    return runtimeDir;
  }

  /** Whether its record lives in the image store (an image sandbox, with a writable layer there). */
  public boolean inImageStore() {
    return !home.equals(runtimeDir);
  }

  /**
   * The file a foreground monitor locks and writes its state into (plan tag 25, LOCKFILE): an
   * image sandbox's {@code state} in its home; for others a file of their runtime directory
   * other than the detached monitor's {@code state}, whose lock the monitor's rename would drop.
   */
  public Path lockFile() {
    return inImageStore() ? home.resolve(Containers.STATE) : runtimeDir.resolve("fgstate");
  }

  /** Whether a detached monitor ran it (its runtime directory has a state record). */
  public boolean detached() {
    return Files.exists(runtimeDir.resolve("state"), LinkOption.NOFOLLOW_LINKS);
  }

  /** The monitor's record (detached or foreground), or null before a monitor wrote one. */
  public MonitorState monitorState() {
    if (detached()) {
      try {
        return MonitorState.of(Json.parseObject(dev.jbox.SmallFiles.readString(runtimeDir.resolve("state"))));
      } catch (NoSuchFileException e) {
        return null;
      } catch (IOException | RuntimeException e) {
        throw new JboxException("sandbox " + label() + ": unreadable state file: " + e.getMessage());
      }
    }
    try {
      String s = dev.jbox.SmallFiles.readString(lockFile());
      return s.isBlank() ? null : MonitorState.of(Json.parseObject(s));
    } catch (IOException | RuntimeException e) {
      return null; // none yet, or being rewritten in place
    }
  }

  /** The state record in a lock file read through an open channel (null: empty, or being rewritten). */
  static MonitorState readState(FileChannel ch) {
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1024);
      int n;
      long pos = 0;
      while ((n = ch.read(b, pos)) > 0 && b.hasRemaining()) pos += n;
      String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
      return s.isBlank() ? null : MonitorState.of(Json.parseObject(s));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * What it does now. Detached: the state record checked against /proc (a "running" record whose
   * pid is gone or reused is exited, unknown code). Foreground: it runs while its lock is held; a
   * free lock with a "running" record means its monitor was killed.
   */
  public Status status() {
    if (record.kind() == SandboxRecord.Kind.OCI) return ociStatus();
    if (detached()) {
      MonitorState s = monitorState();
      if (s == null) return new Status(Status.Kind.CREATED, null, record.created(), false);
      if (s.status().equals("running")) {
        if (Procfs.alive(s.pid(), s.pidStart())) return new Status(Status.Kind.RUNNING, null, s.started(), false);
        MonitorState again = monitorState(); // the monitor may have recorded the exit since
        if (again != null && again.status().equals("exited")) return exited(again);
        return new Status(Status.Kind.EXITED, null, s.started(), true);
      }
      return exited(s);
    }
    boolean locked = ContainerLock.heldFile(lockFile());
    MonitorState s = monitorState();
    if (s == null) return new Status(Status.Kind.CREATED, null, record.created(), false);
    if (s.status().equals("exited")) return exited(s);
    if (locked) return new Status(Status.Kind.RUNNING, null, s.started(), false);
    return new Status(Status.Kind.EXITED, null, s.started(), true);
  }

  /**
   * An OCI container's init as the helper recorded it in {@code pid} ("PID STARTTIME", written
   * once the init waits on its exec fifo): {pid, start time}, or null before that.
   */
  public long[] ociInit() {
    try {
      String[] f = dev.jbox.SmallFiles.readString(home.resolve("pid")).trim().split(" ");
      return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * An OCI container: created until its init is recorded and while it waits on {@code
   * exec.fifo}, running once start took the fifo away, exited (code unknown: the engine reaps it)
   * when the init is gone.
   */
  private Status ociStatus() {
    long[] p = ociInit();
    if (p == null) return new Status(Status.Kind.CREATED, null, record.created(), false);
    if (!Procfs.alive(p[0], p[1])) return new Status(Status.Kind.EXITED, null, record.created(), false);
    boolean waiting = Files.exists(home.resolve("exec.fifo"), LinkOption.NOFOLLOW_LINKS);
    return new Status(waiting ? Status.Kind.CREATED : Status.Kind.RUNNING, null, record.created(), false);
  }

  private static Status exited(MonitorState s) {
    return new Status(Status.Kind.EXITED, s.exitCode(), s.finished() != null ? s.finished() : s.started(), false);
  }

  /** The host pid of its pid 1 while it runs, else null. */
  public Long pid() {
    if (!status().running()) return null;
    MonitorState s = monitorState();
    return s == null ? null : s.pid();
  }

  /** Whether its monitor (or, in the foreground, its monitor or cleaner) still lives. */
  public boolean monitorAlive() {
    if (detached()) {
      MonitorState s = monitorState();
      return s != null && Procfs.alive(s.monitorPid(), s.monitorStart());
    }
    return ContainerLock.heldFile(lockFile());
  }

  /**
   * Takes the sandbox's lock: a POSIX lock on {@code lock} in its runtime directory (a detached
   * monitor writes its state under an OFD lock on it, which conflicts), created with the directory.
   */
  public Lock lock() {
    try {
      if (!Files.isDirectory(runtimeDir, LinkOption.NOFOLLOW_LINKS)) SandboxStore.mkPrivateDir(runtimeDir);
      FileChannel ch = FileChannel.open(runtimeDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      return new Lock(ch, ch.lock());
    } catch (NoSuchFileException e) {
      throw new JboxException("no such sandbox: `" + label() + "` (removed meanwhile)");
    } catch (IOException e) {
      throw new JboxException("lock sandbox " + label() + ": " + e.getMessage());
    }
  }

  /** An exclusive lock on a sandbox or the store, released by close. */
  public record Lock(FileChannel channel, FileLock lock) implements AutoCloseable {
    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // closing releases the lock; nothing else to do
      }
    }
  }
}
