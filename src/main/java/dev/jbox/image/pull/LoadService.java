package dev.jbox.image.pull;

import dev.jbox.JboxException;
import dev.jbox.image.Descriptor;
import dev.jbox.image.Digest;
import dev.jbox.image.ImageConfig;
import dev.jbox.image.ImageRef;
import dev.jbox.image.Manifest;
import dev.jbox.image.MediaTypes;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.Locks;
import dev.jbox.image.store.ImageStore;
import dev.jbox.image.unpack.LayerExtractor;
import dev.jbox.image.unpack.Tree;
import dev.jbox.image.unpack.UnpackLimits;
import dev.jbox.image.unpack.Unpacker;
import dev.jbox.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jbox load}: imports the images of a docker-archive ({@code manifest.json}) or
 * oci-archive ({@code index.json}) tarball into the store. The archive is first unpacked, with the
 * same path-safety rules as layers, into a private directory of the store.
 */
public final class LoadService {
  private final ImageStore store;
  private final PullService pulls;
  private final PrintStream err;

  public LoadService(ImageStore store, PrintStream out, PrintStream err) {
    this.store = store;
    this.pulls = new PullService(store, out, err);
    this.err = err;
  }

  /** One image found in the archive. */
  private record Found(List<String> names, byte[] config, List<Path> layerFiles,
      List<Descriptor> layers, Digest manifestDigest, String manifestMediaType, byte[] manifest) {}

  /** Loads every image of the archive; returns "Loaded image: ..." lines. */
  public List<String> load(Path archive) {
    Path tmp;
    try {
      Files.createDirectories(store.root().resolve("tmp"));
      tmp = Files.createTempDirectory(store.root().resolve("tmp"), "load-");
    } catch (IOException e) {
      throw new JboxException("load: " + e.getMessage(), e);
    }
    Path dir = tmp.resolve("archive");
    try {
      try (InputStream in = Files.newInputStream(archive)) {
        LayerExtractor.extract(in, dir, new LayerExtractor.Options(false,
            UnpackLimits.defaults(), archive.getFileName().toString()));
      } catch (IOException e) {
        throw new JboxException("load " + archive + ": " + e.getMessage(), e);
      }
      List<Found> images = Files.exists(dir.resolve("index.json"), LinkOption.NOFOLLOW_LINKS)
          ? oci(dir) : docker(dir);
      List<String> lines = new ArrayList<>();
      try (Unpacker unpacker = PullService.newUnpacker(err)) {
        for (Found f : images) lines.addAll(install(f, unpacker));
      }
      return lines;
    } catch (IOException e) {
      throw new JboxException("load " + archive + ": " + e.getMessage(), e);
    } finally {
      try {
        Tree.delete(tmp);
      } catch (IOException ignored) {
        // a leftover in storage/tmp costs space only
      }
    }
  }

  /**
   * Stores an image made of the given layers (blob files: the store's own for layers it has, a
   * new gzip file for a new one, moved into blobs/) and config, under an OCI manifest made here,
   * named name (or unnamed when null): what {@code jbox commit} makes. Returns the image id.
   */
  public String commit(byte[] config, List<Descriptor> layers, List<Path> layerFiles, String name) {
    Map<String, Object> manifest = new java.util.LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    Digest cfgDigest = Digest.sha256Of(config);
    manifest.put("config", desc(Descriptor.of(MediaTypes.OCI_CONFIG, cfgDigest, config.length)));
    List<Object> ls = new ArrayList<>();
    for (Descriptor d : layers) ls.add(desc(d));
    manifest.put("layers", ls);
    byte[] mb = dev.jbox.json.Json.write(manifest).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Found f = new Found(name == null ? List.of() : List.of(name), config, layerFiles, layers, Digest.sha256Of(mb),
        MediaTypes.OCI_MANIFEST, mb);
    try (Unpacker unpacker = PullService.newUnpacker(err)) {
      install(f, unpacker);
    } catch (IOException e) {
      throw new JboxException("commit: " + e.getMessage(), e);
    }
    return cfgDigest.toString();
  }

