package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.Procfs;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One container's directory under --root: {@code state.json} (written by create: id, bundle,
 * rootfs, created, annotations, hooks), {@code pid} ("PID STARTTIME", written by the helper once the
 * init waits on the fifo) and {@code exec.fifo} (there while the container is created, not started).
 */
final class Container {
  static final String STATE = "state.json";

  final String id;
  final Path dir;
  final Map<String, Object> record;

  private Container(String id, Path dir, Map<String, Object> record) {
    this.id = id;
    this.dir = dir;
    this.record = record;
  }

  /** runc's rule for ids: letters, digits and {@code _+-.}, not {@code .} or {@code ..}. */
  static String checkId(String id) {
    boolean ok = !id.isEmpty() && !id.equals(".") && !id.equals("..") && id.length() <= 1024;
    for (int i = 0; ok && i < id.length(); i++) {
      char c = id.charAt(i);
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.';
    }
    if (!ok) throw new JboxException("invalid container id `" + id + "`");
    return id;
  }

  static Container load(Path root, String id) {
    checkId(id);
    Path dir = root.resolve(id);
    try {
      return new Container(id, dir, Json.parseObject(Files.readString(dir.resolve(STATE))));
    } catch (NoSuchFileException e) {
      throw new JboxException("container `" + id + "` does not exist");
    } catch (IOException | RuntimeException e) {
      throw new JboxException("container `" + id + "`: unreadable state: " + e.getMessage());
    }
  }

  /** Creates the directory (refusing an existing id) and writes state.json. */
  static Container create(Path root, String id, Map<String, Object> record) {
    checkId(id);
    Path dir = root.resolve(id);
    try {
      Files.createDirectories(root);
      Files.createDirectory(dir);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new JboxException("container with id `" + id + "` already exists");
    } catch (IOException e) {
      throw new JboxException("create the container's state directory `" + dir + "`: " + e.getMessage());
    }
    Container c = new Container(id, dir, record);
    try {
      Files.writeString(dir.resolve(STATE), Json.write(record));
    } catch (IOException e) {
      c.remove();
      throw new JboxException("write " + dir.resolve(STATE) + ": " + e.getMessage());
    }
    return c;
  }

  /** {pid, starttime} of the init, or null before the helper recorded it. */
  long[] pid() {
    try {
      String[] f = Files.readString(dir.resolve("pid")).trim().split(" ");
      return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** creating, created, running or stopped (runtime-spec's status strings). */
  String status() {
    long[] p = pid();
    if (p == null) return "creating";
    if (!Procfs.alive(p[0], p[1])) return "stopped";
    return Files.exists(dir.resolve("exec.fifo")) ? "created" : "running";
  }

  /** The state as runtime-spec's {@code state} prints it (with runc's extra fields). */
  Map<String, Object> state() {
    Map<String, Object> s = new LinkedHashMap<>();
    String status = status();
    long[] p = pid();
    s.put("ociVersion", record.get("ociVersion"));
    s.put("id", id);
    s.put("pid", p != null && !status.equals("stopped") ? p[0] : 0L);
    s.put("status", status);
    s.put("bundle", record.get("bundle"));
    s.put("rootfs", record.get("rootfs"));
    s.put("created", record.get("created"));
    s.put("owner", "");
    Object a = record.get("annotations");
    if (a instanceof Map<?, ?> m && !m.isEmpty()) s.put("annotations", a);
    return s;
  }

  @SuppressWarnings("unchecked")
  List<Object> hooks(String kind) {
    Object h = record.get("hooks");
    if (!(h instanceof Map<?, ?> m) || !(m.get(kind) instanceof List<?> l)) return List.of();
    return (List<Object>) l;
  }

  /** Removes the directory and what the helper put there. */
  void remove() {
    for (String f : List.of("exec.fifo", "pid", "pid.tmp", STATE)) {
      try {
        Files.deleteIfExists(dir.resolve(f));
      } catch (IOException e) {
        // reported by the directory's removal below
      }
    }
    try {
      Files.deleteIfExists(dir);
    } catch (DirectoryNotEmptyException e) {
      throw new JboxException("remove " + dir + ": not empty");
    } catch (IOException e) {
      throw new JboxException("remove " + dir + ": " + e.getMessage());
    }
  }
}
