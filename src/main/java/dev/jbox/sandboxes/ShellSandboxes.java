package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The running project sandboxes of {@code jbox shell}, one per project, in {@code
 * $XDG_RUNTIME_DIR/jbox/shells/}: {@code ID.state} is the foreground monitor's lock and state
 * file (helpers/PROTOCOL.md, tag 25: OFD-locked while the sandbox lives, its pid 1 recorded once
 * it runs) and {@code ID.json} names the project. Everything that records or lists shell
 * sandboxes is here, so it can move into the one typed sandbox record as a kind "shell".
 */
public final class ShellSandboxes {
  private ShellSandboxes() {}

  /** A running project sandbox. */
  public record Entry(String projectId, String name, String project, long created, MonitorState state) {}

  /** The directory of the records (created 0700); --image sessions keep their upper layer here too. */
  public static Path dir(Path stateRoot) {
    Path d = stateRoot.resolve("shells");
    SandboxStore.mkPrivate(d, dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0]);
    return d;
  }

  /** The lock and state file of the project's sandbox (the directory is created). */
  public static Path lockFile(Path stateRoot, String projectId) {
    return dir(stateRoot).resolve(projectId + ".state");
  }

  /** Records which project the sandbox is, for ps. */
  public static void describe(Path stateRoot, String projectId, String name, Path project) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("project", project.toString());
    m.put("created", System.currentTimeMillis());
    try {
      Path f = dir(stateRoot).resolve(projectId + ".json");
      Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
      Files.writeString(tmp, Json.write(m), StandardCharsets.UTF_8);
      Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new JboxException("shell: record the sandbox: " + e.getMessage());
    }
  }

  /**
   * The state of the sandbox whose lock file this is, when it runs (its lock held and its pid 1
   * recorded and alive); else null. A sandbox still starting (locked, nothing recorded yet) is
   * waited for up to 2 s.
   */
  public static MonitorState running(Path lockFile) {
    for (int i = 0; i < 200; i++) {
      if (!held(lockFile)) return null;
      MonitorState s = read(lockFile);
      if (s != null && s.status().equals("running") && s.pid() > 0) {
        return Procfs.startTime(s.pid()) == s.pidStart() ? s : null;
      }
      if (s != null && !s.status().equals("running")) return null;
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    throw new JboxException("shell: the project's sandbox is starting or stuck (`" + lockFile + "` is locked and records no pid)");
  }

  /** Every running project sandbox. */
  public static List<Entry> list(Path stateRoot) {
    List<Entry> out = new ArrayList<>();
    File[] files = stateRoot.resolve("shells").toFile().listFiles();
    if (files == null) return out;
    for (File f : files) {
      String n = f.getName();
      if (!n.endsWith(".state")) continue;
      String id = n.substring(0, n.length() - 6);
      MonitorState s = held(f.toPath()) ? read(f.toPath()) : null;
      if (s == null || !s.status().equals("running") || Procfs.startTime(s.pid()) != s.pidStart()) continue;
      Map<String, Object> d;
      try {
        d = Json.parseObject(Files.readString(f.toPath().resolveSibling(id + ".json"), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        d = Map.of();
      }
      out.add(new Entry(id, String.valueOf(d.getOrDefault("name", id)), String.valueOf(d.getOrDefault("project", "")),
          d.get("created") instanceof Number c ? c.longValue() : s.started(), s));
    }
    return out;
  }

  private static MonitorState read(Path lockFile) {
    try {
      String text = Files.readString(lockFile, StandardCharsets.UTF_8);
      return text.isBlank() ? null : MonitorState.of(Json.parseObject(text));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The lock probe of ContainerLock: a POSIX lock conflicts with the monitor's OFD lock. */
  static boolean held(Path lockFile) {
    return ContainerLock.heldFile(lockFile);
  }
}
