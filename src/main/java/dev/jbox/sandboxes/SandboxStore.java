package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandbox.idmap.ProcStatus;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The state of every sandbox of this user: {@code $XDG_RUNTIME_DIR/jbox/<id>/}, or {@code
 * /tmp/jbox-run-<uid>/<id>/} (0700, ours, not a symlink) with a warning when XDG_RUNTIME_DIR is unset.
 */
public final class SandboxStore {
  /** Compiled on first use, not when `jbox run` opens the store (dev.jbox.Text says why). */
  private static final class Patterns {
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
  }
  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

  private final Path root;

  private SandboxStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** Opens (creating) the store for this user; {@code warn} (may be null) gets the fallback warning. */
  public static SandboxStore open(Map<String, String> env, Consumer<String> warn) {
    String xdg = env.get("XDG_RUNTIME_DIR");
    long uid = ProcStatus.uidGid()[0];
    if (xdg != null && !xdg.isEmpty() && xdg.startsWith("/") && Files.isDirectory(Path.of(xdg))) {
      Path root = Path.of(xdg, "jbox");
      mkPrivate(root, uid);
      return new SandboxStore(root);
    }
    Path root = Path.of("/tmp/jbox-run-" + uid);
    if (warn != null) warn.accept("XDG_RUNTIME_DIR is unset; sandbox state is kept in " + root);
    mkPrivate(root, uid);
    return new SandboxStore(root);
  }

