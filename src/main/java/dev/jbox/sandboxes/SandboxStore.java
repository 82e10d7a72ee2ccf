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
  /**
   * The exec template beside each record: the plan {@code jbox exec} sends for this sandbox
   * without the call's parts (command, -e, -w, -u, -t, -i, the pid), plus its name, in the
   * helper's plan format; the launcher completes it without starting a JVM (helpers/exec_fast.c).
   */
  public static final String EXEC_TEMPLATE = "exec.plan";

  /** An older jbox-oci's record of a container (read, never written: {@link SandboxRecord#ofOciState}). */
  static final String OCI_LEGACY_STATE = "state.json";

  private final Path root;
  private final Path containers;
  /** A store at an OCI engine's --root: runc's ids, no image store, its own files named with '@' (no id has it). */
  private final boolean oci;

  private SandboxStore(Path root, Path containers) {
    this(root, containers, false);
  }

  private SandboxStore(Path root, Path containers, boolean oci) {
    this.root = root;
    this.containers = containers;
    this.oci = oci;
  }

  /**
   * The store of jbox-oci's containers at {@code root} (an engine's {@code --root}, or
   * jbox-oci's default): the same records, locks and removal as the user's store, but the
   * directory is the engine's (created if missing, never re-moded), ids are runc's (any {@link
   * SandboxRecord.Oci#validId}), there is no image store, and the store's own files ({@code @lock},
   * {@code @removing-ID}) carry a character no id can have.
   */
  public static SandboxStore atOciRoot(Path root) {
    return new SandboxStore(root, null, true);
  }

  /** Whether this store is an OCI engine's root ({@link #atOciRoot}). */
  public boolean ociRoot() {
    return oci;
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

  /** Where an image sandbox's record and writable layer go (an OCI root has none: the runtime dir). */
  public Path containerDir(String id) {
    return containers == null ? runtimeDir(id) : containers.resolve(id);
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
  public Sandbox create(SandboxRecord r) {
    return create(r, false);
  }

  /**
   * As {@link #create(SandboxRecord)}, but null (nothing written) when another sandbox has the
   * record's name: the name is checked in the same listing, under the store's lock, that
   * recording it takes anyway (jbox shell names its sandbox after the project and takes another
   * name only then).
   */
  public Sandbox createUnlessNameTaken(SandboxRecord r) {
    return create(r, true);
  }

  @SuppressWarnings("try")
  private Sandbox create(SandboxRecord r, boolean nullIfTaken) {
    try (Sandbox.Lock l = storeLock()) {
      if (r.name() != null) {
        Sandbox user = nameUser(r.name(), r.id());
        if (user != null && nullIfTaken) return null;
        if (user != null) throw nameInUse(r.name(), user);
      }
      Path dir = runtimeDir(r.id());
      mkPrivateDir(dir); // the builder may have made it for the sandbox's generated /etc files
      writeJson(dir, r);
      writeExecTemplate(dir, r);
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
      writeExecTemplateQuietly(dir, r);
    } else {
      try (Sandbox.Lock l = storeLock()) {
        checkNameFree(r.name(), r.id());
        Containers.recordSandbox(dir, r.toJson(), rmMarker);
        writeExecTemplate(dir, r);
      } catch (IOException e) {
        throw new JboxException("lock " + root + ": " + e.getMessage());
      }
    }
    return new Sandbox(r, dir, runtimeDir(r.id()));
  }

  /**
   * Records a sandbox in a runtime directory that must not exist yet (jbox-oci's create: an
   * existing id is refused, runc's message: the mkdir decides), a name under the store's lock; the directory is removed
   * again if the record cannot be written.
   */
  @SuppressWarnings("try")
  public Sandbox createNew(SandboxRecord r) {
    Path dir = runtimeDir(r.id());
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new JboxException("create the state directory `" + root + "`: " + e.getMessage());
    }
    // the id is unique by the mkdir; the store's lock only for a name (an engine's root gets no lock file otherwise)
    try (Sandbox.Lock l = r.name() != null ? storeLock() : null) {
      if (r.name() != null) checkNameFree(r.name(), r.id());
      try {
        Files.createDirectory(dir);
      } catch (FileAlreadyExistsException e) {
        throw new JboxException("container with id `" + r.id() + "` already exists");
      }
      try {
        writeJson(dir, r);
      } catch (IOException e) {
        deleteFlat(dir);
        throw e;
      }
      return new Sandbox(r, dir, dir);
    } catch (IOException e) {
      throw new JboxException("create the state of " + r.id() + " in `" + dir + "`: " + e.getMessage());
    }
  }

  /** Gives a sandbox another name (unique across kinds), rewriting its record. */
  @SuppressWarnings("try")
  public Sandbox rename(Sandbox s, String name) {
    validName(name);
    try (Sandbox.Lock l = storeLock()) {
      checkNameFree(name, s.id());
      SandboxRecord r = s.record().withName(name);
      writeJson(s.home(), r);
      writeExecTemplate(s.home(), r);
      return new Sandbox(r, s.home(), s.runtimeDir());
    } catch (IOException e) {
      throw new JboxException("rename sandbox " + s.label() + ": " + e.getMessage());
    }
  }

  private static void writeJson(Path dir, SandboxRecord r) throws IOException {
    Path tmp = dir.resolve(RECORD + ".tmp");
    dev.jbox.SmallFiles.writeString(tmp, recordText(r.toJson()));
    Files.move(tmp, dir.resolve(RECORD), StandardCopyOption.ATOMIC_MOVE);
  }

  /** The text of a record's config.json ({@link SandboxRecord#toJson}; ShellSandboxes.recordTemplate). */
  static String recordText(Map<String, Object> json) {
    return Json.pretty(json) + "\n";
  }

  /**
   * Writes (or replaces) the exec template of record r in its home (through a temporary file and
   * a rename: the launcher reads all of it or the old one). Under the store's lock wherever the
   * name can change, so a template's name is the record's. A record without process rules (an
   * older jbox's) gets none, and exec goes through the JVM, which says why.
   */
  static void writeExecTemplate(Path home, SandboxRecord r) throws IOException {
    java.io.File t = new java.io.File(home.toFile(), EXEC_TEMPLATE);
    if (r.process() == null) {
      t.delete();
      return;
    }
    byte[] plan;
    try {
      plan = execTemplate(r.process(), r.name());
    } catch (JboxException e) {
      t.delete(); // rules exec would refuse: the JVM says so
      return;
    }
    // java.io, as Containers.recordSandbox: this is on the run path
    java.io.File tmp = new java.io.File(home.toFile(), EXEC_TEMPLATE + ".tmp");
    try (java.io.FileOutputStream o = new java.io.FileOutputStream(tmp)) {
      o.write(plan);
    }
    if (!tmp.renameTo(t)) throw new IOException("cannot rename " + tmp);
  }

  /** The exec template of a sandbox with these process rules and name (null: none). */
  static byte[] execTemplate(SandboxRecord.Process p, String name) {
    return dev.jbox.helper.PlanWriter.encodeWithoutArgv(SandboxService.execPlan(p, List.of("-"), List.of(), null, null, false, false),
        List.of(new dev.jbox.helper.PlanWriter.Extra(dev.jbox.helper.PlanWriter.T_EXECNAME, name == null ? "" : name)));
  }

  /** As {@link #writeExecTemplate}, an I/O failure a one-line error. */
  static void writeExecTemplateQuietly(Path home, SandboxRecord r) {
    try {
      writeExecTemplate(home, r);
    } catch (IOException e) {
      throw new JboxException("record sandbox " + r.shortId() + ": " + e.getMessage());
    }
  }

  private void checkNameFree(String name, String id) {
    Sandbox user = nameUser(name, id);
    if (user != null) throw nameInUse(name, user);
  }

  /** The sandbox other than {@code id} that has this name, or null. */
  private Sandbox nameUser(String name, String id) {
    for (Sandbox s : list()) if (name.equals(s.name()) && !s.id().equals(id)) return s;
    return null;
  }

  private static JboxException nameInUse(String name, Sandbox s) {
    return new JboxException("the name `" + name + "` is in use by sandbox " + s.shortId() + " (jbox rm " + name + " frees it)");
  }

  private Sandbox.Lock storeLock() throws IOException {
    FileChannel ch = FileChannel.open(root.resolve(oci ? "@lock" : ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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
    if (containers != null) {
      for (Path dir : entries(containers, false)) {
        Sandbox s = load(dir, runtimeDir(dir.getFileName().toString()), false);
        if (s != null) byId.put(s.id(), s);
      }
    }
    for (Path dir : entries(root, oci)) {
      if (byId.containsKey(dir.getFileName().toString())) continue; // an image sandbox that ran detached
      Sandbox s = load(dir, dir, oci);
      if (s != null) byId.put(s.id(), s);
    }
    List<Sandbox> out = new ArrayList<>(byId.values());
    out.sort(OLDEST_FIRST);
    return out;
  }

  private static List<Path> entries(Path dir, boolean ociIds) {
    List<Path> out = new ArrayList<>();
    String[] names = dir.toFile().list();
    if (names == null) return out;
    for (String n : names) if (ociIds ? SandboxRecord.Oci.validId(n) : Containers.isSandboxId(n)) out.add(dir.resolve(n));
    return out;
  }

  private static Sandbox load(Path home, Path runtime, boolean oci) {
    try {
      Map<String, Object> m = Json.parseObject(dev.jbox.SmallFiles.readString(home.resolve(RECORD)));
      m.put("id", home.getFileName().toString());
      SandboxRecord r = SandboxRecord.of(m);
      // a user's store holds no OCI container, an OCI root nothing else
      if ((r.kind() == SandboxRecord.Kind.OCI) != oci) return null;
      return new Sandbox(r, home, runtime);
    } catch (NoSuchFileException e) {
      return oci ? loadLegacyOci(home) : null;
    } catch (IOException | RuntimeException e) {
      return null; // no record (yet), or being removed
    }
  }

  /** A container an older jbox-oci made (its state.json), or null. */
  private static Sandbox loadLegacyOci(Path home) {
    try {
      Map<String, Object> m = Json.parseObject(dev.jbox.SmallFiles.readString(home.resolve(OCI_LEGACY_STATE)));
      m.put("id", home.getFileName().toString());
      return new Sandbox(SandboxRecord.ofOciState(m), home, home);
    } catch (IOException | RuntimeException e) {
      return null;
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
    if (oci) return SandboxRecord.Oci.validId(id) ? load(runtimeDir(id), runtimeDir(id), true) : null;
    if (!Containers.isSandboxId(id)) return null;
    Sandbox s = load(containerDir(id), runtimeDir(id), false);
    return s != null ? s : load(runtimeDir(id), runtimeDir(id), false);
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
        Path gone = dir.resolveSibling((oci ? "@removing-" : ".removing-") + s.id());
        Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
        deleteFlat(gone);
      } catch (NoSuchFileException e) {
        // removed meanwhile
      } catch (IOException e) {
        throw new JboxException("remove sandbox " + s.label() + ": " + e.getMessage());
      }
    }
    if (oci) return; // no generated /etc files (and "files" may be a container's id there)
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
