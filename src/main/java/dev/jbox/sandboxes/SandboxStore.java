package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageStore;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every sandbox of this user, of every kind, and where each is kept: records in the image store's
 * {@code containers/<id>/} (image sandboxes) or in the runtime directory {@code
 * $XDG_RUNTIME_DIR/jbox/<id>/} (any other), which also holds detached monitors' files. The runtime
 * directory is {@code /tmp/jbox-run-<uid>/} (0700, ours, not a symlink) with a warning when
 * XDG_RUNTIME_DIR is unset. Names are unique across kinds, checked under the lock {@code .lock} of
 * the runtime directory.
 */
public final class SandboxStore {
  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
  static final String RECORD = "config.json";

  private final Path root;
  private final Path containers;

  private SandboxStore(Path root, Path containers) {
    this.root = root;
    this.containers = containers;
  }

  /** The runtime directory. */
  public Path root() {
    return root;
  }

  /** The image store's containers/ directory (which may not exist: ps and rm create no image store). */
  public Path containersDir() {
    return containers;
  }

  /** Where a sandbox's runtime files go. */
  public Path runtimeDir(String id) {
    return root.resolve(id);
  }

  /** Where an image sandbox's record and writable layer go. */
  public Path containerDir(String id) {
    return containers.resolve(id);
  }

  /** Opens (creating) the runtime directory for this user; {@code warn} (may be null) gets the fallback warning. */
  public static SandboxStore open(Map<String, String> env, Consumer<String> warn) {
    Path containers = ImageStore.defaultRoot(env).resolve("containers");
    String xdg = env.get("XDG_RUNTIME_DIR");
    long uid = ProcStatus.uidGid()[0];
    if (xdg != null && !xdg.isEmpty() && xdg.startsWith("/") && Files.isDirectory(Path.of(xdg))) {
      Path root = Path.of(xdg, "jbox");
      mkPrivate(root, uid);
      return new SandboxStore(root, containers);
    }
    Path root = Path.of("/tmp/jbox-run-" + uid);
    if (warn != null) warn.accept("XDG_RUNTIME_DIR is unset; sandbox state is kept in " + root);
    mkPrivate(root, uid);
    return new SandboxStore(root, containers);
  }

  /**
   * The store without creating or checking the runtime directory: for the image commands, which
   * only read it (to tell a detached sandbox from a leftover) and must work where it cannot be made.
   */
  public static SandboxStore locate(Map<String, String> env) {
    String xdg = env.get("XDG_RUNTIME_DIR");
    Path root = xdg != null && !xdg.isEmpty() && xdg.startsWith("/") ? Path.of(xdg, "jbox")
        : Path.of("/tmp/jbox-run-" + ProcStatus.uidGid()[0]);
    return new SandboxStore(root, ImageStore.defaultRoot(env).resolve("containers"));
  }