  /** Creates dir 0700 if missing; refuses one that is a symlink, not ours, or open to others. */
  static void mkPrivate(Path dir, long uid) {
    try {
      Map<String, Object> a = attributes(dir);
      if (a == null) {
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException e) {
          // created meanwhile: checked below
        }
        a = attributes(dir);
        if (a == null) throw new JboxException("state directory `" + dir + "` vanished while it was created");
      }
      if (!Boolean.TRUE.equals(a.get("isDirectory"))) {
        throw new JboxException("state directory `" + dir + "` is not a directory (a symlink?): remove it");
      }
      Object owner = a.get("uid");
      if (((Number) owner).longValue() != uid) {
        throw new JboxException("state directory `" + dir + "` belongs to uid " + owner + ", not to you");
      }
      if ((((Number) a.get("mode")).intValue() & 077) != 0) {
        throw new JboxException("state directory `" + dir + "` is open to other users (mode must be 0700)");
      }
    } catch (IOException e) {
      throw new JboxException("state directory `" + dir + "`: " + e.getMessage());
    }
  }

  /** uid, mode and type of path itself (not a symlink's target) in one lstat, or null if absent. */
  private static Map<String, Object> attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, "unix:uid,mode,isDirectory", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  /** Checks a --name value. */
  public static String validName(String name) {
    if (name == null) return null;
    if (!Patterns.NAME.matcher(name).matches() || name.length() > 128) {
      throw new JboxException("--name `" + name + "`: must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 128 characters)");
    }
    if (name.matches("[0-9a-f]{12,64}")) throw new JboxException("--name `" + name + "`: looks like a sandbox id");
    return name;
  }

  /** Creates the state directory of a new sandbox and writes its config.json; names are unique. */
  public Sandbox create(String id, String name, Map<String, Object> config) {
    return create(id, name, config, n -> { });
  }

  /**
   * As {@link #create(String, String, Map)}; {@code nameFree} also checks the name under the
   * store's lock (throwing when another kind of sandbox, a kept image sandbox, has it).
   */
  @SuppressWarnings("try")
  public Sandbox create(String id, String name, Map<String, Object> config, Consumer<String> nameFree) {
    try (Sandbox.Lock l = storeLock()) {
      if (name != null) {
        checkNameFree(name, id);
        nameFree.accept(name);
      }
      Path dir = root.resolve(id);
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
      Path tmp = dir.resolve("config.json.tmp");
      Files.writeString(tmp, Json.pretty(config) + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.ATOMIC_MOVE);
      return new Sandbox(dir, config);
    } catch (IOException e) {
      throw new JboxException("create the state of sandbox " + id.substring(0, 12) + ": " + e.getMessage());
    }
  }

  /**
   * Runs {@code body} under the store's lock after checking that no sandbox of the store has the
   * name: how a foreground image sandbox takes a name, which {@link #create} checks under the same lock.
   */
  @SuppressWarnings("try")
  public void withName(String name, Runnable body) {
    try (Sandbox.Lock l = storeLock()) {
      checkNameFree(name, null);
      body.run();
    } catch (IOException e) {
      throw new JboxException("lock " + root + ": " + e.getMessage());
    }
  }

  private void checkNameFree(String name, String id) {
    for (Sandbox s : list()) {
      if (name.equals(s.name()) && !s.id().equals(id)) {
        throw new JboxException("the name `" + name + "` is in use by sandbox " + s.shortId() + " (jbox rm " + name + " frees it)");
      }
    }
  }

  /** Removes a sandbox's generated /etc files ({@code files/<id>}, kept for `jbox start` until `jbox rm`). */
  public void removeFiles(String id) throws IOException {
    removeFiles(root, id);
  }

  /** As {@link #removeFiles(String)} for the store at {@code root}. */
  public static void removeFiles(Path root, String id) throws IOException {
    Path files = root.resolve("files").resolve(id);
    if (!Files.isDirectory(files, LinkOption.NOFOLLOW_LINKS)) return;
    try (var s = Files.list(files)) {
      for (Path p : s.toList()) Files.deleteIfExists(p);
    }
    Files.deleteIfExists(files);
  }

  private Sandbox.Lock storeLock() throws IOException {
    FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    return new Sandbox.Lock(ch, ch.lock());
  }

  /** Every sandbox with a readable config, oldest first. */
  public List<Sandbox> list() {
    List<Sandbox> out = new ArrayList<>();
    try (var s = Files.list(root)) {
      for (Path dir : s.toList()) {
        if (!Patterns.ID.matcher(dir.getFileName().toString()).matches()) continue;
        Sandbox sb = load(dir);
        if (sb != null) out.add(sb);
      }
    } catch (IOException e) {
      throw new JboxException("list " + root + ": " + e.getMessage());
    }
    out.sort(Comparator.comparingLong(Sandbox::created));
    return out;
  }

  static Sandbox load(Path dir) {
    try {
      return new Sandbox(dir, Json.parseObject(Files.readString(dir.resolve("config.json"), StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return null; // being created or removed
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Finds a sandbox by full id, name, or unique id prefix; one-line errors otherwise. */
  public Sandbox find(String ref) {
    if (ref == null || ref.isEmpty()) throw new JboxException("no sandbox name or id given");
    List<Sandbox> all = list();
    for (Sandbox s : all) if (s.id().equals(ref) || ref.equals(s.name())) return s;
    List<Sandbox> hits = new ArrayList<>();
    if (ref.matches("[0-9a-f]+")) for (Sandbox s : all) if (s.id().startsWith(ref)) hits.add(s);
    if (hits.size() == 1) return hits.get(0);
    if (hits.size() > 1) {
      throw new JboxException("`" + ref + "` is ambiguous: it starts the ids of " + hits.size() + " sandboxes (give more digits)");
    }
    throw new JboxException("no such sandbox: `" + ref + "`");
  }

  /** Removes a sandbox that is not running (under its lock; a second remover finds it gone). */
  public void remove(Sandbox s) {
    remove(s, true);
  }

  /**
   * Removes the state directory of a sandbox that never ran from it, keeping its generated /etc
   * files: a foreground image sandbox whose first jbox start did not reach the helper stays as it was.
   */
  public void forget(Sandbox s) {
    remove(s, false);
  }

  @SuppressWarnings("try")
  private void remove(Sandbox s, boolean withFiles) {
    try (Sandbox.Lock l = s.lock()) {
      if (!Files.exists(s.dir().resolve("config.json"))) throw new JboxException("no such sandbox: `" + s.label() + "`");
      if (s.status().running()) throw new JboxException("sandbox " + s.label() + " is running: stop it first or use rm -f");
      s.delete(withFiles);
    } catch (IOException e) {
      throw new JboxException("remove sandbox " + s.label() + ": " + e.getMessage());
    }
  }
}
