package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jbox load} of docker-archive and oci-archive tarballs the test writes. */
class LoadTest {
  @TempDir Path t;

  @BeforeAll
  static void environment(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
  }

  @AfterEach
  void wipe() throws Exception {
    Path layers = t.resolve("home/storage/layers");
    if (!Files.exists(layers)) return;
    Process p = jbox().builder(StoreWipe.class.getName(), layers.toString()).inheritIO().start();
    assertEquals(0, p.waitFor());
  }

  Home jbox() throws Exception {
    return new Home(t.resolve("home"), "127.0.0.1:1");
  }

  static byte[] layer() {
    return new RawTar().dir("etc/", 0755).file("etc/hello", "loaded\n", 0644, 1000, 1000)
        .build();
  }

  static byte[] config(byte[] layer) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architecture", "amd64");
    c.put("os", "linux");
    c.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(TestPush.sha(layer))));
    return Json.write(c).getBytes(StandardCharsets.UTF_8);
  }

  Path contentOf(Home j, String image) throws Exception {
    return PullTest.layerDir(j, image).resolve("etc/hello");
  }

  @Test
  void load_dockerArchive_namesAndLayer() throws Exception {
    byte[] layer = layer();
    byte[] cfg = config(layer);
    String manifest = Json.write(List.of(Map.of("Config", "cfg.json",
        "RepoTags", List.of("example.com/app:1"), "Layers", List.of("abc/layer.tar"))));
    byte[] archive = new RawTar().bytes("cfg.json", cfg, 0644).dir("abc/", 0755)
        .bytes("abc/layer.tar", layer, 0644).file("manifest.json", manifest).build();
    Path f = t.resolve("docker.tar");
    Files.write(f, archive);
    Home j = jbox();
    Home.Run r = j.run("load", "-i", f.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals("Loaded image: example.com/app:1", r.out().trim());
    assertEquals("loaded\n", Files.readString(contentOf(j, "example.com/app:1")));
  }

  @Test
  void load_ociArchive_checksDigestsAndNames() throws Exception {
    byte[] layer = RawTar.gzip(layer());
    byte[] cfg = config(layer());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", TestImages.OCI_MANIFEST);
    m.put("config", Map.of("mediaType", "application/vnd.oci.image.config.v1+json",
        "digest", TestPush.sha(cfg), "size", cfg.length));
    m.put("layers", List.of(Map.of("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest", TestPush.sha(layer), "size", layer.length)));
    byte[] mb = Json.write(m).getBytes(StandardCharsets.UTF_8);
    String index = Json.write(Map.of("schemaVersion", 2, "manifests", List.of(Map.of(
        "mediaType", TestImages.OCI_MANIFEST, "digest", TestPush.sha(mb), "size", mb.length,
        "annotations", Map.of("io.containerd.image.name", "example.com/oci:2")))));
    RawTar tar = new RawTar().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
        .file("index.json", index);
    for (byte[] b : List.of(layer, cfg, mb)) {
      tar.bytes("blobs/sha256/" + TestPush.sha(b).substring(7), b, 0644);
    }
    Path f = t.resolve("oci.tar");
    Files.write(f, tar.build());
    Home j = jbox();
    Home.Run r = j.run("load", "-i", f.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals("Loaded image: example.com/oci:2", r.out().trim());
    assertEquals("loaded\n", Files.readString(contentOf(j, "example.com/oci:2")));
  }

  @Test
  void load_memberOutsideArchive_refused() throws Exception {
    String manifest = Json.write(List.of(Map.of("Config", "../../../etc/passwd",
        "RepoTags", List.of(), "Layers", List.of())));
    Path f = t.resolve("evil.tar");
    Files.write(f, new RawTar().file("manifest.json", manifest).build());
    Home.Run r = jbox().run("load", "-i", f.toString());
    assertEquals(125, r.status());
    assertTrue(r.err().contains("bad member name"), r.err());
  }

  /** manifest.json or index.json as a symlink (to /dev/zero, or a host file) is not read. */
  @Test
  void load_metadataIsASymlink_refusedInOneLine() throws Exception {
    for (String name : List.of("manifest.json", "index.json")) {
      Path f = t.resolve("link-" + name + ".tar");
      Files.write(f, new RawTar().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}").symlink(name, "/dev/zero").build());
      Home.Run r = HostileImageTest.bounded(jbox().builder("dev.jbox.cli.Main", "load", "-i", f.toString()), 60);
      assertEquals(125, r.status(), r.toString());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().contains(name + " is a symlink"), r.err());
    }
  }
}
