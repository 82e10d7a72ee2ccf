package dev.jbox.image.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbox.image.Digest;
import dev.jbox.image.unpack.TarEntry;
import dev.jbox.image.unpack.TarReader;
import dev.jbox.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The archive layout {@code jbox save} writes, read back with jbox's own tar reader. */
class ImageArchiveWriterTest {
  private final Map<String, byte[]> store = new LinkedHashMap<>();

  private String put(String content) {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    String d = Digest.sha256Of(b).toString();
    store.put(d, b);
    return d;
  }

  private final ImageArchiveWriter.Blobs blobs = new ImageArchiveWriter.Blobs() {
    @Override
    public long size(String digest) {
      return store.get(digest).length;
    }

    @Override
    public InputStream open(String digest) {
      return new ByteArrayInputStream(store.get(digest));
    }
  };

  private List<ImageArchiveWriter.Image> twoImagesSharingALayer() {
    String shared = put("layer shared by both");
    String own = put("layer of the second image, longer than one block? no, but odd: 123");
    String c1 = put("{\"config\":1}");
    String c2 = put("{\"config\":2}");
    byte[] m1 = "{\"m\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] m2 = "{\"m\":2}".getBytes(StandardCharsets.UTF_8);
    String mt = "application/vnd.oci.image.manifest.v1+json";
    return List.of(
        new ImageArchiveWriter.Image(m1, Digest.sha256Of(m1).toString(), mt, c1,
            List.of(shared), List.of("example.com/one:1")),
        new ImageArchiveWriter.Image(m2, Digest.sha256Of(m2).toString(), mt, c2,
            List.of(shared, own), List.of()));
  }

  private Map<String, byte[]> read(byte[] tar, List<String> order) throws IOException {
    TarReader r = new TarReader(new ByteArrayInputStream(tar), 4096);
    Map<String, byte[]> out = new LinkedHashMap<>();
    TarEntry e;
    while ((e = r.next()) != null) {
      order.add(e.name());
      assertEquals(0, e.uid());
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      byte[] buf = new byte[100];
      int n;
      while ((n = r.read(buf, 0, buf.length)) > 0) b.write(buf, 0, n);
      assertFalse(out.containsKey(e.name()), "duplicate member " + e.name());
      out.put(e.name(), b.toByteArray());
    }
    return out;
  }

  @Test
  @SuppressWarnings("unchecked")
  void dockerArchive_blobsOnceIndexAndManifestJson() throws IOException {
    List<ImageArchiveWriter.Image> images = twoImagesSharingALayer();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ImageArchiveWriter(ImageArchiveWriter.Format.DOCKER_ARCHIVE, blobs).write(images, out);
    assertEquals(0, out.size() % 512);
    List<String> order = new ArrayList<>();
    Map<String, byte[]> m = read(out.toByteArray(), order);
    assertEquals("oci-layout", order.get(0));
    for (Map.Entry<String, byte[]> b : store.entrySet()) {
      assertArrayEquals(b.getValue(), m.get("blobs/sha256/" + b.getKey().substring(7)));
    }
    for (ImageArchiveWriter.Image im : images) {
      assertArrayEquals(im.manifest(), m.get("blobs/sha256/" + im.manifestDigest().substring(7)));
    }
    List<Object> docker = (List<Object>) Json.parse(new String(m.get("manifest.json"),
        StandardCharsets.UTF_8));
    Map<String, Object> second = (Map<String, Object>) docker.get(1);
    assertEquals("blobs/sha256/" + images.get(1).configDigest().substring(7), second.get("Config"));
    assertEquals(List.of(), second.get("RepoTags"));
    assertEquals(2, ((List<Object>) second.get("Layers")).size());
    assertEquals(List.of("example.com/one:1"), ((Map<String, Object>) docker.get(0)).get("RepoTags"));
    Map<String, Object> index = Json.parseObject(new String(m.get("index.json"),
        StandardCharsets.UTF_8));
    List<Object> ms = (List<Object>) index.get("manifests");
    assertEquals(2, ms.size());
    Map<String, Object> first = (Map<String, Object>) ms.get(0);
    assertEquals(images.get(0).manifestDigest(), first.get("digest"));
    Map<String, Object> ann = (Map<String, Object>) first.get("annotations");
    assertEquals("example.com/one:1", ann.get("io.containerd.image.name"));
    assertEquals("1", ann.get("org.opencontainers.image.ref.name"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void ociArchive_noManifestJson_fullRefName() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ImageArchiveWriter(ImageArchiveWriter.Format.OCI_ARCHIVE, blobs)
        .write(twoImagesSharingALayer(), out);
    Map<String, byte[]> m = read(out.toByteArray(), new ArrayList<>());
    assertFalse(m.containsKey("manifest.json"));
    Map<String, Object> index = Json.parseObject(new String(m.get("index.json"),
        StandardCharsets.UTF_8));
    Map<String, Object> first = (Map<String, Object>) ((List<Object>) index.get("manifests")).get(0);
    assertEquals("example.com/one:1", ((Map<String, Object>) first.get("annotations"))
        .get("org.opencontainers.image.ref.name"));
  }

  @Test
  void blobShorterThanItsSize_fails() {
    String d = put("abc");
    ImageArchiveWriter.Blobs lying = new ImageArchiveWriter.Blobs() {
      @Override
      public long size(String digest) {
        return 10;
      }

      @Override
      public InputStream open(String digest) {
        return new ByteArrayInputStream(store.get(digest));
      }
    };
    byte[] mb = "{}".getBytes(StandardCharsets.UTF_8);
    var im = new ImageArchiveWriter.Image(mb, Digest.sha256Of(mb).toString(), "x", d, List.of(),
        List.of());
    assertThrows(IOException.class, () -> new ImageArchiveWriter(
        ImageArchiveWriter.Format.OCI_ARCHIVE, lying).write(List.of(im), new ByteArrayOutputStream()));
  }

  @Test
  void header_largeSizeUsesBase256() {
    byte[] h = TarWriter.header("big", '0', 0644, 10L << 30);
    assertEquals((byte) 0x80, h[124]);
    long v = 0;
    for (int i = 128; i < 136; i++) v = (v << 8) | (h[i] & 0xff);
    assertEquals(10L << 30, v);
  }
}
