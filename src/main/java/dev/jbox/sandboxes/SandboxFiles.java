package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.helper.UserNamespace;
import dev.jbox.sys.FsCalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sandbox's files for {@code cp}, {@code export} and {@code diff}: the file work runs in
 * {@link FsWorker}, a JVM in a user namespace with the user's subordinate-id maps, on the
 * sandbox's root: a running sandbox's own (its pid 1's root, passed as a descriptor), or a stopped
 * one's overlay, mounted in the worker's own mount namespace (under the sandbox's lock, so that
 * {@code jbox start} waits), or a stopped --rootfs sandbox's directory.
 */
public final class SandboxFiles {
  private final SandboxStore store;
  private final PrintStream err;

  public SandboxFiles(SandboxStore store, PrintStream err) {
    this.store = store;
    this.err = err;
  }

  /** Where a worker finds a sandbox's root: helper options before "--", and the ROOT argument. */
  private record Root(List<String> helperOptions, String arg) {}

  private static String java() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private List<String> worker(Root root, List<String> args) {
    return worker(root, args, null);
  }

  /** A worker in a user namespace with these maps (null: the user's own). */
  private List<String> worker(Root root, List<String> args, dev.jbox.sandbox.idmap.IdMap maps) {
    List<String> argv = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
    String cds = System.getProperty("jbox.cds");
    if (cds != null && !cds.isEmpty()) argv.addAll(List.of("-XX:SharedArchiveFile=" + cds, "-Xshare:auto", "-Xlog:cds=off,cds+dynamic=off"));
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), FsWorker.class.getName()));
    argv.addAll(args);
    return UserNamespace.wrap(argv, w -> err.println("jbox: warning: " + w), root == null ? List.of() : root.helperOptions(), maps);
  }

  /** A sandbox held for file work: its root for a worker, and the lock of a stopped one. */
  private final class Held implements AutoCloseable {
    final Sandbox sandbox;
    final Root root;
    /** The sandbox's own id maps when they are not the user's usual ones (--userns=keep-id, --uidmap), else null. */
    final dev.jbox.sandbox.idmap.IdMap maps;
    private final Sandbox.Lock lock;
    private final boolean forget;

    Held(String ref) {
      sandbox = store.find(ref);
      Long pid = sandbox.pid();
      if (pid != null) {
        MonitorState st = sandbox.monitorState();
        root = new Root(List.of("--root-of", Long.toString(pid), Long.toString(st.pidStart())), "fd:3");
        maps = SandboxMaps.ofProcess(pid);
        lock = null;
        forget = false;
        return;
      }
      forget = !Files.isDirectory(sandbox.runtimeDir(), LinkOption.NOFOLLOW_LINKS);
      maps = SandboxMaps.ofPlan(sandbox.record().plan());
      lock = sandbox.lock();
      try {
        if (sandbox.status().running() || sandbox.monitorAlive()) {
          throw new JboxException("sandbox " + sandbox.label() + " is starting or stopping: try again");
        }
        SandboxRecord.Overlay o = sandbox.record().overlay();
        String rootfs = sandbox.record().rootfs();
        if (o != null) {
          List<String> opts = List.of("--overlay", String.join(":", o.lower()), o.upper(), o.work(), rootfs);
          for (String d : sandbox.record().neededDirs()) {
            if (!Files.isDirectory(Path.of(d))) throw new JboxException("sandbox " + sandbox.label() + ": `" + d + "` is gone");
          }
          root = new Root(opts, rootfs);
        } else if (rootfs != null && Files.isDirectory(Path.of(rootfs))) {
          root = new Root(List.of(), rootfs);
        } else {
          throw new JboxException("sandbox " + sandbox.label() + " has no root directory to copy from");
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void close() {
      if (lock != null) lock.close();
      if (forget) store.forgetRuntime(sandbox);
    }
  }

  /** A path inside a sandbox as the worker takes it: relative to the root, which must be absolute there. */
  private static String inside(String path) {
    if (path.isEmpty()) throw new JboxException("cp: an empty path");
    if (path.indexOf('\0') >= 0) throw new JboxException("cp: a path with a NUL byte");
    String p = path;
    while (p.startsWith("/")) p = p.substring(1);
    return p.isEmpty() ? "." : p;
  }

  private static String base(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
    int slash = p.lastIndexOf('/');
    String b = slash >= 0 ? p.substring(slash + 1) : p;
    if (b.isEmpty() || b.equals("/") || b.equals(".") || b.equals("..")) return null;
    return b;
  }

  /** Runs argv, feeding in (or nothing), writing its stdout to out; returns stderr's last line on failure. */
  private static void pipe(List<String> argv, InputStream in, OutputStream out, String what) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.redirectInput(in == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.PIPE);
    if (out == null) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new JboxException(what + ": cannot start the file worker: " + e.getMessage());
    }
    ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
    Thread errT = new Thread(() -> {
      try {
        p.getErrorStream().transferTo(errBuf);
      } catch (IOException e) {
        // gone
      }
    });
    errT.start();
    Thread inT = null;
    if (in != null) {
      inT = new Thread(() -> {
        try (OutputStream o = p.getOutputStream()) {
          in.transferTo(o);
        } catch (IOException e) {
          // the worker stopped reading: its status says why
        }
      });
      inT.start();
    }
    try {
      if (out != null) {
        p.getInputStream().transferTo(out);
        out.flush();
      }
      int rc = p.waitFor();
      errT.join();
      if (inT != null) inT.join(10_000);
      if (rc != 0) {
        String msg = errBuf.toString(StandardCharsets.UTF_8).strip();
        int nl = msg.lastIndexOf('\n');
        if (nl >= 0) msg = msg.substring(nl + 1);
        if (msg.startsWith("jbox: ")) msg = msg.substring(6);
        throw new JboxException(what + ": " + (msg.isEmpty() ? "the file worker exited with status " + rc : msg));
      }
    } catch (IOException e) {
      p.destroyForcibly();
      throw new JboxException(what + ": " + e.getMessage());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new JboxException(what + ": interrupted");
    }
  }

  /** What reads a producer's tar stream. */
  private interface Consumer {
    void accept(InputStream in) throws IOException;
  }

  /** Runs a worker whose stdout feeds consumer; the first failure is reported. */
  private static void chain(List<String> producer, Consumer consumer, String what) {
    java.io.PipedInputStream pin = new java.io.PipedInputStream(1 << 16);
    java.io.PipedOutputStream pout;
    try {
      pout = new java.io.PipedOutputStream(pin);
    } catch (IOException e) {
      throw new JboxException(what + ": " + e.getMessage());
    }
    JboxException[] first = new JboxException[1];
    Thread t = new Thread(() -> {
      try (OutputStream o = pout) {
        pipe(producer, null, o, what);
      } catch (JboxException e) {
        first[0] = e;
      } catch (IOException e) {
        // closed
      }
    });
    t.start();
    JboxException second = null;
    try {
      consumer.accept(pin);
      pin.transferTo(OutputStream.nullOutputStream()); // the rest, so that the producer ends
    } catch (IOException e) {
      second = new JboxException(what + ": " + e.getMessage());
    } catch (JboxException e) {
      second = e;
    } finally {
      try {
        pin.close();
      } catch (IOException e) {
        // nothing
      }
    }
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (first[0] != null) throw first[0];
    if (second != null) throw second;
  }

  /** A directory of the host by path, for the tree calls. */
  private static int hostRoot() {
    try {
      return FsCalls.openPath("/", true);
    } catch (IOException e) {
      throw new JboxException("open /: " + e.getMessage());
    }
  }

  // --- cp ---------------------------------------------------------------------------------------

  /**
   * What {@code jbox cp} was asked: archive (podman's default) gives the copied files to the
   * destination's user (the sandbox's user copied in, the caller copied out), without it they keep
   * their ids; overwrite lets a directory replace a non-directory and the other way round;
   * followLinks follows every symlink below SRC too (SRC itself always is).
   */
  public record CpOptions(boolean archive, boolean overwrite, boolean followLinks) {}

  /** SRC names a directory's contents (podman's SRC/.): its last component is "." */
  private static boolean contents(String src) {
    return src.equals(".") || src.endsWith("/.");
  }

  private static String outFlags(CpOptions o) {
    return o.followLinks() ? "links,xattrs,deref" : "links,xattrs";
  }

  /**
   * {@code jbox cp SANDBOX:SRC DEST}: SRC (resolved inside the sandbox's root) to the host path
   * DEST, or as a tar to {@code stdout} when DEST is "-". Into an existing directory DEST it goes
   * as DEST/basename(SRC), else it becomes DEST (whose parent must exist); SRC/. (and "/") copies
   * what is in the directory SRC into DEST, which is made if missing. The files belong to the
   * caller, or keep the sandbox's ids (as the user's subordinate ids) without archive. The
   * sandbox's "/" goes without what is mounted in it (a running sandbox's /proc, /sys, /dev), as
   * export.
   */
  public void copyOut(String ref, String src, String dest, CpOptions o, OutputStream stdout) {
    String rel = inside(src);
    String name = base(src);
    boolean whole = name == null;
    String[] target = dest.equals("-") ? null : hostTarget(dest, whole ? "." : name);
    try (Held h = new Held(ref)) {
      List<String> producer = worker(h.root, List.of("out", h.root.arg(), rel, whole ? (target == null ? "" : ".") : name,
          whole ? "1" : "0", "0", outFlags(o)), h.maps);
      if (target == null) {
        pipe(producer, null, stdout, "cp");
        return;
      }
      String rename = target[1].equals("+mkdir") ? "+mkdir" : "=" + target[1];
      if (!o.archive()) {
        chain(producer, in -> pipe(worker(null, List.of("in", "/", target[0], rename, "keep", o.overwrite() ? "overwrite" : "-"), h.maps),
            in, null, "cp"), "cp");
      } else {
        int root = hostRoot();
        try {
          chain(producer, in -> TreeTar.extract(root, target[0], rename.equals("+mkdir") ? TreeTar.MKDIR : target[1], in,
              TreeTar.Owner.CALLER, o.overwrite()), "cp");
        } finally {
          FsCalls.close(root);
        }
      }
    }
  }

  /**
   * [host directory to extract into, the new top-level name] for DEST, or [DEST, "+mkdir"] for a
   * directory's contents; checked before anything runs.
   */
  private static String[] hostTarget(String dest, String name) {
    Path d = Path.of(dest).toAbsolutePath().normalize();
    Path parent = d.getParent();
    if (name.equals(".")) {
      if (Files.isDirectory(d)) return new String[] {d.toString(), "+mkdir"};
      if (parent == null || !Files.isDirectory(parent)) throw new JboxException("cp: `" + dest + "`: no such directory");
      return new String[] {d.toString(), "+mkdir"};
    }
    if (Files.isDirectory(d)) return new String[] {d.toString(), name};
    if (parent == null || !Files.isDirectory(parent)) throw new JboxException("cp: `" + dest + "`: no such directory");
    return new String[] {parent.toString(), d.getFileName().toString()};
  }

  /**
   * {@code jbox cp SRC SANDBOX:DEST}: the host path SRC, or a tar read from {@code stdin} when SRC
   * is "-" (extracted into the directory DEST), into the sandbox; DEST is resolved inside its
   * root. Into an existing directory it goes as DEST/basename(SRC), else it becomes DEST; SRC/.
   * copies what is in the directory SRC into DEST, made if missing. With archive the files belong
   * to the sandbox's user (its root when it has none), else they keep the source's ids; ids mean
   * what they mean in that sandbox (its own maps: --userns=keep-id). Hard links and user.*
   * extended attributes are kept where the sandbox's file system takes them.
   */
  public void copyIn(String src, String ref, String dest, CpOptions o, InputStream stdin) {
    String rel = inside(dest);
    Path from = null;
    String name = null;
    boolean whole = false;
    if (!src.equals("-")) {
      from = Path.of(src).toAbsolutePath();
      if (!Files.exists(from)) throw new JboxException("cp: `" + src + "`: no such file or directory");
      whole = contents(src);
      if (whole && !Files.isDirectory(from)) throw new JboxException("cp: `" + src + "`: not a directory");
      name = base(src);
      if (name == null && !whole) name = from.normalize().getFileName() == null ? null : from.normalize().getFileName().toString();
    }
    try (Held h = new Held(ref)) {
      String user = h.sandbox.record().process() != null && h.sandbox.record().process().user() != null
          ? h.sandbox.record().process().user() : "0";
      String rename = from == null ? "-" : whole ? "+mkdir" : name == null ? "-" : "+auto";
      List<String> consumer = worker(h.root, List.of("in", h.root.arg(), rel, rename,
          o.archive() ? "user=" + user : "keep", o.overwrite() ? "overwrite" : "-"), h.maps);
      if (from == null) {
        pipe(consumer, stdin, null, "cp");
        return;
      }
      String top = whole ? "." : name == null ? "" : name;
      Path source = whole ? from.normalize() : from;
      TreeTar.Options opts = new TreeTar.Options(false, false, true, true, o.followLinks());
      java.io.PipedInputStream pin = new java.io.PipedInputStream(1 << 16);
      JboxException[] failed = new JboxException[1];
      Thread t;
      try {
        java.io.PipedOutputStream pout = new java.io.PipedOutputStream(pin);
        t = new Thread(() -> {
          int root = hostRoot();
          try (OutputStream out = pout) {
            TreeTar.write(root, source.toString(), top, opts, out);
          } catch (IOException e) {
            failed[0] = new JboxException("cp: " + e.getMessage());
          } finally {
            FsCalls.close(root);
          }
        });
      } catch (IOException e) {
        throw new JboxException("cp: " + e.getMessage());
      }
      t.start();
      try {
        pipe(consumer, pin, null, "cp");
      } finally {
        try {
          pin.close();
          t.join();
        } catch (IOException | InterruptedException e) {
          // done
        }
      }
      if (failed[0] != null) throw failed[0];
    }
  }

  // --- sizes ----------------------------------------------------------------------------------

  /** The bytes of the regular files below each directory (which belong to subordinate ids: counted in the user namespace). */
  public List<Long> sizes(List<Path> dirs) {
    if (dirs.isEmpty()) return List.of();
    // counted here when this process may read every directory (volumes the sandboxes left
    // readable, an empty one): the worker is a second JVM in the user namespace, most of a
    // system df's time; the same sum (regular files' sizes) as FsWorker.du
    List<Long> own = new ArrayList<>();
    for (Path d : dirs) {
      long n = OwnTree.size(d);
      if (n < 0) break;
      own.add(n);
    }
    if (own.size() == dirs.size()) return own;
    List<String> args = new ArrayList<>(List.of("du"));
    for (Path d : dirs) args.add(d.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pipe(worker(null, args), null, out, "system df");
    List<Long> sizes = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) sizes.add(Long.parseLong(line.trim()));
    }
    if (sizes.size() != dirs.size()) throw new JboxException("system df: the file worker answered " + sizes.size() + " sizes for " + dirs.size() + " volumes");
    return sizes;
  }

  // --- export and diff ------------------------------------------------------------------------

  /** {@code jbox export}: a tar of the sandbox's whole file system (what is mounted below it left out). */
  public void export(String ref, OutputStream out) {
    try (Held h = new Held(ref)) {
      pipe(worker(h.root, List.of("out", h.root.arg(), ".", "", "1", "0")), null, out, "export");
    }
  }

  /** One change of podman's diff: kind A, C or D, and the path. */
  public record Change(char kind, String path) {}

  /** {@code jbox diff}: the changes in an image sandbox's upper dir over its image, by path. */
  public List<Change> diff(String ref) {
    Sandbox s = store.find(ref);
    SandboxRecord.Overlay o = s.record().overlay();
    if (o == null) throw new JboxException("diff: sandbox " + s.label() + " runs on a directory (--rootfs), not on an image's layers: it has no changes of its own");
    if (!Files.isDirectory(Path.of(o.upper()))) throw new JboxException("diff: sandbox " + s.label() + ": `" + o.upper() + "` is gone");
    List<String> args = new ArrayList<>(List.of("diff", o.upper()));
    args.addAll(o.lower());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pipe(worker(null, args), null, out, "diff");
    List<Change> changes = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.length() > 2) changes.add(new Change(line.charAt(0), line.substring(2)));
    }
    return changes;
  }

  /** podman's {@code diff --format json}: the paths by kind. */
  public static Map<String, Object> diffJson(List<Change> changes) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String k : List.of("changed", "added", "deleted")) {
      List<String> paths = new ArrayList<>();
      char c = Character.toUpperCase(k.charAt(0));
      for (Change ch : changes) if (ch.kind() == c) paths.add(ch.path());
      if (!paths.isEmpty()) m.put(k, paths);
    }
    return m;
  }

  // --- commit ---------------------------------------------------------------------------------

  /**
   * {@code jbox commit}: a new image in the store whose layers are the sandbox's image's plus one
   * made from its upper dir (overlay whiteouts as OCI {@code .wh.} files, opaque directories as
   * {@code .wh..wh..opq}), with the config changed by {@code changes} (podman's --change), a
   * history entry (message, author) and the name {@code image} (none when null). Every input is
   * checked before anything is written; returns the new image id.
   */
  public String commit(String ref, String image, List<String> changes, String message, String author) {
    return commit(ref, image, changes, message, author, false);
  }

  /**
   * As {@link #commit(String, String, List, String, String)}; pause stops a running sandbox's
   * processes while its changes are read ({@link Freeze}: SIGSTOP, then SIGCONT).
   */
  public String commit(String ref, String image, List<String> changes, String message, String author, boolean pause) {
    Long pid = pause ? store.find(ref).pid() : null;
    if (pid == null) return commitAsIs(ref, image, changes, message, author);
    Freeze f = Freeze.stop(pid);
    try {
      return commitAsIs(ref, image, changes, message, author);
    } finally {
      f.close();
    }
  }

  private String commitAsIs(String ref, String image, List<String> changes, String message, String author) {
    List<Commit.Change> parsed = Commit.parse(changes);
    String name = image == null ? null : dev.jbox.image.store.ImageLookup.tagName(image);
    Sandbox s = store.find(ref);
    SandboxRecord.Overlay o = s.record().overlay();
    if (o == null || s.record().imageId() == null) {
      throw new JboxException("commit: sandbox " + s.label() + " runs on a directory (--rootfs), not on an image");
    }
    if (!Files.isDirectory(Path.of(o.upper()))) throw new JboxException("commit: sandbox " + s.label() + ": `" + o.upper() + "` is gone");
    dev.jbox.image.store.ImageStore images = dev.jbox.image.store.ImageStore.open(store.containersDir().getParent());
    dev.jbox.image.store.ImageRecord base = null;
    for (dev.jbox.image.store.ImageRecord r : images.images()) {
      if (r.id().equals(s.record().imageId())) base = r;
    }
    if (base == null) throw new JboxException("commit: the image of sandbox " + s.label() + " (" + s.record().imageId() + ") is no longer in the store");
    byte[] baseConfig;
    try {
      baseConfig = Files.readAllBytes(images.blobPath(base.id()));
    } catch (IOException e) {
      throw new JboxException("commit: the config of image " + base.shortId() + " is missing: " + e.getMessage());
    }
    Path tmp;
    try {
      Files.createDirectories(images.root().resolve("tmp"));
      tmp = Files.createTempDirectory(images.root().resolve("tmp"), "load-");
    } catch (IOException e) {
      throw new JboxException("commit: " + e.getMessage());
    }
    try {
      Path gz = tmp.resolve("layer.tar.gz");
      java.security.MessageDigest diff = sha256();
      java.security.MessageDigest blob = sha256();
      long[] size = new long[1];
      try (OutputStream file = Files.newOutputStream(gz);
          OutputStream counted = new java.io.FilterOutputStream(new java.security.DigestOutputStream(file, blob)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              out.write(b, off, len);
              size[0] += len;
            }

            @Override
            public void write(int b) throws IOException {
              out.write(b);
              size[0]++;
            }
          };
          java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(counted, 1 << 16);
          OutputStream tar = new java.security.DigestOutputStream(z, diff)) {
        pipe(worker(null, List.of("out", o.upper(), ".", "", "0", "1")), null, tar, "commit");
      } catch (IOException e) {
        throw new JboxException("commit: " + e.getMessage());
      }
      String diffId = "sha256:" + java.util.HexFormat.of().formatHex(diff.digest());
      dev.jbox.image.Digest blobDigest = new dev.jbox.image.Digest("sha256", java.util.HexFormat.of().formatHex(blob.digest()));
      byte[] config = Commit.config(baseConfig, parsed, diffId, message, author);
      List<dev.jbox.image.Descriptor> layers = new ArrayList<>();
      List<Path> files = new ArrayList<>();
      for (dev.jbox.image.store.ImageRecord.Layer l : base.layers()) {
        layers.add(dev.jbox.image.Descriptor.of(l.mediaType(), dev.jbox.image.Digest.parse(l.digest()), l.size()));
        files.add(images.blobPath(l.digest()));
      }
      layers.add(dev.jbox.image.Descriptor.of(dev.jbox.image.MediaTypes.OCI_LAYER_GZIP, blobDigest, size[0]));
      files.add(gz);
      return new dev.jbox.image.pull.LoadService(images, err, err).commit(config, layers, files, name);
    } finally {
      try {
        dev.jbox.image.unpack.Tree.delete(tmp);
      } catch (IOException e) {
        // image prune takes a stale tmp/load-* later
      }
    }
  }

  private static java.security.MessageDigest sha256() {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
