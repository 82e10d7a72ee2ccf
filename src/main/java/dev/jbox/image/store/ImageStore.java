package dev.jbox.image.store;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The image store on disk, shared by concurrent jbox processes.
 *
 * <pre>
 * storage/
 *   store.lock                      exclusive while metadata (images/, tags.json) changes
 *   tags.json                       {"docker.io/library/alpine:latest": "sha256:&lt;manifest&gt;"}
 *   images/&lt;manifest-hex&gt;.json      {@link ImageRecord}
 *   blobs/sha256/&lt;hex&gt;              manifests, configs and the compressed layer blobs as pulled
 *                                   or loaded (for jbox save); &lt;hex&gt;.partial while downloading
 *   layers/&lt;diffid-hex&gt;/diff        the unpacked layer (files owned by subordinate ids)
 *   layers/&lt;diffid-hex&gt;/layer.json  how it was unpacked (digests, size, id maps)
 *   layers/&lt;diffid-hex&gt;/incomplete  present until the unpack finished: such a layer is never used
 *   locks/&lt;diffid-hex&gt;.lock         per layer: exclusive while unpacking or deleting, shared
 *                                   while a pull that uses it has not written its record
 *   tmp/load-*                      jbox load's unpacked archive while it loads
 *   containers/&lt;id&gt;/                 an image sandbox: overlay dirs, record, lock (dev.jbox.sandboxes.Containers)
 * </pre>
 *
 * Layers are keyed by diff id (not chain id): each is a complete overlay lower dir of its own,
 * independent of its parents, so one directory serves every image that contains that diff.
 */
public final class ImageStore {
  private final Path root;

  private ImageStore(Path root) {
    this.root = root;
  }

  /** $JBOX_STORAGE, else [storage] root of jbox.toml, else $XDG_DATA_HOME/jbox/storage (see ConfigLoader). */
  public static Path defaultRoot() {
    return defaultRoot(System.getenv());
  }

  /**
   * As {@link #defaultRoot()} for the environment env: $JBOX_STORAGE, [storage] root of the
   * configuration, then $XDG_DATA_HOME ({@link dev.jbox.config.ConfigLoader#storageRoot}).
   */
  public static Path defaultRoot(Map<String, String> env) {
    dev.jbox.config.Config c = env.equals(System.getenv()) ? dev.jbox.config.ConfigLoader.current()
        : dev.jbox.config.ConfigLoader.load(env);
    return dev.jbox.config.ConfigLoader.storageRoot(env, c);
  }

  /** Opens (creating) the store at root. */
  public static ImageStore open(Path root) {
    try {
      // the store holds what sandboxes wrote and setuid files of the user's own uid: 0700, and an
      // existing store of an older jbox (0755) is tightened here (dev.jbox.PrivateDirs says why
      // the root suffices)
      if (!Boolean.TRUE.equals(dev.jbox.PrivateDirs.ensure(root, true).get("isDirectory"))) {
        throw new JboxException("storage `" + root + "` is not a directory");
      }
      for (String d : List.of("images", "blobs/sha256", "layers", "locks")) {
        // checked first: createDirectories throws and catches an exception per existing level,
        // and every jbox run opens the store
        if (!root.resolve(d).toFile().isDirectory()) Files.createDirectories(root.resolve(d));
      }
    } catch (IOException e) {
      throw new JboxException("storage `" + root + "`: " + e.getMessage(), e);
    }
    return new ImageStore(root);
  }

  public Path root() {
    return root;
  }

  public Path blobPath(String digest) {
    return root.resolve("blobs/sha256").resolve(hex(digest));
  }

  public Path layerDir(String diffId) {
    return root.resolve("layers").resolve(hex(diffId));
  }

  public Path layerLockFile(String diffId) {
    return root.resolve("locks").resolve(hex(diffId) + ".lock");
  }

  static String hex(String digest) {
    if (!digest.startsWith("sha256:") || !dev.jbox.Text.isHex(digest.substring(7), 64, 64)) { // no regex: the run path
      throw new JboxException("storage: unexpected digest '" + digest + "'");
    }
    return digest.substring(7);
  }

  /** Runs body holding the store's metadata lock. */
  public <T> T locked(IoSupplier<T> body) {
    try {
      Locks.Held h = Locks.acquire(root.resolve("store.lock"), true);
      try {
        return body.get();
      } finally {
        h.close();
      }
    } catch (IOException e) {
      throw new JboxException("storage `" + root + "`: " + e.getMessage(), e);
    }
  }

