package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The sandboxes of {@code jbox shell}: records of kind {@link SandboxRecord.Kind#SHELL} in the
 * runtime directory like any other ({@code $XDG_RUNTIME_DIR/jbox/<id>/config.json}, the foreground
 * monitor's lock and state file {@code fgstate} beside it), so ps, inspect, exec, ns, top, stop,
 * kill, wait and rm reach them by name or id. What is the shell's own:
 *
 * <ul>
 *   <li>{@code <id>/project}: the project's id (first line) and directory (second line).
 *   <li>{@code projects/<project id>}: a symlink whose target is the id of the project's sandbox
 *       (a bare 64-digit id, not a path): "one sandbox per project" follows it, and so can the
 *       launcher's C code with one readlink, then {@code <id>/fgstate} (locked while it runs, its
 *       pid 1 recorded in it) and {@code <id>/config.json}. A link to a sandbox that ended or is
 *       gone is stale: the next shell of the project replaces it.
 *   <li>{@code projects/<project id>.lock}: held (a POSIX lock) by a {@code jbox shell} while it
 *       looks for the project's sandbox and records a new one, so two shells started at once in
 *       one project make one sandbox.
 *   <li>{@code projects/<project id>.others}: an empty file, there while the project may have a
 *       sandbox its link does not name (a {@code --new} one, or one whose removal failed or that
 *       was still starting when the link moved on); made before such a record is written.
 * </ul>
 *
 * A shell sandbox's record stays when it ends ({@code ps -a} shows its exit, {@code rm} removes
 * it) until the project's next shell starts, which removes the project's ended ones first:
 * without the {@code .others} file only the linked one can be the project's, and nothing else is
 * read; with it, every record is listed (and the file dropped once none of the project's is left).
 */
public final class ShellSandboxes {
  /** How long a project's sandbox that is recorded but not yet running is waited for. */
  static final long START_WAIT_MS = 10_000;

  private ShellSandboxes() {}

  /** The directory of the project links (created 0700). */
  static Path projectsDir(SandboxStore store) {
    Path d = store.root().resolve("projects");
    SandboxStore.mkPrivate(d, dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0]);
    return d;
  }

  /** The link naming the project's sandbox. */
  public static Path link(SandboxStore store, String projectId) {
    return projectsDir(store).resolve(projectId);
  }

  /** The lock and state file a new shell sandbox's plan names (LOCKFILE): {@link Sandbox#lockFile()} of its record. */
  public static Path lockFile(SandboxStore store, String id) {
    return store.runtimeDir(id).resolve("fgstate");
  }

  /** Takes the project's lock (released by close, or when this JVM exits before the helper runs the plan). */
  public static Sandbox.Lock lockProject(SandboxStore store, String projectId) {
    try {
      FileChannel ch = FileChannel.open(projectsDir(store).resolve(projectId + ".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      return new Sandbox.Lock(ch, ch.lock());
    } catch (IOException e) {
      throw new JboxException("shell: lock the project's sandbox: " + e.getMessage());
    }
  }

  /**
   * The project's running sandbox, or null. One that is recorded but not running yet (its jbox
   * has sent the plan, the helper is setting it up) is waited for; one that stays so for {@value
   * #START_WAIT_MS} ms was never started (its jbox was killed first) and counts as none, unless
   * its lock is held (a helper that is stuck setting it up: an error).
   */
  public static Sandbox running(SandboxStore store, String projectId) {
    return running(store, linked(store, projectId));
  }

  /** As {@link #running(SandboxStore, String)} for the sandbox the project's link named ({@link #linked}), or null. */
  public static Sandbox running(SandboxStore store, Sandbox s) {
    if (s == null) return null;
    long deadline = System.nanoTime() + START_WAIT_MS * 1_000_000;
    int free = 0;
    while (true) {
      Status st = s.status();
      if (st.running()) return s.pid() != null ? s : null;
      if (st.kind() != Status.Kind.CREATED || store.get(s.id()) == null) return null;
      // the helper creates the lock file when it takes the lock: there and free (seen a few times
      // over, past the moment between its open and its lock), its setup failed
      if (Files.exists(s.lockFile()) && !ContainerLock.heldFile(s.lockFile())) {
        if (++free >= 5) return null;
      } else {
        free = 0;
      }
      if (System.nanoTime() > deadline) {
        if (ContainerLock.heldFile(s.lockFile())) {
          throw new JboxException("shell: the project's sandbox " + s.label() + " is starting or stuck (`" + s.lockFile()
              + "` is locked and records no pid)");
        }
        return null;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /** The sandbox the project's link names, whatever its state, or null. */
  public static Sandbox linked(SandboxStore store, String projectId) {
    String id;
    try {
      id = Files.readSymbolicLink(link(store, projectId)).toString();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | UnsupportedOperationException e) {
      return null; // not a link: replaced by the next shell
    }
    return store.get(id);
  }

  /**
   * Records a new shell sandbox (under the project's lock): its record, its project file, and
   * for the project's joinable sandbox (not {@code --new}) the project's link to it.
   */
  public static Sandbox record(SandboxStore store, SandboxRecord r, String projectId, Path projectDir, boolean joinable) {
    return record(store, r, projectId, projectDir, joinable, false);
  }

  /**
   * As {@link #record(SandboxStore, SandboxRecord, String, Path, boolean)}; with {@code
   * nullIfNameTaken}, null (nothing recorded) when another sandbox has the record's name.
   */
  public static Sandbox record(SandboxStore store, SandboxRecord r, String projectId, Path projectDir, boolean joinable,
      boolean nullIfNameTaken) {
    // a record the project's link will not name (--new, or the link moving on from a sandbox that
    // is still there): the .others file first, so removeEnded lists every record next time
    if (!joinable || linked(store, projectId) != null) markOthers(store, projectId);
    Sandbox s = nullIfNameTaken ? store.createUnlessNameTaken(r) : store.create(r);
    if (s == null) return null;
    try {
      Path f = s.runtimeDir().resolve("project");
      Files.writeString(f, projectId + "\n" + projectDir + "\n", StandardCharsets.UTF_8);
      if (joinable) {
        Path link = link(store, projectId);
        Path tmp = link.resolveSibling(projectId + ".new");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(r.id()));
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
      }
      return s;
    } catch (IOException | RuntimeException e) {
      store.forgetRuntime(s);
      throw new JboxException("shell: record the sandbox: " + e.getMessage());
    }
  }

  /** The join template beside a shell sandbox's record (helpers/shell_join.c). */
  public static final String JOIN_TEMPLATE = "join.plan";

  /**
   * Writes (through a temporary file and a rename) the join template of the project's sandbox:
   * {@code joinPlan} ({@link dev.jbox.sandbox.DevShell#joinTemplate}) without its command, then
   * the env-deny patterns a joining shell of the project filters with and the state of the
   * project's .jbox/shell.toml they came from. The launcher joins from it without a JVM while
   * the toml is unchanged; a failure leaves no template (every join then goes through the JVM).
   */
  public static void writeJoinTemplate(Sandbox s, dev.jbox.sandbox.Plan joinPlan, List<String> deny, String tomlState) {
    byte[] bytes = joinTemplate(joinPlan, deny, tomlState);
    Path t = s.runtimeDir().resolve(JOIN_TEMPLATE);
    Path tmp = s.runtimeDir().resolve(JOIN_TEMPLATE + ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, t, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
        Files.deleteIfExists(t);
      } catch (IOException again) {
        // the runtime directory is gone: so is the sandbox
      }
    }
  }

  /** The bytes of a join template (see {@link #writeJoinTemplate}). */
  public static byte[] joinTemplate(dev.jbox.sandbox.Plan joinPlan, List<String> deny, String tomlState) {
    List<dev.jbox.helper.PlanWriter.Extra> extras = new ArrayList<>();
    for (String d : deny) extras.add(new dev.jbox.helper.PlanWriter.Extra(dev.jbox.helper.PlanWriter.T_JOINDENY, d));
    extras.add(new dev.jbox.helper.PlanWriter.Extra(dev.jbox.helper.PlanWriter.T_JOINTOML, tomlState));
    return dev.jbox.helper.PlanWriter.encodeWithoutArgv(joinPlan, extras);
  }

  /** The first line of a prepared start's KEY (helpers/prestart.c checks it). */
  public static final String PRESTART_VERSION = "jbox-prestart 1";

  /**
   * The project's prepared start ({@code projects/<project id>.prestart/}, helpers/prestart.c):
   * in the runtime directory, the caller's own and 0700 like every record, which no shell
   * sandbox sees (its $XDG_RUNTIME_DIR is an empty tmpfs of its own, and so is /tmp, where the
   * runtime directory falls back to).
   */
  public static Path prestartDir(SandboxStore store, String projectId) {
    return projectsDir(store).resolve(projectId + ".prestart");
  }

  /**
   * Writes the KEY of the project's new sandbox (through a 0600 temporary file and a rename, in a
   * 0700 directory of the caller's): the version, a stamp of the jar and the helper that computed
   * the policy (inode, size, modification time in ns, path), then {@code key}'s lines. A path
   * with a newline or a backslash in it is not stamped: nothing is written then. Quiet on
   * failure (the next start goes through the JVM, which tries again).
   */
  public static void writePrestart(SandboxStore store, String projectId, Path jar, Path helper, List<String> key,
      java.util.Map<String, byte[]> templates) {
    if (templates == null) {
      dropPrestart(store, projectId);
      return;
    }
    writePrepared(prestartDir(store, projectId), jar, helper, key, templates, START_TEMPLATES);
  }

  /**
   * Writes a prepared KEY and its templates in dir (a project's {@link #prestartDir}, or a run's
   * {@code RunPrepared.dir}): the templates first, then the KEY, each 0600 through NAME.tmp and a
   * rename, in a 0700 directory of the caller's. Quiet on failure: the KEY and the templates
   * named in all are removed then.
   */
  public static void writePrepared(Path dir, Path jar, Path helper, List<String> key, java.util.Map<String, byte[]> templates,
      java.util.Collection<String> all) {
    try {
      StringBuilder b = new StringBuilder(PRESTART_VERSION).append('\n');
      for (Object[] f : new Object[][] {{"jar", jar}, {"helper", helper}}) {
        String path = f[1].toString();
        if (path.indexOf('\n') >= 0 || path.indexOf('\\') >= 0 || !path.startsWith("/")) {
          dropPrepared(dir, all);
          return;
        }
        java.util.Map<String, Object> a = Files.readAttributes((Path) f[1], "unix:ino,size,lastModifiedTime");
        long ns = ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        b.append(f[0]).append(' ').append(a.get("ino")).append(' ').append(a.get("size")).append(' ').append(ns).append(' ')
            .append(path).append('\n');
      }
      for (String l : key) b.append(l).append('\n');
      SandboxStore.mkPrivate(dir, dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0]);
      // the templates first, the KEY last: a KEY the launcher finds has its start's templates beside it
      Files.deleteIfExists(dir.resolve("key"));
      for (java.util.Map.Entry<String, byte[]> t : templates.entrySet()) writePrivate(dir, t.getKey(), t.getValue());
      writePrivate(dir, "key", b.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      dropPrepared(dir, all);
    }
  }

  /**
   * Writes dir/name, 0600, through name.tmp and a rename (java.io: a `jbox run` keeps its
   * templates on its path, where a FileChannel would cost it about a millisecond, SmallFiles).
   */
  private static void writePrivate(Path dir, String name, byte[] bytes) throws IOException {
    Path tmp = dir.resolve(name + ".tmp");
    Files.deleteIfExists(tmp);
    dev.jbox.SmallFiles.writeNewPrivate(tmp, bytes);
    if (!tmp.toFile().renameTo(dir.resolve(name).toFile())) throw new IOException("cannot rename " + tmp);
  }

  /**
   * The 64 bytes that stand for the sandbox's id in a start template (the id's own length: no
   * record's length changes when the launcher puts the new id in).
   */
  public static final String ID_MARKER = "@".repeat(64);

  /** The templates of a prepared start, by file name in the project's {@link #prestartDir}. */
  public static final List<String> START_TEMPLATES = List.of("start.plan", "start.project", "start.join.plan",
      "start.hostname", "start.hosts", "start.resolv.conf", "start.config.json", "start.exec.plan");

  /**
   * What a record template ({@code start.config.json}, helpers/start_records.c) has where the
   * start puts its caller's parts, each once and in this order: the command (a list), the
   * created time (a number), the environment (a list), the working directory, and the place of
   * the {@code tty} flag (an element of the flags' list, just before {@code stdin}). Each is a
   * string value, so it is written quoted, its first character (U+0001) as six characters.
   */
  public static final List<String> RECORD_TOKENS = List.of("\u0001jbox-start:command", "\u0001jbox-start:created",
      "\u0001jbox-start:env", "\u0001jbox-start:cwd", "\u0001jbox-start:tty");

  /**
   * Record r's config.json as {@link SandboxStore} writes it, with {@link #RECORD_TOKENS} in place
   * of its command, created time, environment, working directory and {@code tty} flag; null when
   * its flags have no {@code stdin}, or a token's written form is there more than once (a path
   * that holds it: the launcher could not tell the places).
   */
  public static byte[] recordTemplate(SandboxRecord r) {
    java.util.Map<String, Object> c = r.toJson();
    if (!(c.get("process") instanceof java.util.Map<?, ?>)) return null;
    c.put("command", List.of(RECORD_TOKENS.get(0)));
    c.put("created", RECORD_TOKENS.get(1));
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> p = (java.util.Map<String, Object>) c.get("process");
    p.put("env", List.of(RECORD_TOKENS.get(2)));
    p.put("cwd", RECORD_TOKENS.get(3));
    List<Object> flags = new ArrayList<>();
    for (Object f : (List<?>) p.get("flags")) {
      if (f.equals("stdin")) flags.add(RECORD_TOKENS.get(4));
      if (!f.equals("tty")) flags.add(f);
    }
    if (!flags.contains(RECORD_TOKENS.get(4))) return null;
    p.put("flags", flags);
    String text = SandboxStore.recordText(c);
    for (String t : RECORD_TOKENS) {
      String q = dev.jbox.json.Json.write(t);
      int at = text.indexOf(q);
      if (at < 0 || text.indexOf(q, at + 1) >= 0) return null;
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Record r's exec template ({@code exec.plan}) as it would be for the environment and working
   * directory of plan template t ({@link dev.jbox.sandbox.DevShell#startTemplate}): its ENV and
   * CWD records lead, and the launcher puts the start's own in their place.
   */
  public static byte[] execTemplate(SandboxRecord r, dev.jbox.sandbox.Plan t) {
    SandboxRecord.Process p = r.process();
    return SandboxStore.execTemplate(new SandboxRecord.Process(t.env(), t.cwd(), p.user(), p.capabilities(), p.flags(),
        p.rlimits()), r.name());
  }

  /**
   * The templates of the start just made (plan bytes {@code startPlan}, {@link
   * dev.jbox.sandbox.DevShell#startTemplate} encoded without its command; the records the start
   * wrote for sandbox {@code id}), each with {@link #ID_MARKER} where {@code id} was; null when
   * a record is missing, or the marker was there before (a path with 64 {@code @} in a row:
   * the launcher could not tell it from the id's place).
   */
  public static java.util.Map<String, byte[]> startTemplates(dev.jbox.sandbox.Plan template, byte[] startPlan, Sandbox s,
      Path filesDir) {
    String id = s.id();
    java.util.Map<String, byte[]> t = new java.util.LinkedHashMap<>();
    try {
      t.put("start.plan", startPlan);
      t.put("start.project", Files.readAllBytes(s.runtimeDir().resolve("project")));
      t.put("start.join.plan", Files.readAllBytes(s.runtimeDir().resolve(JOIN_TEMPLATE)));
      for (String f : new String[] {"hostname", "hosts", "resolv.conf"}) {
        Path p = filesDir.resolve(f);
        // the plan binds only those the host has (EtcFiles writes each)
        t.put("start." + f, Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(p) : new byte[0]);
      }
      if (s.record().process() == null) return null;
      byte[] record = recordTemplate(s.record());
      if (record == null) return null;
      t.put("start.config.json", record);
      t.put("start.exec.plan", execTemplate(s.record(), template));
    } catch (IOException | JboxException e) {
      return null;
    }
    byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    byte[] mark = ID_MARKER.getBytes(StandardCharsets.US_ASCII);
    if (idBytes.length != mark.length) return null;
    for (java.util.Map.Entry<String, byte[]> e : t.entrySet()) {
      byte[] b = e.getValue();
      if (indexOf(b, mark, 0) >= 0) return null;
      for (int i = indexOf(b, idBytes, 0); i >= 0; i = indexOf(b, idBytes, i + mark.length)) {
        System.arraycopy(mark, 0, b, i, mark.length);
      }
    }
    return t;
  }

  private static int indexOf(byte[] b, byte[] x, int from) {
    outer:
    for (int i = from; i + x.length <= b.length; i++) {
      for (int j = 0; j < x.length; j++) if (b[i + j] != x[j]) continue outer;
      return i;
    }
    return -1;
  }

  /** Removes the project's prepared start (its KEY, then its templates), quietly. */
  public static void dropPrestart(SandboxStore store, String projectId) {
    dropPrepared(projectsDir(store).resolve(projectId + ".prestart"), START_TEMPLATES);
  }

  /** Removes the prepared KEY in dir, then the templates named, quietly. */
  public static void dropPrepared(Path dir, java.util.Collection<String> templates) {
    // (not through a symlink: a directory that is one is not ours to empty)
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return; // the usual case with the switch off: one stat
    try {
      Files.deleteIfExists(dir.resolve("key"));
      Files.deleteIfExists(dir.resolve("key.tmp"));
      for (String t : templates) {
        Files.deleteIfExists(dir.resolve(t));
        Files.deleteIfExists(dir.resolve(t + ".tmp"));
      }
    } catch (IOException e) {
      // a directory that is not ours: the launcher refuses it anyway
    }
  }

  /** The project of a shell sandbox: {id, directory}, or null. */
  public static String[] project(Sandbox s) {
    try {
      String[] l = Files.readString(s.runtimeDir().resolve("project"), StandardCharsets.UTF_8).split("\n");
      return l.length >= 2 ? new String[] {l[0], l[1]} : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Whether a shell sandbox is over: exited, or never ran (its setup failed: the lock file is
   * there and free; or its jbox was killed before it sent the plan: no lock file a minute on).
   */
  static boolean ended(Sandbox s) {
    Status st = s.status();
    if (st.running() || s.monitorAlive()) return false;
    if (st.kind() == Status.Kind.EXITED) return true;
    return Files.exists(s.lockFile()) || System.currentTimeMillis() - s.record().created() > 60_000;
  }

  /**
   * Removes the project's ended shell sandboxes (under the project's lock, before a new one is
   * recorded), so a project keeps at most its last one's record; a failure is a warning.
   * Returns every other sandbox.
   */
  public static void removeEnded(SandboxStore store, String projectId, java.io.PrintStream err) {
    removeEnded(store, projectId, linked(store, projectId), err);
  }

  /**
   * As {@link #removeEnded(SandboxStore, String, java.io.PrintStream)}, with the sandbox the
   * project's link named when the caller looked ({@link #linked}, under the same project lock).
   */
  public static void removeEnded(SandboxStore store, String projectId, Sandbox linked, java.io.PrintStream err) {
    Path others = projectsDir(store).resolve(projectId + OTHERS);
    if (!Files.exists(others, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      // every sandbox of the project is the linked one: no listing of every record
      if (linked != null && ended(linked)) remove(store, linked, err);
    } else {
      boolean left = false;
      for (Sandbox s : store.list()) {
        String[] p = s.record().kind() == SandboxRecord.Kind.SHELL ? project(s) : null;
        if (p == null || !p[0].equals(projectId)) continue;
        if (!ended(s) || !remove(store, s, err)) left = true;
      }
      if (!left) {
        try {
          Files.deleteIfExists(others);
        } catch (IOException e) {
          // kept: the next shell lists again
        }
      }
    }
    Path link = projectsDir(store).resolve(projectId);
    if (Files.isSymbolicLink(link) && linked(store, projectId) == null) {
      try {
        Files.deleteIfExists(link);
      } catch (IOException e) {
        // replaced below anyway
      }
    }
  }

  /** The file that says the project may have sandboxes its link does not name (see the class comment). */
  static final String OTHERS = ".others";

  private static void markOthers(SandboxStore store, String projectId) {
    try {
      Files.write(projectsDir(store).resolve(projectId + OTHERS), new byte[0]);
    } catch (IOException e) {
      throw new JboxException("shell: record the sandbox: " + e.getMessage());
    }
  }

  /** Removes an ended sandbox of the project; a failure is a warning (false). */
  private static boolean remove(SandboxStore store, Sandbox s, java.io.PrintStream err) {
    try {
      store.removeRuntime(s);
      return true;
    } catch (JboxException e) {
      err.println("jbox: warning: " + e.getMessage());
      return false;
    }
  }


  /** Where an {@code --image} session keeps its upper layer ({@code shells/<project id>-<short id>}), removed when it ends (CLEANUP). */
  public static Path imageDir(SandboxStore store, String projectId, String id) {
    Path d = store.root().resolve("shells");
    SandboxStore.mkPrivate(d, dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0]);
    return d.resolve(projectId + "-" + id.substring(0, 12));
  }

  /**
   * The name a new shell sandbox asks for: the project directory's, or {@code shell-NAME} where
   * that is not a valid sandbox name. Where another sandbox has it (found when it is recorded,
   * {@link #record(SandboxStore, SandboxRecord, String, Path, boolean, boolean)}), {@link
   * #otherName} instead.
   */
  public static String baseName(String base) {
    try {
      return SandboxStore.validName(base);
    } catch (JboxException e) {
      return "shell-" + (base.length() > 100 ? base.substring(0, 100) : base);
    }
  }

  /** The name of a new shell sandbox whose {@link #baseName} another sandbox has: {@code -} and 6 digits of its id added. */
  public static String otherName(String baseName, String id) {
    return baseName + "-" + id.substring(0, 6);
  }
}
