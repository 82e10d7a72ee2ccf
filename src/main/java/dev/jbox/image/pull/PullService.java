package dev.jbox.image.pull;

import dev.jbox.JboxException;
import dev.jbox.helper.UserNamespace;
import dev.jbox.image.Descriptor;
import dev.jbox.image.Digest;
import dev.jbox.image.ImageConfig;
import dev.jbox.image.ImageRef;
import dev.jbox.image.registry.AuthFile;
import dev.jbox.image.registry.RegistriesConf;
import dev.jbox.image.registry.RegistryClient;
import dev.jbox.image.registry.ResolvedManifest;
import dev.jbox.image.registry.ShortNameAliases;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.Locks;
import dev.jbox.image.store.ImageStore;
import dev.jbox.image.unpack.UnpackLimits;
import dev.jbox.image.unpack.Unpacker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Pulls an image into the store: resolve the name, fetch the manifest and config, fetch and unpack
 * the missing layers in parallel (each under its layer lock), then write the record and tag.
 */
public final class PullService {
  private final ImageStore store;
  private final PrintStream out;
  private final PrintStream err;

  public PullService(ImageStore store, PrintStream out, PrintStream err) {
    this.store = store;
    this.out = out;
    this.err = err;
  }

  /**
   * The unpacker for this user: layers unpack in this JVM (real root sets their owners as it
   * goes; anyone else creates the files as themself, root of their user namespace, and has
   * {@code jbox-helper owners} set the other owners in that user namespace); deleting and copying
   * up subordinate-owned trees runs in a second JVM in the user namespace.
   */
  public static Unpacker newUnpacker(PrintStream warnings) {
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    // once per pull, as when a child JVM unpacked: the in-process unpack and a child JVM (deleting,
    // copy-up) would each say it
    java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.function.Consumer<String> warn = w -> {
      if (warned.compareAndSet(false, true)) warnings.println("jbox: warning: " + w);
    };
    UnaryOperator<List<String>> wrap = root ? argv -> argv : argv -> UserNamespace.wrap(argv, warn);
    Unpacker.InProcess local;
    if (root) {
      local = new Unpacker.InProcess(null, null);
    } else {
      // the maps UserNamespace.wrap gives: the user's own; a single-id map's warning is said when
      // the first layer unpacks (a pull of an image already stored says nothing, as before)
      dev.jbox.sandbox.idmap.IdMap map = dev.jbox.sandbox.idmap.IdMaps.build(
          dev.jbox.sandbox.idmap.IdMaps.Caller.current(), List.of(), List.of());
      local = new Unpacker.InProcess(map, dest -> UserNamespace.wrap(
          List.of(dev.jbox.helper.HelperBinary.locate().toString(), "owners", dest.toString()), w -> {}, List.of(), map),
          map.warning() == null ? null : () -> warn.accept(map.warning()));
    }
    return new Unpacker(wrap, true, UnpackLimits.withMaxBytes(
        dev.jbox.config.ConfigLoader.load(System.getenv()).storage().maxLayerSize()), local);
  }

  private volatile LayerIds ids;

  private LayerIds ids() {
    LayerIds i = ids;
    if (i == null) ids = i = LayerIds.current();
    return i;
  }

  /** Pulls and returns the stored record. */
  public ImageRecord pull(PullRequest req) {
    RegistriesConf conf = RegistriesConf.load();
    RegistriesConf.Resolution res = conf.resolve(req.image(), req.prompter());
    ProgressView view = new ProgressView(out, req.tty(), req.quiet());
    if (res.note() != null) view.line(res.note());
    RegistryClient client = RegistryClient.create(conf, AuthFile.load(), req.tlsVerify(), err);
    List<JboxException> failed = new ArrayList<>();
    for (ImageRef ref : res.candidates()) {
      view.line("Trying to pull " + ref + "...");
      ResolvedManifest rm;
      try {
        rm = client.resolve(ref, req.platform());
      } catch (JboxException e) {
        failed.add(e);
        continue;
      }
      ImageRecord rec = fetch(client, ref, rm, req, view);
      if (res.recordAs() != null) {
        // as podman does, a choice made at the prompt is kept once the pull has worked
        Path file = ShortNameAliases.userFile(System.getenv(), System.getProperty("user.home"));
        ShortNameAliases.record(file, res.recordAs(), ref);
        view.line("Recorded \"" + res.recordAs() + "\" as an alias of " + ref.name() + " in " + file);
      }
      return rec;
    }
    if (failed.isEmpty()) throw new JboxException("pull " + req.image() + ": no candidates");
    if (failed.size() == 1) throw failed.get(0);
    // every candidate's answer, not only the last one's: "manifest unknown" from the registry that
    // was asked first is what the user needs, not "connection refused" from the one tried last
    StringBuilder b = new StringBuilder("pull " + req.image() + ": not found in any of " + failed.size() + " registries: ");
    for (int i = 0; i < failed.size(); i++) b.append(i == 0 ? "" : "; ").append(failed.get(i).getMessage());
    throw new JboxException(b.toString(), failed.get(0));
  }

