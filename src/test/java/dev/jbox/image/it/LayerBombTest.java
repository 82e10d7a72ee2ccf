package dev.jbox.image.it;

import dev.jbox.it.Jbox.Home;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers built to exhaust the puller: many tar headers for one path, and a small gzip that
 * inflates past storage.max_layer_size or into the free-space reserve. Each pull is bounded in
 * time; a refused one leaves the store as it was (no partial layer, no tmp directories).
 */
class LayerBombTest extends ImageRunFixture {
  static String headers;
  static String inflating;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    TestPush p = startRegistry(dir);
    RawTar t = new RawTar();
    for (int i = 0; i < 5_000; i++) t.dir("d" + i + "/", 0755);
    for (int i = 0; i < 45_000; i++) {
      if (i % 2 == 0) t.dir("same/", 0755);
      else t.file("same", "last");
    }
    TestImages.push(p, "test/headers", "1", List.of(t.build()), "gzip", Platform.host(),
        Map.of("Cmd", List.of("/bin/sh")));
    headers = reg.host() + "/test/headers:1";
    byte[] zeros = new RawTar().dir("bomb/", 0755).bytes("bomb/zeros", new byte[16 << 20], 0644).build();
    TestImages.push(p, "test/inflating", "1", List.of(zeros), "gzip", Platform.host(), Map.of("Cmd", List.of("/bin/sh")));
    inflating = reg.host() + "/test/inflating:1";
  }

  /**
   * 50,000 headers, 45,000 of them replacing one path, alternately a directory and a file: bounded
   * (the CPU cost per entry is UnpackTest's), and the last one wins.
   */
  @Test
  void manyHeadersForOnePath_pullInBoundedTime() throws Exception {
    Home j = jbox();
    long t0 = System.nanoTime();
    var r = HostileImageTest.bounded(j.launcher(List.of("pull", "-q", headers)), 240);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("LayerBombTest: 50,000 headers pulled in " + ms + " ms");
    assertEquals(0, r.status(), r.toString());
    List<Path> same = HostileImageTest.inLayers(j, "same");
    assertEquals(1, same.size());
    assertEquals("last", Files.readString(same.get(0)));
    String meta = Files.readString(same.get(0).getParent().getParent().resolve("layer.json"));
    assertEquals(50_000L, ((Number) dev.jbox.json.Json.parseObject(meta).get("entries")).longValue(), meta);
  }

  @Test
  void layerLargerThanMaxLayerSize_oneLineExit125_storeAsBefore() throws Exception {
    Home j = jbox();
    Path conf = j.home.resolve("config/jbox/jbox.toml");
    Files.createDirectories(conf.getParent());
    Files.writeString(conf, "[storage]\nmax_layer_size = \"4M\"\n");
    assertEquals(0, j.launch("pull", "-q", busybox).status());
    String before = storeListing(j);
    var r = HostileImageTest.bounded(j.launcher(List.of("pull", "-q", inflating)), 60);
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, errors(r), "one line: " + r.err());
    assertTrue(r.err().startsWith("jbox: ") && r.err().contains("larger than 4194304 bytes after decompression")
        && r.err().contains("storage.max_layer_size"), r.err());
    assertEquals(before, storeListing(j), "the store is as it was");
    // benign twin: a limit above the layer's size lets it in
    Files.writeString(conf, "[storage]\nmax_layer_size = 33554432\n");
    var ok = HostileImageTest.bounded(j.launcher(List.of("pull", "-q", inflating)), 60);
    assertEquals(0, ok.status(), ok.toString());
  }

  @Test
  void unpackWouldEatTheFreeSpaceReserve_oneLineExit125_storeAsBefore() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", "-q", busybox).status());
    String before = storeListing(j);
    var pb = j.launcher(List.of("pull", "-q", inflating));
    pb.environment().put("JBOX_UNPACK_MIN_FREE", Long.toString(Long.MAX_VALUE / 2));
    var r = HostileImageTest.bounded(pb, 60);
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, errors(r), "one line: " + r.err());
    assertTrue(r.err().contains("stopped unpacking: the store's filesystem is down to"), r.err());
    assertEquals(before, storeListing(j), "the store is as it was");
  }

  /** stderr's lines but the loopback registry's "insecure" warning. */
  static long errors(Home.Run r) {
    return r.err().lines().filter(l -> !l.startsWith("jbox: warning: registry ")).count();
  }

  /** Layers, images, tags and tmp (blobs may stay for a resumed pull). */
  static String storeListing(Home j) throws Exception {
    StringBuilder b = new StringBuilder();
    for (String d : List.of("layers", "images", "tmp", "containers")) {
      Path p = j.storage.resolve(d);
      if (!Files.exists(p)) continue;
      try (var s = Files.list(p)) {
        for (Path c : s.sorted().toList()) b.append(d).append('/').append(c.getFileName()).append('\n');
      }
    }
    Path tags = j.storage.resolve("tags.json");
    if (Files.exists(tags)) b.append(Files.readString(tags));
    return b.toString();
  }
}
