package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/** One sandbox's state directory: config.json (written by jbox), state and log (written by its monitor). */
public final class Sandbox {
  private final Path dir;
  private final Map<String, Object> config;

  Sandbox(Path dir, Map<String, Object> config) {
    this.dir = dir;
    this.config = config;
  }

  public Path dir() {
    return dir;
  }

  public String id() {
    return dir.getFileName().toString();
  }

  public String shortId() {
    return id().substring(0, 12);
  }

  public Map<String, Object> config() {
    return config;
  }

  public String name() {
    return (String) config.get("name");
  }

  /** The name if it has one, else the short id: how messages name the sandbox. */
  public String label() {
    return name() != null ? name() : shortId();
  }

  /** The command as one line. */
  @SuppressWarnings("unchecked")
  public String command() {
    return String.join(" ", (List<String>) config.getOrDefault("command", List.of()));
  }

  public String image() {
    return String.valueOf(config.getOrDefault("image", ""));
  }

  public long created() {
    return config.get("created") instanceof Number n ? n.longValue() : 0;
  }

  /** The monitor's record, or null before the monitor wrote one. */
  public MonitorState state() {
    try {
      return MonitorState.of(Json.parseObject(Files.readString(dir.resolve("state"), StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      throw new JboxException("sandbox " + label() + ": unreadable state file: " + e.getMessage());
    }
  }

  /** The status checked against /proc: a "running" record whose pid is gone or reused is exited (unknown). */
  public Status status() {
    MonitorState s = state();
    if (s == null) return new Status(Status.Kind.CREATED, null, created(), false);
    if (s.status().equals("running")) {
      if (Procfs.alive(s.pid(), s.pidStart())) return new Status(Status.Kind.RUNNING, null, s.started(), false);
      // re-read: the monitor may have recorded the exit since
      MonitorState again = state();
      if (again != null && again.status().equals("exited")) return exited(again);
      return new Status(Status.Kind.EXITED, null, s.started(), true);
    }
    return exited(s);
  }

  private static Status exited(MonitorState s) {
    return new Status(Status.Kind.EXITED, s.exitCode(), s.finished() != null ? s.finished() : s.started(), false);
  }

  /** Whether the monitor process recorded in the state still runs. */
  public boolean monitorAlive() {
    MonitorState s = state();
    return s != null && Procfs.alive(s.monitorPid(), s.monitorStart());
  }

  /** Takes the sandbox's lock (a POSIX lock on `lock`; the monitor takes it with an OFD lock, which conflicts). */
  public Lock lock() {
    try {
      FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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

  /**
   * Deletes the state directory (the caller holds the lock and checked it is not running): first
   * renamed out of the store in one step, so no other command finds it half deleted or recreates
   * its lock file in it.
   */
  void delete(boolean withFiles) throws IOException {
    Path gone = dir.resolveSibling(".removing-" + id());
    Files.move(dir, gone, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    try (var s = Files.list(gone)) {
      for (Path p : s.toList()) Files.deleteIfExists(p);
    }
    Files.deleteIfExists(gone);
    // a detached sandbox keeps its generated /etc files (files/ID) for `jbox start` until now
    if (withFiles) SandboxStore.removeFiles(dir.getParent(), id());
  }
}
