package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.image.unpack.TarEntry;
import dev.jbox.image.unpack.TarReader;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox save} end to end: images pulled from the loopback registry, saved, loaded into an
 * empty store, and the blobs the store keeps for it (and removes with the last image using them).
 */
class SaveTest {
  static TestRegistry reg;
  static TestImages.Pushed busybox;
  static TestImages.Pushed two;

  @TempDir Path t;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    reg = new TestRegistry(dir.resolve("reg"), null, null);
    TestPush p = new TestPush(reg);
    byte[] base = TestImages.busyboxLayer();
    busybox = TestImages.push(p, "test/busybox", "1", List.of(base), "gzip", Platform.host());
    two = TestImages.push(p, "test/two", "1",
        List.of(base, new RawTar().dir("etc/", 0755).file("etc/two", "2\n").build()), "gzip",
        Platform.host());
  }

  @AfterAll
  static void stop() {
    if (reg != null) reg.close();
  }

  @AfterEach
  void wipe() throws Exception {
    for (String h : List.of("home", "home2")) {
      Path layers = t.resolve(h + "/storage/layers");
      if (!Files.exists(layers)) continue;
      Process pr = jbox(h).builder(StoreWipe.class.getName(), layers.toString()).inheritIO().start();
      assertEquals(0, pr.waitFor());
    }
  }

  Home jbox(String home) throws Exception {
    return new Home(t.resolve(home), reg.host());
  }

  String name(String repo) {
    return reg.host() + "/" + repo + ":1";
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> inspect(Home j, String image) throws Exception {
    Home.Run r = j.run("image", "inspect", image);
    assertEquals(0, r.status(), r.err());
    return (Map<String, Object>) ((List<Object>) Json.parse(r.out())).get(0);
  }

  static Map<String, byte[]> members(Path tar) throws Exception {
    Map<String, byte[]> out = new HashMap<>();
    try (InputStream in = Files.newInputStream(tar)) {
      TarReader r = new TarReader(in, 4096);
      TarEntry e;
      while ((e = r.next()) != null) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = r.read(buf, 0, buf.length)) > 0) b.write(buf, 0, n);
        out.put(e.name(), b.toByteArray());
      }
    }
    return out;
  }

  void roundTrip(String format) throws Exception {
    Home a = jbox("home");
    assertEquals(0, a.run("pull", "-q", name("test/two")).status());
    Path file = t.resolve("two-" + format + ".tar");
    Home.Run s = a.run("save", "--format", format, "-o", file.toString(), name("test/two"));
    assertEquals(0, s.status(), s.err());
    assertEquals("", s.err());
    Map<String, byte[]> m = members(file);
    for (String d : two.layerDigests()) {
      assertTrue(m.containsKey("blobs/sha256/" + d.substring(7)), "original blob " + d);
    }
    assertArrayEquals(two.manifest(), m.get("blobs/sha256/" + two.manifestDigest().substring(7)));
    assertEquals(format.equals("docker-archive"), m.containsKey("manifest.json"));

    Home b = jbox("home2");
    Home.Run l = b.run("load", "-i", file.toString());
    assertEquals(0, l.status(), l.err());
    assertEquals("Loaded image: " + name("test/two"), l.out().trim());
    Map<String, Object> before = inspect(a, name("test/two"));
    Map<String, Object> after = inspect(b, name("test/two"));
    assertEquals(before.get("Id"), after.get("Id"));
    assertEquals(two.manifestDigest(), after.get("Digest"));
    assertEquals(before.get("Layers").toString().replace(t.resolve("home").toString(), ""),
        after.get("Layers").toString().replace(t.resolve("home2").toString(), ""));
    assertEquals("2\n", Files.readString(PullTest.layerDir(b, name("test/two")).resolve("etc/two")));
    // the loaded store keeps the blobs too: saving again gives the same members
    Path again = t.resolve("again.tar");
    assertEquals(0, b.run("save", "--format", format, "-o", again.toString(), name("test/two"))
        .status());
    assertEquals(m.keySet(), members(again).keySet());
  }

  @Test
  void save_dockerArchive_loadsBackDigestIdentical() throws Exception {
    roundTrip("docker-archive");
  }

  @Test
  void save_ociArchive_loadsBackDigestIdentical() throws Exception {
    roundTrip("oci-archive");
  }

  @Test
  @SuppressWarnings("unchecked")
  void save_dockerArchiveToStdout_layersDecompressToDiffIds() throws Exception {
    Home a = jbox("home");
    assertEquals(0, a.run("pull", "-q", name("test/two")).status());
    Path file = t.resolve("stdout.tar");
    ProcessBuilder pb = a.builder("dev.jbox.cli.Main", "save", name("test/two"));
    pb.redirectOutput(file.toFile());
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    assertEquals(0, pb.start().waitFor());
    Map<String, byte[]> m = members(file);
    Map<String, Object> entry = (Map<String, Object>) ((List<Object>) Json.parse(
        new String(m.get("manifest.json"), StandardCharsets.UTF_8))).get(0);
    assertEquals(List.of(name("test/two")), entry.get("RepoTags"));
    Map<String, Object> cfg = Json.parseObject(new String(m.get((String) entry.get("Config")),
        StandardCharsets.UTF_8));
    List<Object> diffIds = (List<Object>) ((Map<String, Object>) cfg.get("rootfs")).get("diff_ids");
    List<Object> layers = (List<Object>) entry.get("Layers");
    assertEquals(diffIds.size(), layers.size());
    for (int i = 0; i < layers.size(); i++) {
      byte[] tar = new GZIPInputStream(new java.io.ByteArrayInputStream(
          m.get((String) layers.get(i)))).readAllBytes();
      assertEquals(diffIds.get(i), TestPush.sha(tar));
    }
  }

  @Test
  void save_unknownImage_oneLine125() throws Exception {
    Home.Run r = jbox("home").run("save", "-o", t.resolve("x.tar").toString(), "nosuch:1");
    assertEquals(125, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("jbox: "), r.err());
    assertFalse(Files.exists(t.resolve("x.tar")));
  }

  @Test
  void save_intoMissingDirectory_oneLine125NothingLeft() throws Exception {
    Home a = jbox("home");
    assertEquals(0, a.run("pull", "-q", name("test/busybox")).status());
    Path missing = t.resolve("no/such/dir/out.tar");
    Home.Run r = a.run("save", "-o", missing.toString(), name("test/busybox"));
    assertEquals(125, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("no such directory"), r.err());
    assertFalse(Files.exists(t.resolve("no")));
  }

  static List<String> blobs(Home j) throws Exception {
    try (Stream<Path> s = Files.list(j.storage.resolve("blobs/sha256"))) {
      return s.map(p -> "sha256:" + p.getFileName()).sorted().toList();
    }
  }

  @Test
  void rmi_removesUnsharedBlobsKeepsShared() throws Exception {
    Home a = jbox("home");
    assertEquals(0, a.run("pull", "-q", name("test/busybox")).status());
    assertEquals(0, a.run("pull", "-q", name("test/two")).status());
    List<String> all = blobs(a);
    for (String d : two.layerDigests()) assertTrue(all.contains(d), d + " kept after pull");
    Home.Run r = a.run("rmi", name("test/two"));
    assertEquals(0, r.status(), r.err());
    List<String> left = blobs(a);
    String shared = busybox.layerDigests().get(0);
    assertEquals(shared, two.layerDigests().get(0));
    assertTrue(left.contains(shared), "shared layer blob kept");
    assertFalse(left.contains(two.layerDigests().get(1)), "own layer blob removed");
    assertFalse(left.contains(two.configDigest()));
    assertFalse(left.contains(two.manifestDigest()));
    assertEquals(0, a.run("rmi", name("test/busybox")).status());
    assertEquals(List.of(), blobs(a));
  }
}