  private ImageRecord fetch(RegistryClient client, ImageRef ref, ResolvedManifest rm,
      PullRequest req, ProgressView view) {
    Descriptor cfgDesc = rm.manifest().config();
    byte[] cfgBytes = client.fetchBlobBytes(ref, cfgDesc, 16 << 20);
    ImageConfig cfg = ImageConfig.parse(cfgBytes);
    List<Descriptor> layers = rm.manifest().layers();
    if (cfg.diffIds().size() != layers.size()) {
      throw new JboxException("pull " + ref + ": the config lists " + cfg.diffIds().size()
          + " diff ids for " + layers.size() + " layers");
    }
    if (cfg.platform() != null && !cfg.platform().matches(req.platform())) {
      err.println("jbox: warning: image platform (" + cfg.platform()
          + ") does not match the expected platform (" + req.platform() + ")");
    }
    List<Locks.Held> held = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, req.parallel()));
    try (Unpacker unpacker = newUnpacker(err)) {
      store.cleanIncomplete(unpacker::delete);
      List<Future<Locks.Held>> futures = new ArrayList<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < layers.size(); i++) {
        Descriptor d = layers.get(i);
        String diffId = cfg.diffIds().get(i).toString();
        if (!seen.add(diffId)) continue; // the same diff twice (empty layers): one directory
        futures.add(pool.submit(() -> layer(client, ref, d, diffId, unpacker, view)));
      }
      JboxException failure = null;
      for (Future<Locks.Held> f : futures) {
        try {
          held.add(f.get());
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (failure == null) {
            failure = c instanceof JboxException je ? je
                : new JboxException("pull " + ref + ": " + c.getMessage(), c);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new JboxException("pull " + ref + ": interrupted");
        }
      }
      if (failure != null) throw failure;
      // A layer that was already unpacked (from another image, or by a jbox that did not keep
      // blobs) may lack this manifest's blob: fetch it, still holding the layer locks.
      for (Descriptor d : layers) {
        if (!Files.isRegularFile(store.blobPath(d.digest().toString()))) {
          client.fetchBlob(ref, d, store.blobPath(d.digest().toString()), view);
        }
      }
      view.line("Copying config " + cfgDesc.digest().encoded().substring(0, 12) + " done");
      view.line("Writing manifest to image destination");
      return writeImage(cfgBytes, cfgDesc.digest(), cfg, layers, rm.manifestDigest(),
          rm.mediaType(), rm.bytes(), rm.indexDigest() == null ? null
              : rm.indexDigest().toString(), ref.name(),
          ref.tag() != null ? ref.name() + ":" + ref.tag() : null, platformOf(cfg, req));
    } catch (IOException e) {
      throw new JboxException("pull " + ref + ": " + e.getMessage(), e);
    } finally {
      pool.shutdownNow();
      for (Locks.Held h : held) h.close();
    }
  }

  /** Stores config and manifest blobs, the image record and its name, under the store lock. */
  ImageRecord writeImage(byte[] cfgBytes, Digest cfgDigest, ImageConfig cfg,
      List<Descriptor> layers, Digest manifestDigest, String manifestMediaType,
      byte[] manifestBytes, String indexDigest, String repoName, String name, String platform) {
    return store.locked(() -> {
      Files.write(store.blobPath(cfgDigest.toString()), cfgBytes);
      Files.write(store.blobPath(manifestDigest.toString()), manifestBytes);
      List<ImageRecord.Layer> ls = new ArrayList<>();
      long size = 0;
      java.util.Set<String> counted = new java.util.HashSet<>();
      for (int i = 0; i < layers.size(); i++) {
        String diffId = cfg.diffIds().get(i).toString();
        Object s = store.layerMeta(diffId).get("size");
        if (counted.add(diffId)) size += s instanceof Number n ? n.longValue() : 0;
        ls.add(new ImageRecord.Layer(layers.get(i).digest().toString(),
            layers.get(i).mediaType(), layers.get(i).size(), diffId));
      }
      ImageRecord old = store.image(manifestDigest.toString());
      List<String> repoDigests = new ArrayList<>(old == null ? List.of() : old.repoDigests());
      if (repoName != null) {
        String rd = repoName + "@" + manifestDigest;
        if (!repoDigests.contains(rd)) repoDigests.add(rd);
      }
      ImageRecord r = new ImageRecord(manifestDigest.toString(), manifestMediaType, indexDigest,
          cfgDigest.toString(), platform, cfg.created() == null ? null : cfg.created().toString(),
          old != null ? old.pulled() : Instant.now().toString(), size, ls, repoDigests);
      store.putImage(r, name);
      return r;
    });
  }

  private static String platformOf(ImageConfig cfg, PullRequest req) {
    if (cfg.os() == null) return req.platform().toString();
    return cfg.os() + "/" + cfg.architecture() + (cfg.variant() != null ? "/" + cfg.variant() : "");
  }

  /**
   * Makes one layer complete and returns a shared lock on it, held until the record is written
   * so a concurrent prune cannot remove it. Shared locks are held for long only on complete
   * layers; unpacking needs the exclusive lock, taken without waiting: if another process has
   * it, that process is unpacking, and polling for a shared lock waits for it to finish. (Waiting
   * for the exclusive lock instead could deadlock two pulls that each hold a finished layer
   * shared while wanting the other's; see ensureLayer for why no lock here is a blocking wait.)
   */
  private Locks.Held layer(RegistryClient client, ImageRef ref, Descriptor d, String diffId,
      Unpacker unpacker, ProgressView view) throws IOException {
    return ensureLayer(diffId, d, unpacker, view,
        () -> unpackLayer(client, ref, d, diffId, unpacker, view));
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  /** The step that fills a begun layer directory and records it. */
  interface LayerWork {
    void run() throws IOException;
  }

  Locks.Held ensureLayer(String diffId, Descriptor d, Unpacker unpacker, ProgressView view,
      LayerWork work) throws IOException {
    Path lockFile = store.layerLockFile(diffId);
    boolean unpacked = false;
    while (true) {
      // Polled, never a blocking wait: fcntl locks belong to the process, so the kernel's
      // deadlock check sees a cycle when this thread waits for a layer another pull is
      // unpacking while one of that pull's threads waits for a layer one of ours is unpacking,
      // and fails the wait with EDEADLK ("Resource deadlock avoided") although both unpacks
      // finish on their own. Two pulls of images sharing two layers hit it.
      Locks.Held shared = Locks.tryAcquire(lockFile, false);
      if (shared == null) {
        pause();
        continue;
      }
      if (store.layerComplete(diffId) && !ids().stale(store, diffId)) {
        if (!unpacked) {
          view.line("Copying blob " + d.digest().encoded().substring(0, 12)
              + " skipped: already exists");
        }
        return shared;
      }
      shared.close();
      Locks.Held ex = Locks.tryAcquire(lockFile, true);
      if (ex == null) {
        pause();
        continue;
      }
      try {
        if (!store.layerComplete(diffId) || ids().stale(store, diffId)) {
          // a stale layer (unpacked for other subordinate ids, see LayerIds) is replaced: the
          // work's beginLayer deletes the old files
          try {
            work.run();
            unpacked = true;
          } catch (RuntimeException | IOException e) {
            try {
              store.abandonLayer(diffId, unpacker::delete);
            } catch (IOException | RuntimeException cleanup) {
              e.addSuppressed(cleanup); // the next pull's cleanIncomplete retries
            }
            throw e;
          }
        }
      } finally {
        ex.close();
      }
    }
  }

  private void unpackLayer(RegistryClient client, ImageRef ref, Descriptor d, String diffId,
      Unpacker unpacker, ProgressView view) throws IOException {
    store.beginLayer(diffId, unpacker::delete);
    Path blob = store.blobPath(d.digest().toString());
    Path dir = store.layerDir(diffId);
    // Unpacking starts now and follows the download; the bytes it reads are verified by the
    // client before the layer counts (and the diff id is checked below in any case).
    Unpacker.Job job = unpacker.unpackFollowing(blob, dir.resolve("diff"), d.digest().toString());
    try {
      client.fetchBlob(ref, d, blob, view);
    } catch (RuntimeException e) {
      job.cancel();
      try {
        job.await();
      } catch (IOException ignored) {
        // expected: the download failed
      }
      throw e;
    }
    Map<String, Object> r;
    try {
      r = job.await();
    } catch (IOException followFailed) {
      String m = String.valueOf(followFailed.getMessage());
      if (!m.contains("the download restarted")) {
        throw new JboxException("pull " + ref + ": " + m, followFailed);
      }
      // The download restarted under the reader: unpack again from the finished file.
      try {
        store.beginLayer(diffId, unpacker::delete);
        r = unpacker.unpack(blob, dir.resolve("diff"), d.digest().toString());
      } catch (IOException e) {
        throw new JboxException("pull " + ref + ": " + e.getMessage(), e);
      }
    }
    recordLayer("pull " + ref, diffId, d, r);
    // The compressed blob stays in blobs/sha256/ for jbox save; rmi and prune remove it with
    // the last image that references it.
  }

  /** Checks the unpacked layer's diff id and writes its metadata, completing it. */
  void recordLayer(String action, String diffId, Descriptor d, Map<String, Object> r)
      throws IOException {
    if (!diffId.equals(r.get("diffId"))) {
      throw new JboxException(action + ": layer " + d.digest() + " unpacks to "
          + r.get("diffId") + " but the image config says " + diffId);
    }
    @SuppressWarnings("unchecked")
    List<Object> notes = (List<Object>) r.get("notes");
    for (Object n : notes) err.println("jbox: warning: layer " + d.digest().shortHex() + ": " + n);
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("diffId", diffId);
    meta.put("digest", d.digest().toString());
    meta.put("mediaType", d.mediaType());
    meta.put("compressedSize", d.size());
    meta.put("size", r.get("size"));
    meta.put("entries", r.get("entries"));
    meta.put("devicesSkipped", r.get("devices"));
    meta.put("uidMap", r.get("uidMap"));
    meta.put("gidMap", r.get("gidMap"));
    meta.put("unpacked", Instant.now().toString());
    store.finishLayer(diffId, meta);
  }
}
