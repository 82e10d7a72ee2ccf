package dev.jbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);
  static final String C = "sha256:" + "c".repeat(64);

  static byte[] b(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  static String entry(String mt, String digest, String platform) {
    return "{'mediaType':'" + mt + "','digest':'" + digest + "','size':100" + (platform == null ? "" : ",'platform':" + platform) + "}";
  }

  static String index(String mt, String... entries) {
    return "{'schemaVersion':2" + (mt == null ? "" : ",'mediaType':'" + mt + "'") + ",'manifests':[" + String.join(",", entries) + "]}";
  }

  @Test
  void parse_ociManifest_readsConfigLayersAnnotations() {
    Manifest m = Manifest.parse(b("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "','config':"
        + entry(MediaTypes.OCI_CONFIG, A, null) + ",'layers':[" + entry(MediaTypes.OCI_LAYER_GZIP, B, null) + ","
        + entry(MediaTypes.OCI_LAYER_ZSTD, C, null) + "],'annotations':{'k':'v'}}"), null);
    assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
    assertEquals(A, m.config().digest().toString());
    assertEquals(2, m.layers().size());
    assertEquals(MediaTypes.Compression.ZSTD, MediaTypes.Compression.ofLayer(m.layers().get(1).mediaType()));
    assertEquals("v", m.annotations().get("k"));
  }

  @Test
  void parse_dockerManifestWithoutMediaTypeField_usesContentType() {
    Manifest m = Manifest.parse(b("{'schemaVersion':2,'config':" + entry(MediaTypes.DOCKER_CONFIG, A, null)
        + ",'layers':[" + entry(MediaTypes.DOCKER_LAYER_GZIP, B, null) + "]}"), MediaTypes.DOCKER_MANIFEST + "; charset=utf-8");
    assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
    assertEquals(MediaTypes.Compression.GZIP, MediaTypes.Compression.ofLayer(m.layers().get(0).mediaType()));
    assertEquals(MediaTypes.Compression.NONE, MediaTypes.Compression.ofLayer(MediaTypes.OCI_LAYER));
  }

  @Test
  void parse_schema1_clearError() {
    JboxException e = assertThrows(JboxException.class,
        () -> Manifest.parse(b("{'schemaVersion':1,'name':'x','fsLayers':[]}"), MediaTypes.DOCKER_SCHEMA1_SIGNED));
    assertEquals("schema1 manifests are not supported", e.getMessage());
  }

  @Test
  void parse_unknownLayerType_rejected() {
    JboxException e = assertThrows(JboxException.class, () -> Manifest.parse(b("{'schemaVersion':2,'mediaType':'"
        + MediaTypes.OCI_MANIFEST + "','config':" + entry(MediaTypes.OCI_CONFIG, A, null) + ",'layers':["
        + entry("application/x-evil", B, null) + "]}"), null));
    assertTrue(e.getMessage().contains("unsupported media type"), e.getMessage());
  }

  @Test
  void parse_malformed_rejected() {
    assertThrows(JboxException.class, () -> Manifest.parse(b("{'schemaVersion':2,"), null));
    assertThrows(JboxException.class, () -> Manifest.parse(b("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST
        + "','config':{'mediaType':'x','digest':'sha256:zz','size':1},'layers':[]}"), null));
    assertThrows(JboxException.class, () -> Manifest.parse(b("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST
        + "','config':{'mediaType':'x','digest':'" + A + "','size':-1},'layers':[]}"), null));
  }

  @Test
  void parse_indexGivenToManifest_rejected() {
    assertThrows(JboxException.class, () -> Manifest.parse(b(index(MediaTypes.OCI_INDEX)), null));
  }

  @Test
  void index_select_exactVariantPreferred() {
    ImageIndex idx = ImageIndex.parse(b(index(MediaTypes.OCI_INDEX,
        entry(MediaTypes.OCI_MANIFEST, A, "{'os':'linux','architecture':'amd64'}"),
        entry(MediaTypes.OCI_MANIFEST, B, "{'os':'linux','architecture':'arm64'}"),
        entry(MediaTypes.OCI_MANIFEST, C, "{'os':'linux','architecture':'arm64','variant':'v8'}"))), null);
    assertEquals(A, idx.select(Platform.parse("linux/amd64")).digest().toString());
    assertEquals(C, idx.select(Platform.parse("linux/arm64/v8")).digest().toString());
    assertEquals(B, idx.select(Platform.parse("linux/arm64")).digest().toString());
  }

  @Test
  void index_dockerListByShape_parsedAndSelected() {
    ImageIndex idx = ImageIndex.parse(b(index(null,
        entry(MediaTypes.DOCKER_MANIFEST, A, "{'os':'linux','architecture':'arm','variant':'v7'}"))), MediaTypes.DOCKER_LIST);
    assertEquals(MediaTypes.DOCKER_LIST, idx.mediaType());
    assertEquals(A, idx.select(Platform.parse("linux/arm")).digest().toString());
  }

  @Test
  void index_select_noMatch_listsAvailablePlatforms() {
    ImageIndex idx = ImageIndex.parse(b(index(MediaTypes.OCI_INDEX,
        entry(MediaTypes.OCI_MANIFEST, A, "{'os':'linux','architecture':'arm64','variant':'v8'}"),
        entry(MediaTypes.OCI_MANIFEST, B, "{'os':'linux','architecture':'arm','variant':'v7'}"),
        entry(MediaTypes.OCI_MANIFEST, C, "{'os':'unknown','architecture':'unknown'}"))), null);
    JboxException e = assertThrows(JboxException.class, () -> idx.select(Platform.parse("linux/s390x")));
    assertEquals("no image for platform linux/s390x in the index (available: linux/arm64/v8, linux/arm/v7, unknown/unknown)",
        e.getMessage());
  }

  @Test
  void config_parse_readsFields() {
    ImageConfig c = ImageConfig.parse(b("{'architecture':'amd64','os':'linux','created':'2024-01-02T03:04:05.123456789Z',"
        + "'config':{'User':'1000:1000','Env':['PATH=/bin','A=b'],'Entrypoint':['/init'],'Cmd':null,'WorkingDir':'/w',"
        + "'StopSignal':'SIGTERM','Labels':{'l':'v'},'ExposedPorts':{'80/tcp':{}}},"
        + "'rootfs':{'type':'layers','diff_ids':['" + A + "','" + B + "']},'history':[{},{},{}]}"));
    assertEquals("amd64", c.architecture());
    assertEquals(Instant.parse("2024-01-02T03:04:05.123456789Z"), c.created());
    assertEquals("1000:1000", c.user());
    assertEquals(List.of("PATH=/bin", "A=b"), c.env());
    assertEquals(List.of("/init"), c.entrypoint());
    assertNull(c.cmd());
    assertEquals("/w", c.workingDir());
    assertEquals("SIGTERM", c.stopSignal());
    assertEquals("v", c.labels().get("l"));
    assertTrue(c.exposedPorts().contains("80/tcp"));
    assertEquals(2, c.diffIds().size());
    assertEquals(3, c.historyCount());
    assertEquals("linux/amd64", c.platform().toString());
    assertTrue(new String(c.raw(), StandardCharsets.UTF_8).contains("diff_ids"));
  }

  @Test
  void config_parse_minimalAndBadDiffId() {
    ImageConfig c = ImageConfig.parse(b("{'os':'linux','architecture':'arm64','rootfs':{'diff_ids':[]}}"));
    assertNull(c.entrypoint());
    assertEquals(List.of(), c.env());
    assertThrows(JboxException.class, () -> ImageConfig.parse(b("{'rootfs':{'diff_ids':['sha256:nope']}}")));
  }
}