  /** A supplier that may throw IOException. */
  public interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** Deletes directories whose files belong to subordinate ids (runs in the user namespace). */
  public interface Deleter {
    void delete(List<Path> dirs) throws IOException;
  }

  // --- layers ---------------------------------------------------------------------------------

  /** Whether the layer is fully unpacked: its metadata exists and no incomplete marker. */
  public boolean layerComplete(String diffId) {
    Path d = layerDir(diffId);
    // (inputs of a run's plan: dev.jbox.PolicyInputs notes them while a prepared run records)
    return dev.jbox.PolicyInputs.isRegularFile(d.resolve("layer.json")) && !dev.jbox.PolicyInputs.exists(d.resolve("incomplete"));
  }

  /** Reads a complete layer's metadata. */
  public Map<String, Object> layerMeta(String diffId) {
    try {
      return Json.parseObject(noted(layerDir(diffId).resolve("layer.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prepares an empty layer dir with its incomplete marker; call holding the exclusive lock. */
  public void beginLayer(String diffId, Deleter deleter) throws IOException {
    Path d = layerDir(diffId);
    if (Files.exists(d)) {
      Files.createDirectories(d);
      Files.write(d.resolve("incomplete"), new byte[0]);
      if (Files.exists(d.resolve("diff"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        deleter.delete(List.of(d.resolve("diff")));
      }
      Files.deleteIfExists(d.resolve("layer.json"));
    } else {
      Files.createDirectories(d);
      Files.write(d.resolve("incomplete"), new byte[0]);
    }
    AtomicFiles.syncDir(d.getParent());
  }

  /** Records the layer's metadata and removes the marker; call holding the exclusive lock. */
  public void finishLayer(String diffId, Map<String, Object> meta) throws IOException {
    Path d = layerDir(diffId);
    AtomicFiles.write(d.resolve("layer.json"), Json.pretty(meta).getBytes(StandardCharsets.UTF_8));
    Files.delete(d.resolve("incomplete"));
    AtomicFiles.syncDir(d);
  }

  /** Removes a layer this process failed to finish; call holding the exclusive lock. */
  public void abandonLayer(String diffId, Deleter deleter) throws IOException {
    Path d = layerDir(diffId);
    if (Files.exists(d)) removeLayerDir(d, deleter);
  }

  /** Removes half-written layers whose writer is gone (nobody holds their lock). */
  public int cleanIncomplete(Deleter deleter) throws IOException {
    int n = 0;
    for (Path d : list(root.resolve("layers"))) {
      String diffId = "sha256:" + d.getFileName();
      if (!dev.jbox.Text.isHex(d.getFileName().toString(), 64, 64)) continue; // no regex (LauncherTest)
      if (layerComplete(diffId)) continue;
      try (Locks.Held h = Locks.tryAcquire(layerLockFile(diffId), true)) {
        if (h == null || layerComplete(diffId)) continue;
        removeLayerDir(d, deleter);
        n++;
      }
    }
    return n;
  }

  private void removeLayerDir(Path d, Deleter deleter) throws IOException {
    Files.write(d.resolve("incomplete"), new byte[0]);
    AtomicFiles.syncDir(d);
    if (Files.exists(d.resolve("diff"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      deleter.delete(List.of(d.resolve("diff")));
    }
    Files.deleteIfExists(d.resolve("layer.json"));
    Files.deleteIfExists(d.resolve("incomplete"));
    Files.deleteIfExists(d);
  }

  // --- images and tags --------------------------------------------------------------------------

  /** All image records. */
  public List<ImageRecord> images() {
    List<ImageRecord> out = new ArrayList<>();
    for (Path f : list(root.resolve("images"))) {
      if (!f.getFileName().toString().endsWith(".json")) continue;
      try {
        out.add(ImageRecord.fromJson(noted(f)));
      } catch (NoSuchFileException e) {
        // removed concurrently
      } catch (IOException | RuntimeException e) {
        throw new JboxException("storage: unreadable image record `" + f + "`: " + e.getMessage()
            + " (delete it, then run jbox image prune)");
      }
    }
    return out;
  }

  public ImageRecord image(String manifestDigest) {
    for (ImageRecord r : images()) if (r.manifestDigest().equals(manifestDigest)) return r;
    return null;
  }

  /**
   * The image's unpacked layer directories in overlay {@code lowerdir=} order: the top layer
   * first. A repeated diff appears once, at its highest position.
   */
  public List<Path> lowerDirs(ImageRecord r) {
    List<Path> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = r.layers().size() - 1; i >= 0; i--) {
      String diffId = r.layers().get(i).diffId();
      if (!seen.add(diffId)) continue;
      if (!layerComplete(diffId)) {
        throw new JboxException("storage: layer " + diffId + " of image " + r.shortId()
            + " is missing or incomplete: pull the image again");
      }
      out.add(layerDir(diffId).resolve("diff"));
    }
    return out;
  }

  /** The image's config blob, as pulled (parse it with {@code ImageConfig.parse}). */
  public byte[] configBytes(ImageRecord r) {
    try {
      byte[] b = dev.jbox.SmallFiles.readAllBytes(blobPath(r.id()));
      dev.jbox.PolicyInputs.bytes(blobPath(r.id()), b);
      return b;
    } catch (IOException e) {
      throw new JboxException("storage: config of image " + r.shortId() + " is missing ("
          + blobPath(r.id()) + "): pull the image again");
    }
  }

  /** SmallFiles.readString, the bytes noted as an input while a prepared run records (dev.jbox.PolicyInputs). */
  private static String noted(Path f) throws IOException {
    byte[] b = dev.jbox.SmallFiles.readAllBytes(f);
    dev.jbox.PolicyInputs.bytes(f, b);
    return java.nio.charset.StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
  }

  /** Name → manifest digest, sorted by name. */
  public Map<String, String> tags() {
    Path f = root.resolve("tags.json");
    if (!dev.jbox.PolicyInputs.exists(f)) return new TreeMap<>();
    try {
      Map<String, String> out = new TreeMap<>();
      for (Map.Entry<String, Object> e : Json.parseObject(noted(f)).entrySet()) {
        out.put(e.getKey(), (String) e.getValue());
      }
      return out;
    } catch (IOException e) {
      throw new JboxException("storage: tags.json: " + e.getMessage());
    }
  }

  /** The names that point at an image. */
  public List<String> namesOf(ImageRecord r, Map<String, String> tags) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (e.getValue().equals(r.manifestDigest())) out.add(e.getKey());
    }
    return out;
  }

  /** Writes the tags index; call inside {@link #locked}. */
  public void writeTags(Map<String, String> tags) throws IOException {
    AtomicFiles.write(root.resolve("tags.json"),
        Json.pretty(new LinkedHashMap<>(new TreeMap<>(tags))).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a record (and optionally tags it); call inside {@link #locked}. */
  public void putImage(ImageRecord r, String name) throws IOException {
    AtomicFiles.write(root.resolve("images").resolve(hex(r.manifestDigest()) + ".json"),
        Json.pretty(r.toJson()).getBytes(StandardCharsets.UTF_8));
    if (name != null) {
      Map<String, String> tags = tags();
      tags.put(name, r.manifestDigest());
      writeTags(tags);
    }
  }

  /** Deletes a record and its names; call inside {@link #locked}. */
  public void dropImage(ImageRecord r) throws IOException {
    Map<String, String> tags = tags();
    for (java.util.Iterator<String> i = tags.values().iterator(); i.hasNext(); ) { // no lambda (LauncherTest)
      if (i.next().equals(r.manifestDigest())) i.remove();
    }
    writeTags(tags);
    Files.deleteIfExists(root.resolve("images").resolve(hex(r.manifestDigest()) + ".json"));
  }

  /**
   * Deletes layers and blobs no record references; call inside {@link #locked}. A layer a pull
   * still holds (shared lock) is left for later. Unreferenced layer blobs go only when no layer
   * lock is held at all: a pull or load keeps a layer lock from before its blobs appear until its
   * record (which references them) is written. Returns the bytes freed (layers and blobs).
   */
  /** How long an interrupted download or load may sit before prune takes it (see below). */
  public static final java.time.Duration STALE_TEMPORARY = java.time.Duration.ofHours(1);

  /**
   * Removes what interrupted pulls and loads left and nothing is writing any more: blobs'
   * {@code .partial} downloads and {@code tmp/load-*} directories last modified before
   * {@code cutoffMillis}. A pull resumes its own .partial file; one untouched for an hour belongs to
   * a pull nobody repeated (a live download writes every few milliseconds). Returns bytes freed.
   */
  public long removeStaleTemporaries(long cutoffMillis, Deleter deleter) throws IOException {
    long freed = 0;
    for (Path b : list(root.resolve("blobs/sha256"))) {
      String bn = b.getFileName().toString();
      if (!bn.endsWith(".partial") || !dev.jbox.Text.isHex(bn.substring(0, bn.length() - 8), 64, 64)) continue;
      java.nio.file.attribute.BasicFileAttributes a = attributes(b);
      if (a == null || !a.isRegularFile() || a.lastModifiedTime().toMillis() >= cutoffMillis) continue;
      if (Files.deleteIfExists(b)) freed += a.size();
    }
    List<Path> stale = new ArrayList<>();
    for (Path d : list(root.resolve("tmp"))) {
      if (!d.getFileName().toString().startsWith("load-")) continue;
      java.nio.file.attribute.BasicFileAttributes a = attributes(d);
      if (a != null && a.isDirectory() && a.lastModifiedTime().toMillis() < cutoffMillis) stale.add(d);
    }
    // their files may belong to subordinate ids: the deleter works in the user namespace
    if (!stale.isEmpty()) deleter.delete(stale);
    return freed;
  }

  private static java.nio.file.attribute.BasicFileAttributes attributes(Path p) {
    try {
      return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
  }

  public long collectGarbage(Deleter deleter) throws IOException {
    Set<String> usedLayers = new HashSet<>();
    Set<String> usedBlobs = new HashSet<>();
    for (ImageRecord r : images()) {
      for (ImageRecord.Layer l : r.layers()) {
        usedLayers.add(hex(l.diffId()));
        usedBlobs.add(hex(l.digest()));
      }
      usedBlobs.add(hex(r.manifestDigest()));
      usedBlobs.add(hex(r.id()));
    }
    long freed = 0;
    for (Path d : list(root.resolve("layers"))) {
      String h = d.getFileName().toString();
      if (usedLayers.contains(h) || !dev.jbox.Text.isHex(h, 64, 64)) continue;
      try (Locks.Held lock = Locks.tryAcquire(layerLockFile("sha256:" + h), true)) {
        if (lock == null) continue;
        if (layerComplete("sha256:" + h)) {
          Object size = layerMeta("sha256:" + h).get("size");
          if (size instanceof Number n) freed += n.longValue();
        }
        removeLayerDir(d, deleter);
      }
    }
    Boolean busy = null;
    for (Path b : list(root.resolve("blobs/sha256"))) {
      String n = b.getFileName().toString();
      // Partial downloads stay (a later pull resumes them); metadata blobs are written under
      // the store lock, so an unreferenced one is garbage.
      if (!dev.jbox.Text.isHex(n, 64, 64) || usedBlobs.contains(n)) continue;
      if (!isSmallMetadata(b)) {
        if (busy == null) busy = anyLayerLocked();
        if (busy) continue;
      }
      try {
        long size = Files.size(b);
        Files.delete(b);
        freed += size;
      } catch (NoSuchFileException ignored) {
        // removed concurrently
      }
    }
    return freed;
  }

  /** Whether any process (or this one) holds a layer lock, i.e. a pull or load is under way. */
  private boolean anyLayerLocked() throws IOException {
    for (Path f : list(root.resolve("locks"))) {
      String n = f.getFileName().toString();
      if (!n.endsWith(".lock") || !dev.jbox.Text.isHex(n.substring(0, n.length() - 5), 64, 64)) continue;
      try (Locks.Held h = Locks.tryAcquire(f, true)) {
        if (h == null) return true;
      }
    }
    return false;
  }

  private static boolean isSmallMetadata(Path b) throws IOException {
    if (Files.size(b) >= (4 << 20)) return false;
    try (java.io.InputStream in = Files.newInputStream(b)) {
      return in.read() == '{';
    }
  }

  /** Total bytes of the files directly in a directory tree we can read (best effort). */
  public long blobBytes() {
    long n = 0;
    for (Path b : list(root.resolve("blobs/sha256"))) {
      try {
        n += Files.size(b);
      } catch (IOException ignored) {
        // removed concurrently
      }
    }
    return n;
  }

  /** Complete layer ids (hex) and their sizes. */
  public Map<String, Long> layerSizes() {
    Map<String, Long> out = new TreeMap<>();
    for (Path d : list(root.resolve("layers"))) {
      String h = d.getFileName().toString();
      if (!lowerHex64(h) || !layerComplete("sha256:" + h)) continue;
      Object size = layerMeta("sha256:" + h).get("size");
      out.put(h, size instanceof Number n ? n.longValue() : 0L);
    }
    return out;
  }

  /** [0-9a-f]{64} without a regex (system df's way: the first regex costs a command milliseconds). */
  static boolean lowerHex64(String s) {
    if (s.length() != 64) return false;
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) return false;
    }
    return true;
  }

  static List<Path> list(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) out.add(p);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new JboxException("storage `" + dir + "`: " + e.getMessage());
    }
    out.sort(null);
    return out;
  }
}
