package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.Procfs;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxRecord;
import dev.jbox.sandboxes.SandboxStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One container under --root: a sandbox of {@link SandboxRecord.Kind#OCI} in the store at the
 * root ({@link SandboxStore#atOciRoot}): {@code config.json} (the typed record, written by
 * create), {@code pid} ("PID STARTTIME", written by the helper once the init waits on the fifo),
 * {@code exec.fifo} (there while the container is created, not started) and {@code nohooks}
 * (written when the record has no hooks: the launcher may then start, kill and delete it without
 * the JVM, helpers/oci_fast.c). A directory an older jbox-oci left ({@code state.json}) is read
 * as the same record.
 */
final class Container {
  /** The marker oci_fast.c looks for (PROTOCOL.md "Without the JVM"). */
  static final String NOHOOKS = "nohooks";

  final String id;
  final Path dir;
  final Sandbox sandbox;
  private final SandboxStore store;

  private Container(SandboxStore store, Sandbox sandbox) {
    this.store = store;
    this.sandbox = sandbox;
    this.id = sandbox.id();
    this.dir = sandbox.home();
  }

  /** runc's rule for ids: letters, digits and {@code _+-.}, not {@code .} or {@code ..}. */
  static String checkId(String id) {
    if (!SandboxRecord.Oci.validId(id)) throw new JboxException("invalid container id `" + id + "`");
    return id;
  }

  static Container load(Path root, String id) {
    checkId(id);
    SandboxStore store = SandboxStore.atOciRoot(root);
    Sandbox s = store.get(id);
    if (s != null) return new Container(store, s);
    Path dir = root.resolve(id);
    if (!Files.isDirectory(dir)) throw new JboxException("container `" + id + "` does not exist");
    throw new JboxException("container `" + id + "`: unreadable state in " + dir);
  }

  /** Every container under root (an older jbox-oci's too). */
  static List<Container> list(Path root) {
    SandboxStore store = SandboxStore.atOciRoot(root);
    List<Container> out = new ArrayList<>();
    if (Files.isDirectory(root)) for (Sandbox s : store.list()) out.add(new Container(store, s));
    return out;
  }

  /** Records a new container (refusing an existing id), with the fast path's marker when it has no hooks. */
  static Container create(Path root, SandboxRecord r) {
    checkId(r.id());
    SandboxStore store = SandboxStore.atOciRoot(root);
    Container c = new Container(store, store.createNew(r));
    if (!r.oci().hasHooks()) {
      try {
        Files.createFile(c.dir.resolve(NOHOOKS));
      } catch (IOException e) {
        c.remove();
        throw new JboxException("write " + c.dir.resolve(NOHOOKS) + ": " + e.getMessage());
      }
    }
    return c;
  }

  SandboxRecord.Oci oci() {
    return sandbox.record().oci();
  }

  /** {pid, starttime} of the init, or null before the helper recorded it. */
  long[] pid() {
    return sandbox.ociInit();
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
    SandboxRecord r = sandbox.record();
    s.put("ociVersion", oci().ociVersion());
    s.put("id", id);
    s.put("pid", p != null && !status.equals("stopped") ? p[0] : 0L);
    s.put("status", status);
    s.put("bundle", oci().bundle());
    s.put("rootfs", r.rootfs());
    s.put("created", Instant.ofEpochMilli(r.created()).toString());
    s.put("owner", "");
    if (!oci().annotations().isEmpty()) s.put("annotations", new LinkedHashMap<String, Object>(oci().annotations()));
    return s;
  }

  /** The hooks of one kind, in config.json's shape (what {@link Hooks#run} reads). */
  List<Object> hooks(String kind) {
    List<Object> out = new ArrayList<>();
    for (SandboxRecord.Hook h : oci().hooks(kind)) out.add(h.toJson());
    return out;
  }

  /** Removes the directory and what the helper put there (the store's removal: renamed away, then deleted). */
  void remove() {
    store.removeRuntime(sandbox);
  }
}
