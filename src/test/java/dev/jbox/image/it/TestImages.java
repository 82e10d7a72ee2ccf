package dev.jbox.image.it;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.image.testing.Zstd;
import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the test images (layers as raw tars, OCI config/manifest/index) and pushes them. */
final class TestImages {
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  private TestImages() {}

  /** The pushed image: its manifest digest and config digest (the image id). */
  record Pushed(String manifestDigest, String configDigest, byte[] manifest,
      List<String> layerDigests) {}

  /** A busybox rootfs: host busybox, owners 0 and 1000, a setuid file, a symlink. */
  static byte[] busyboxLayer() throws Exception {
    Path bb = Path.of("/bin/busybox");
    byte[] busybox = Files.exists(bb) ? Files.readAllBytes(bb) : "#!/bin/false\n".getBytes();
    return new RawTar()
        .dir("bin/", 0755).bytes("bin/busybox", busybox, 0755).symlink("bin/sh", "busybox")
        .dir("etc/", 0755).file("etc/passwd", "root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n")
        .dir("home/", 0755).dir("home/u/", 0700, 1000, 1000)
        .file("home/u/notes", "mine\n", 0640, 1000, 1000)
        .dir("srv/", 0755).file("srv/data", "shared\n", 0644, 1000, 1000)
        .file("bin/suid", "#!/bin/sh\n", 04755, 0, 0)
        .dir("tmp/", 01777)
        .build();
  }

  static Pushed push(TestPush p, String repo, String tag, List<byte[]> tars, String compression,
      Platform platform) throws Exception {
    return push(p, repo, tag, tars, compression, platform, Map.of("Cmd", List.of("/bin/sh"), "Env", List.of("PATH=/bin")));
  }

  /** As above, with the image config's "config" object given (Entrypoint, Cmd, Env, ...). */
  static Pushed push(TestPush p, String repo, String tag, List<byte[]> tars, String compression,
      Platform platform, Map<String, Object> config) throws Exception {
    List<Object> diffIds = new ArrayList<>();
    List<Object> layers = new ArrayList<>();
    List<String> layerDigests = new ArrayList<>();
    for (byte[] tar : tars) {
      diffIds.add(TestPush.sha(tar));
      byte[] blob = switch (compression) {
        case "gzip" -> RawTar.gzip(tar);
        case "gzip-bad-crc" -> { // a layer whose digest matches but whose gzip trailer does not
          byte[] g = RawTar.gzip(tar);
          g[g.length - 8] ^= 0x5a;
          yield g;
        }
        case "zstd" -> Zstd.compress(tar);
        default -> tar;
      };
      String d = p.blob(repo, blob);
      layerDigests.add(d);
      layers.add(desc("application/vnd.oci.image.layer.v1.tar"
          + (compression.equals("none") ? "" : "+" + compression.replace("-bad-crc", "")), d, blob.length));
    }
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("created", "2024-05-01T10:00:00Z");
    cfg.put("architecture", platform.architecture());
    cfg.put("os", platform.os());
    if (platform.variant() != null) cfg.put("variant", platform.variant());
    cfg.put("config", config);
    cfg.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
    byte[] cfgBytes = Json.write(cfg).getBytes(StandardCharsets.UTF_8);
    String cfgDigest = p.blob(repo, cfgBytes);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", OCI_MANIFEST);
    m.put("config", desc("application/vnd.oci.image.config.v1+json", cfgDigest, cfgBytes.length));
    m.put("layers", layers);
    byte[] mb = Json.write(m).getBytes(StandardCharsets.UTF_8);
    String md = p.manifest(repo, tag, OCI_MANIFEST, mb);
    return new Pushed(md, cfgDigest, mb, layerDigests);
  }

  static String pushIndex(TestPush p, String repo, String tag, Map<Pushed, Platform> images)
      throws Exception {
    List<Object> ms = new ArrayList<>();
    for (Map.Entry<Pushed, Platform> e : images.entrySet()) {
      Map<String, Object> d = desc(OCI_MANIFEST, e.getKey().manifestDigest(),
          e.getKey().manifest().length);
      Map<String, Object> pf = new LinkedHashMap<>();
      pf.put("architecture", e.getValue().architecture());
      pf.put("os", e.getValue().os());
      if (e.getValue().variant() != null) pf.put("variant", e.getValue().variant());
      d.put("platform", pf);
      ms.add(d);
    }
    Map<String, Object> idx = new LinkedHashMap<>();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", OCI_INDEX);
    idx.put("manifests", ms);
    return p.manifest(repo, tag, OCI_INDEX, Json.write(idx).getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, Object> desc(String mt, String digest, long size) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mediaType", mt);
    d.put("digest", digest);
    d.put("size", size);
    return d;
  }
}
