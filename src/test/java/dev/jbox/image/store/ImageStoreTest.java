package dev.jbox.image.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageStore layout, lookups, locks and garbage collection without a registry. */
class ImageStoreTest {
  @TempDir Path t;

  static String d(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  ImageRecord record(char manifest, char config, char layer) {
    return new ImageRecord(d(manifest), "application/vnd.oci.image.manifest.v1+json", null,
        d(config), "linux/amd64", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 10,
        List.of(new ImageRecord.Layer(d('f'), "application/vnd.oci.image.layer.v1.tar+gzip", 5,
            d(layer))), List.of());
  }

  ImageStore storeWithLayer(char layer) throws Exception {
    ImageStore s = ImageStore.open(t.resolve("s"));
    s.beginLayer(d(layer), dirs -> {});
    Files.createDirectories(s.layerDir(d(layer)).resolve("diff"));
    s.finishLayer(d(layer), Map.of("size", 123));
    return s;
  }

  @Test
  void staleTemporaries_oldPartialDownloadsAndLoadDirsGo_freshOnesAndBlobsStay() throws Exception {
    ImageStore s = ImageStore.open(t.resolve("s"));
    Path blobs = t.resolve("s/blobs/sha256");
    Files.createDirectories(blobs);
    Path oldPartial = Files.write(blobs.resolve("a".repeat(64) + ".partial"), new byte[1000]);
    Path livePartial = Files.write(blobs.resolve("b".repeat(64) + ".partial"), new byte[10]);
    Path oldBlob = Files.write(blobs.resolve("c".repeat(64)), new byte[10]);
    Path tmp = Files.createDirectories(t.resolve("s/tmp"));
    Path oldLoad = Files.createDirectories(tmp.resolve("load-1"));
    Files.write(oldLoad.resolve("layer"), new byte[5]);
    Path liveLoad = Files.createDirectories(tmp.resolve("load-2"));
    Path other = Files.createDirectories(tmp.resolve("other"));
    long now = System.currentTimeMillis();
    java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(now - 2 * 3600_000L);
    for (Path p : List.of(oldPartial, oldBlob, oldLoad, other)) Files.setLastModifiedTime(p, old);
    List<Path> deleted = new java.util.ArrayList<>();
    long freed = s.removeStaleTemporaries(now - ImageStore.STALE_TEMPORARY.toMillis(), dirs -> {
      deleted.addAll(dirs);
      for (Path d : dirs) {
        try (var w = Files.walk(d)) {
          for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
      }
    });
    assertEquals(1000, freed);
    assertEquals(List.of(oldLoad), deleted, "load dirs go through the deleter (subordinate-id files)");
    assertTrue(!Files.exists(oldPartial) && !Files.exists(oldLoad));
    assertTrue(Files.exists(livePartial) && Files.exists(liveLoad), "a download or load in progress stays");
    assertTrue(Files.exists(oldBlob) && Files.exists(other), "only temporaries are touched");
  }

  @Test
  void lookup_shortNameIdPrefixAndFullName() throws Exception {
    ImageStore s = storeWithLayer('1');
    s.locked(() -> {
      s.putImage(record('a', 'b', '1'), "docker.io/library/alpine:latest");
      return null;
    });
    assertEquals(d('a'), ImageLookup.find(s, "alpine").image().manifestDigest());
    assertEquals(d('a'), ImageLookup.find(s, "docker.io/library/alpine").image().manifestDigest());
    assertEquals(d('a'), ImageLookup.find(s, "bbbb").image().manifestDigest());
    assertThrows(JboxException.class, () -> ImageLookup.find(s, "debian"));
    assertEquals("localhost/mine:latest", ImageLookup.tagName("mine"));
  }

  @Test
  void remove_lastNameDeletesImageAndUnusedLayer() throws Exception {
    ImageStore s = storeWithLayer('1');
    s.locked(() -> {
      s.putImage(record('a', 'b', '1'), "docker.io/library/alpine:latest");
      return null;
    });
    StoreService svc = new StoreService(s, (id, digest) -> List.of());
    svc.tag("alpine", "other:1");
    assertEquals(List.of("Untagged: localhost/other:1"), svc.remove("other:1", false, x -> {}));
    assertTrue(s.layerComplete(d('1')));
    List<String> out = svc.remove("alpine", false, dirs -> dirs.forEach(p -> {
      try {
        Files.deleteIfExists(p);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }));
    assertTrue(out.get(out.size() - 1).startsWith("Deleted: bbbb"), out.toString());
    assertTrue(s.images().isEmpty());
    assertTrue(Files.notExists(s.layerDir(d('1'))));
  }

  @Test
  void lowerDirs_topFirstAndRefuseIncomplete() throws Exception {
    ImageStore s = storeWithLayer('1');
    s.beginLayer(d('2'), dirs -> {});
    s.finishLayer(d('2'), Map.of("size", 1));
    ImageRecord r = new ImageRecord(d('a'), "m", null, d('b'), "linux/amd64", null, "x", 1,
        List.of(new ImageRecord.Layer(d('f'), "t", 1, d('1')),
            new ImageRecord.Layer(d('e'), "t", 1, d('2')),
            new ImageRecord.Layer(d('f'), "t", 1, d('1'))), List.of());
    assertEquals(List.of(s.layerDir(d('1')).resolve("diff"), s.layerDir(d('2')).resolve("diff")),
        s.lowerDirs(r));
    s.beginLayer(d('2'), dirs -> {});
    assertThrows(JboxException.class, () -> s.lowerDirs(r));
  }

  @Test
  void incompleteLayer_cleanedOnlyWhenNobodyHoldsIt() throws Exception {
    ImageStore s = ImageStore.open(t.resolve("s"));
    s.beginLayer(d('2'), dirs -> {});
    try (Locks.Held h = Locks.acquire(s.layerLockFile(d('2')), true)) {
      assertNotNull(h);
      assertEquals(0, s.cleanIncomplete(dirs -> {}));
    }
    assertEquals(1, s.cleanIncomplete(dirs -> {}));
    assertTrue(Files.notExists(s.layerDir(d('2'))));
  }

  @Test
  void locks_sharedTogetherExclusiveAlone() throws Exception {
    Path f = t.resolve("x.lock");
    Locks.Held a = Locks.acquire(f, false);
    Locks.Held b = Locks.tryAcquire(f, false);
    assertNotNull(b);
    assertNull(Locks.tryAcquire(f, true));
    a.close();
    b.close();
    Locks.Held c = Locks.tryAcquire(f, true);
    assertNotNull(c);
    assertNull(Locks.tryAcquire(f, false));
    c.close();
  }
}
