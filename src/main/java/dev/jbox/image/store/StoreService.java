package dev.jbox.image.store;

import dev.jbox.JboxException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** ImageStore operations behind {@code rmi}, {@code tag}, {@code image prune} and {@code system df}. */
public final class StoreService {
  private final ImageStore store;
  private final Users users;

  /** The sandboxes that use an image (by image id or manifest digest): their names or short ids. */
  public interface Users {
    List<String> of(String imageId, String manifestDigest);
  }

  /** users: who uses an image, which the sandboxes' records say (the store knows nothing of them). */
  public StoreService(ImageStore store, Users users) {
    this.store = store;
    this.users = users;
  }

  private List<String> inUse(ImageRecord r) {
    return users.of(r.id(), r.manifestDigest());
  }

  /**
   * Removes an image by name or id. By name: that name goes, and the image with its last name.
   * By id: all its names and the image, which needs force when it has several names. Removing an
   * image a sandbox uses is refused, with or without force; untagging one of its names is not.
   * Returns lines to print.
   */
  public List<String> remove(String input, boolean force, ImageStore.Deleter deleter) {
    return store.locked(new ImageStore.IoSupplier<List<String>>() { // classes, not lambdas: a lambda's first link costs the JDK's method-handle machinery (LauncherTest)
      @Override
      public List<String> get() throws IOException {
      ImageLookup.Found f = ImageLookup.find(store, input);
      ImageRecord r = f.image();
      Map<String, String> tags = store.tags();
      List<String> names = store.namesOf(r, tags);
      List<String> lines = new ArrayList<>();
      if (f.name() != null && names.size() > 1) {
        // one of several names: the image stays, so its sandboxes keep it (as podman untags)
        tags.remove(f.name());
        store.writeTags(tags);
        lines.add("Untagged: " + f.name());
        return lines;
      }
      List<String> users = inUse(r);
      if (!users.isEmpty()) {
        throw new JboxException("image " + input + " is in use by sandbox " + users
            + ": remove the sandbox first");
      }
      if (f.name() == null && names.size() > 1 && !force) {
        throw new JboxException("image " + r.shortId() + " has several names " + names
            + ": remove them by name, or use -f");
      }
      for (String n : names) lines.add("Untagged: " + n);
      store.dropImage(r);
      store.collectGarbage(deleter);
      lines.add("Deleted: " + r.id().substring(7));
      return lines;
      }
    });
  }

  /** Adds a name to an image; a name that pointed elsewhere moves. */
  public void tag(String source, String target) {
    store.locked(new ImageStore.IoSupplier<Void>() {
      @Override
      public Void get() throws IOException {
        ImageRecord r = ImageLookup.find(store, source).image();
        Map<String, String> tags = store.tags();
        tags.put(ImageLookup.tagName(target), r.manifestDigest());
        store.writeTags(tags);
        return null;
      }
    });
  }

  /** Removes images without names (unless used) and unreferenced layers; returns ids and bytes. */
  public PruneResult prune(ImageStore.Deleter deleter) {
    return prune(false, deleter);
  }

  /**
   * As podman's {@code image prune}: images without names, or with {@code all} every image no
   * sandbox uses (its names go with it), then layers no image uses; returns ids and bytes.
   */
  public PruneResult prune(boolean all, ImageStore.Deleter deleter) {
    return store.locked(() -> {
      Map<String, String> tags = store.tags();
      List<String> removed = new ArrayList<>();
      for (ImageRecord r : store.images()) {
        List<String> names = store.namesOf(r, tags);
        if ((all || names.isEmpty()) && inUse(r).isEmpty()) {
          store.dropImage(r); // and its names
          removed.add(r.id().substring(7));
        }
      }
      long freed = store.collectGarbage(deleter);
      store.cleanIncomplete(deleter);
      freed += store.removeStaleTemporaries(System.currentTimeMillis() - ImageStore.STALE_TEMPORARY.toMillis(), deleter);
      return new PruneResult(removed, freed);
    });
  }

  /** What prune removed. */
  public record PruneResult(List<String> imageIds, long bytesFreed) {}

  /** Usage for {@code system df}. */
  public record Usage(int images, int activeImages, long imagesSize, long reclaimableImages,
      int layers, long layersSize, long blobsSize) {}

  public Usage usage() throws IOException {
    List<ImageRecord> all = store.images();
    Map<String, String> tags = store.tags();
    Map<String, Long> layers = store.layerSizes();
    java.util.Set<String> usedByActive = new java.util.HashSet<>();
    java.util.Set<String> usedByAny = new java.util.HashSet<>();
    int active = 0;
    for (ImageRecord r : all) {
      boolean keep = !store.namesOf(r, tags).isEmpty() || !inUse(r).isEmpty();
      if (!inUse(r).isEmpty()) active++;
      for (ImageRecord.Layer l : r.layers()) {
        usedByAny.add(l.diffId().substring(7));
        if (keep) usedByActive.add(l.diffId().substring(7));
      }
    }
    long total = 0;
    long reclaim = 0;
    for (Map.Entry<String, Long> e : layers.entrySet()) {
      total += e.getValue();
      if (!usedByActive.contains(e.getKey())) reclaim += e.getValue();
    }
    return new Usage(all.size(), active, total, reclaim, layers.size(), total, store.blobBytes());
  }
}