  private List<String> install(Found f, Unpacker unpacker) throws IOException {
    ImageConfig cfg = ImageConfig.parse(f.config());
    if (cfg.diffIds().size() != f.layers().size()) {
      throw new JboxException("load: the config lists " + cfg.diffIds().size()
          + " diff ids for " + f.layers().size() + " layers");
    }
    ProgressView view = new ProgressView(err, false, true);
    List<Locks.Held> held = new ArrayList<>();
    try {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < f.layers().size(); i++) {
        Descriptor d = f.layers().get(i);
        Path file = f.layerFiles().get(i);
        String diffId = cfg.diffIds().get(i).toString();
        if (!seen.add(diffId)) continue;
        held.add(pulls.ensureLayer(diffId, d, unpacker, view, () -> {
          store.beginLayer(diffId, unpacker::delete);
          Map<String, Object> r = unpacker.unpack(file, store.layerDir(diffId).resolve("diff"),
              d.digest().toString());
          pulls.recordLayer("load", diffId, d, r);
        }));
      }
      // Keep the archive's layer blobs (verified: OCI digests checked, docker-archive digests
      // computed) under blobs/sha256/ for jbox save, while the layer locks are held.
      for (int i = 0; i < f.layers().size(); i++) {
        keepBlob(f.layerFiles().get(i), f.layers().get(i).digest());
      }
      Digest cfgDigest = Digest.sha256Of(f.config());
      String platform = cfg.os() == null ? "unknown"
          : cfg.os() + "/" + cfg.architecture() + (cfg.variant() != null ? "/" + cfg.variant() : "");
      List<String> lines = new ArrayList<>();
      ImageRecord r = null;
      for (String n : f.names().isEmpty() ? List.<String>of("") : f.names()) {
        String name = n.isEmpty() ? null : n;
        r = pulls.writeImage(f.config(), cfgDigest, cfg, f.layers(), f.manifestDigest(),
            f.manifestMediaType(), f.manifest(), null, null, name, platform);
        lines.add("Loaded image: " + (name != null ? name : r.id()));
      }
      return lines;
    } finally {
      for (Locks.Held h : held) h.close();
    }
  }

  private void keepBlob(Path file, Digest digest) throws IOException {
    Path dest = store.blobPath(digest.toString());
    // the same member may serve two layers: the first call moved it
    if (Files.isRegularFile(dest) || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return;
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rw-r--r--"));
    // tmp/ is inside the store, so this is a rename on one file system
    Files.move(file, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The largest index.json, manifest.json, manifest or config an archive may hold. */
  static final long MAX_METADATA = 16 << 20;

  /**
   * An archive's JSON file, read as a member (no symlink: index.json -> /dev/zero or a host file
   * made load read outside the archive) of bounded size.
   */
  private static Object json(Path dir, String name) throws IOException {
    return Json.parse(new String(bounded(member(dir, name), name), java.nio.charset.StandardCharsets.UTF_8));
  }

  private static byte[] bounded(Path member, String name) throws IOException {
    if (Files.size(member) > MAX_METADATA) throw new JboxException("load: " + name + " is larger than " + (MAX_METADATA >> 20) + " MiB");
    return Files.readAllBytes(member);
  }

  /** oci-archive: index.json → manifests → blobs/ALG/HEX, each digest checked. */
  @SuppressWarnings("unchecked")
  private List<Found> oci(Path dir) throws IOException {
    Map<String, Object> index = (Map<String, Object>) json(dir, "index.json");
    List<Found> out = new ArrayList<>();
    for (Object o : (List<Object>) index.getOrDefault("manifests", List.of())) {
      Map<String, Object> m = (Map<String, Object>) o;
      Digest md = Digest.parse((String) m.get("digest"));
      byte[] mb = blobBytes(dir, md);
      Manifest man = Manifest.parse(mb, (String) m.get("mediaType"));
      List<Path> files = new ArrayList<>();
      for (Descriptor l : man.layers()) files.add(blobFile(dir, l.digest()));
      List<String> names = new ArrayList<>();
      Map<String, Object> ann = (Map<String, Object>) m.getOrDefault("annotations", Map.of());
      for (String k : List.of("io.containerd.image.name", "org.opencontainers.image.ref.name")) {
        Object v = ann.get(k);
        if (v instanceof String s && !ImageRef.isShortName(s) && names.isEmpty()) {
          ImageRef ref = ImageRef.parse(s);
          names.add(ref.name() + ":" + (ref.tag() == null ? "latest" : ref.tag()));
        }
      }
      out.add(new Found(names, blobBytes(dir, man.config().digest()), files, man.layers(), md,
          man.mediaType(), mb));
    }
    if (out.isEmpty()) throw new JboxException("load: index.json lists no manifests");
    return out;
  }

  /** docker-archive: manifest.json [{Config, RepoTags, Layers}]; an OCI manifest is made up. */
  @SuppressWarnings("unchecked")
  private List<Found> docker(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("manifest.json"), LinkOption.NOFOLLOW_LINKS)) {
      throw new JboxException("load: neither index.json (oci-archive) nor manifest.json"
          + " (docker-archive) in the archive");
    }
    List<Found> out = new ArrayList<>();
    for (Object o : (List<Object>) json(dir, "manifest.json")) {
      Map<String, Object> e = (Map<String, Object>) o;
      byte[] config = bounded(member(dir, (String) e.get("Config")), (String) e.get("Config"));
      List<Path> files = new ArrayList<>();
      List<Descriptor> layers = new ArrayList<>();
      List<Object> layerJson = new ArrayList<>();
      for (Object l : (List<Object>) e.get("Layers")) {
        Path f = member(dir, (String) l);
        files.add(f);
        Descriptor d = Descriptor.of(isGzip(f) ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER,
            sha256(f), Files.size(f));
        layers.add(d);
        layerJson.add(desc(d));
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("schemaVersion", 2);
      m.put("mediaType", MediaTypes.OCI_MANIFEST);
      m.put("config", desc(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256Of(config),
          config.length)));
      m.put("layers", layerJson);
      byte[] mb = Json.write(m).getBytes(StandardCharsets.UTF_8);
      List<String> names = new ArrayList<>();
      for (Object t : (List<Object>) e.getOrDefault("RepoTags", List.of())) {
        String s = (String) t;
        ImageRef ref = ImageRef.isShortName(s) ? ImageRef.parseIn(ImageRef.DOCKER_HUB, s)
            : ImageRef.parse(s);
        names.add(ref.name() + ":" + (ref.tag() == null ? "latest" : ref.tag()));
      }
      out.add(new Found(names, config, files, layers, Digest.sha256Of(mb),
          MediaTypes.OCI_MANIFEST, mb));
    }
    return out;
  }

  private static Map<String, Object> desc(Descriptor d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mediaType", d.mediaType());
    m.put("digest", d.digest().toString());
    m.put("size", d.size());
    return m;
  }

  private static boolean isGzip(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private static Digest sha256(Path f) throws IOException {
    MessageDigest md = dev.jbox.sys.NativeSha256.forSize(Files.size(f));
    try (InputStream in = Files.newInputStream(f)) {
      byte[] b = new byte[1 << 16];
      int n;
      while ((n = in.read(b)) > 0) md.update(b, 0, n);
    }
    return Digest.fromHasher("sha256", md);
  }

  private static Path blobFile(Path dir, Digest d) throws IOException {
    Path f = member(dir, "blobs/" + d.algorithm() + "/" + d.encoded());
    if (!sha256(f).equals(d)) throw new JboxException("load: blob " + d + " does not match its digest");
    return f;
  }

  private static byte[] blobBytes(Path dir, Digest d) throws IOException {
    return bounded(blobFile(dir, d), "blob " + d);
  }

  /** A regular file of the unpacked archive, reached through real directories only. */
  private static Path member(Path dir, String name) throws IOException {
    if (name == null || name.startsWith("/") || List.of(name.split("/")).contains("..")) {
      throw new JboxException("load: bad member name in the archive: " + name);
    }
    Path p = dir;
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      p = p.resolve(c);
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new JboxException("load: the archive has no " + name);
      }
      if (a.isSymbolicLink()) throw new JboxException("load: " + name + " is a symlink");
    }
    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new JboxException("load: " + name + " is not a file");
    }
    return p;
  }
}