  /**
   * Creates dir 0700 if missing, tightens one of ours that is open to others to 0700
   * ({@link dev.jbox.PrivateDirs}); refuses one that is a symlink or not ours.
   */
  static void mkPrivate(Path dir, long uid) {
    try {
      Map<String, Object> a;
      try {
        a = dev.jbox.PrivateDirs.ensure(dir, false);
      } catch (java.nio.file.AccessDeniedException e) {
        a = attributes(dir); // not ours: said below
        if (a == null) throw e;
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

  /** Creates a sandbox's own directory, 0700 (an existing one is fine). */
  static void mkPrivateDir(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
    } catch (FileAlreadyExistsException e) {
      // a second command made it first
    }
  }

  /** uid, mode and type of path itself (not a symlink's target) in one lstat, or null if absent. */
  private static Map<String, Object> attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, "unix:uid,mode,isDirectory", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Checks a --name value. */
  public static String validName(String name) {
    if (name == null) return null;
    if (name.isEmpty() || !dev.jbox.Text.isAsciiAlnum(name.charAt(0)) || !dev.jbox.Text.isAlnumOr(name, "_.-")
        || name.length() > 128) {
      throw new JboxException("--name `" + name + "`: must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 128 characters)");
    }
    if (dev.jbox.Text.isHex(name, 12, 64)) throw new JboxException("--name `" + name + "`: looks like a sandbox id");
    return name;
  }

  // --- creating -------------------------------------------------------------------------------

  /**
   * Records a sandbox whose home is its runtime directory (created with its config.json under the
   * store's lock, the name checked there against every sandbox).
   */
  @SuppressWarnings("try")
  public Sandbox create(SandboxRecord r) {
    try (Sandbox.Lock l = storeLock()) {
      if (r.name() != null) checkNameFree(r.name(), r.id());
      Path dir = runtimeDir(r.id());
      mkPrivateDir(dir); // the builder may have made it for the sandbox's generated /etc files
      writeJson(dir, r);
      return new Sandbox(r, dir, dir);
    } catch (IOException e) {
      throw new JboxException("create the state of sandbox " + r.shortId() + ": " + e.getMessage());
    }
  }

  /**
   * Records an image sandbox in containers/ID/ ({@link Containers}), which the builder created,
   * before its plan goes to the helper: the rm marker first, then config.json through a temporary
   * file and a rename, so a reader sees all of it or nothing. A name is checked under the store's
   * lock against every sandbox. rmMarker: the sweep may take it once it is unlocked and a minute old. (java.io on this path: see {@link Containers#recordSandbox}.)
   */
  @SuppressWarnings("try")
  public Sandbox createInImageStore(SandboxRecord r, boolean rmMarker) {
    Path dir = containerDir(r.id());
    if (r.name() == null) {
      Containers.recordSandbox(dir, r.toJson(), rmMarker);
    } else {
      try (Sandbox.Lock l = storeLock()) {
        checkNameFree(r.name(), r.id());
        Containers.recordSandbox(dir, r.toJson(), rmMarker);
      } catch (IOException e) {
        throw new JboxException("lock " + root + ": " + e.getMessage());
      }
    }
    return new Sandbox(r, dir, runtimeDir(r.id()));
  }

  /** Gives a sandbox another name (unique across kinds), rewriting its record. */
  @SuppressWarnings("try")
  public Sandbox rename(Sandbox s, String name) {
    validName(name);
    try (Sandbox.Lock l = storeLock()) {
      checkNameFree(name, s.id());
      SandboxRecord r = s.record().withName(name);
      writeJson(s.home(), r);
      return new Sandbox(r, s.home(), s.runtimeDir());
    } catch (IOException e) {
      throw new JboxException("rename sandbox " + s.label() + ": " + e.getMessage());
    }
  }

  private static void writeJson(Path dir, SandboxRecord r) throws IOException {
    Path tmp = dir.resolve(RECORD + ".tmp");
    Files.writeString(tmp, Json.pretty(r.toJson()) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(RECORD), StandardCopyOption.ATOMIC_MOVE);
  }

  private void checkNameFree(String name, String id) {
    for (Sandbox s : list()) {
      if (name.equals(s.name()) && !s.id().equals(id)) {
        throw new JboxException("the name `" + name + "` is in use by sandbox " + s.shortId() + " (jbox rm " + name + " frees it)");
      }
    }
  }

  private Sandbox.Lock storeLock() throws IOException {
    FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    return new Sandbox.Lock(ch, ch.lock());
  }

  // --- finding --------------------------------------------------------------------------------

  /** By creation time (a class, not a lambda: jbox shell lists sandboxes on its start-up path). */
  private static final Comparator<Sandbox> OLDEST_FIRST = new Comparator<Sandbox>() {
    @Override
    public int compare(Sandbox a, Sandbox b) {
      return Long.compare(a.record().created(), b.record().created());
    }
  };

  /** Every sandbox with a readable record, of every kind, oldest first. */
  public List<Sandbox> list() {
    Map<String, Sandbox> byId = new LinkedHashMap<>();
    for (Path dir : entries(containers)) {
      Sandbox s = load(dir, runtimeDir(dir.getFileName().toString()));
      if (s != null) byId.put(s.id(), s);
    }
    for (Path dir : entries(root)) {
      if (byId.containsKey(dir.getFileName().toString())) continue; // an image sandbox that ran detached
      Sandbox s = load(dir, dir);
      if (s != null) byId.put(s.id(), s);
    }
    List<Sandbox> out = new ArrayList<>(byId.values());
    out.sort(OLDEST_FIRST);
    return out;
  }

  private static List<Path> entries(Path dir) {
    List<Path> out = new ArrayList<>();
    String[] names = dir.toFile().list();
    if (names == null) return out;
    for (String n : names) if (Containers.isSandboxId(n)) out.add(dir.resolve(n));
    return out;
  }

  private static Sandbox load(Path home, Path runtime) {
    try {
      Map<String, Object> m = Json.parseObject(Files.readString(home.resolve(RECORD), StandardCharsets.UTF_8));
      m.put("id", home.getFileName().toString());
      return new Sandbox(SandboxRecord.of(m), home, runtime);
    } catch (IOException | RuntimeException e) {
      return null; // no record (yet), or being removed
    }
  }

  /** Finds a sandbox by full id, name, or unique id prefix; one-line errors otherwise. */
  public Sandbox find(String ref) {
    Sandbox s = findOrNull(ref);
    if (s == null) throw new JboxException("no such sandbox: `" + ref + "`");
    return s;
  }

  /** As {@link #find} but null when nothing matches (an ambiguous prefix is still an error). */
  public Sandbox findOrNull(String ref) {
    if (ref == null || ref.isEmpty()) throw new JboxException("no sandbox name or id given");
    List<Sandbox> all = list();
    for (Sandbox s : all) if (s.id().equals(ref) || ref.equals(s.name())) return s;
    List<Sandbox> hits = new ArrayList<>();
    if (dev.jbox.Text.isHex(ref, 1, 64)) for (Sandbox s : all) if (s.id().startsWith(ref)) hits.add(s);
    if (hits.size() == 1) return hits.get(0);
    if (hits.size() > 1) {
      throw new JboxException("`" + ref + "` is ambiguous: it starts the ids of " + hits.size() + " sandboxes (give more digits)");
    }
    return null;
  }

  /** The sandbox with this full id as it is recorded now, or null. */
  public Sandbox get(String id) {
    if (!Containers.isSandboxId(id)) return null;
    Sandbox s = load(containerDir(id), runtimeDir(id));
    return s != null ? s : load(runtimeDir(id), runtimeDir(id));
  }

  /** The image ids (or manifest digests) sandboxes use: their names or short ids, for rmi and prune. */
  public List<String> users(String imageId, String manifestDigest) {
    List<String> out = new ArrayList<>();
    for (Sandbox s : list()) {
      String i = s.record().imageId();
      if (i != null && (i.equals(imageId) || i.equals(manifestDigest))) out.add(s.label());
    }
    return out;
  }

  // --- removing -------------------------------------------------------------------------------

  /**
   * Deletes a sandbox's runtime directory and its generated /etc files (the caller checked it is
   * not running): renamed out of the store first, in one step, so no other command finds it half
   * deleted or recreates its lock file in it. Under the sandbox's lock.
   */
  @SuppressWarnings("try")
  public void removeRuntime(Sandbox s) {
    Path dir = s.runtimeDir();
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      try (Sandbox.Lock l = s.lock()) {
        if (s.status().running()) throw new JboxException("sandbox " + s.label() + " is running: stop it first or use rm -f");
        Path gone = dir.resolveSibling(".removing-" + s.id());
        Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
        deleteFlat(gone);
      } catch (NoSuchFileException e) {
        // removed meanwhile
      } catch (IOException e) {
        throw new JboxException("remove sandbox " + s.label() + ": " + e.getMessage());
      }
    }
    try {
      removeFiles(s.id());
    } catch (IOException e) {
      throw new JboxException("remove sandbox " + s.label() + ": " + e.getMessage());
    }
  }

  /**
   * Removes the runtime directory of a sandbox whose first detached start did not reach the
   * helper, keeping its generated /etc files: it stays what it was.
   */
  public void forgetRuntime(Sandbox s) {
    forgetRuntime(s.runtimeDir());
  }

  /** As {@link #forgetRuntime(Sandbox)} for a runtime directory that has no record yet. */
  public void forgetRuntime(Path dir) {
    try {
      deleteFlat(dir);
    } catch (IOException e) {
      // gone already
    }
  }

  /** Deletes a directory of jbox's own files and their subdirectories (never following a symlink). */
  static void deleteFlat(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (var s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) deleteFlat(p);
        else Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  /** Removes a sandbox's generated /etc files ({@code files/<id>}, kept for `jbox start` until `jbox rm`). */
  public void removeFiles(String id) throws IOException {
    deleteFlat(root.resolve("files").resolve(id));
  }
}
