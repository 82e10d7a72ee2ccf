package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import dev.jbox.sys.FsCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox pull} and the image commands end to end: the real CLI in child processes against
 * Debian's docker-registry on loopback, serving images these tests build and push.
 */
class PullTest {
  static TestRegistry reg;
  static TestProxy proxy;
  static TestImages.Pushed busybox;
  static TestImages.Pushed layered;
  static TestImages.Pushed zstd;
  static TestImages.Pushed other;
  static final LinkOption NF = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path t;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    requireEnvironment(dir);
    reg = new TestRegistry(dir.resolve("reg"), null, null);
    proxy = new TestProxy(reg);
    TestPush p = new TestPush(reg);
    Platform host = Platform.host();
    busybox = TestImages.push(p, "test/busybox", "1", List.of(TestImages.busyboxLayer()), "gzip",
        host);
    byte[] l1 = new RawTar().dir("etc/", 0755).file("etc/a", "a").file("etc/b", "b")
        .dir("opt/", 0755).dir("opt/x/", 0755).file("opt/x/old", "old").build();
    byte[] l2 = new RawTar().dir("etc/", 0755).file("etc/.wh.a", "").dir("opt/x/", 0755)
        .file("opt/x/.wh..wh..opq", "").file("opt/x/new", "new").build();
    layered = TestImages.push(p, "test/layered", "latest", List.of(l1, l2), "gzip", host);
    zstd = TestImages.push(p, "test/zstd", "latest",
        List.of(new RawTar().file("z", "zstd content\n").build()), "zstd", host);
    Platform arm = host.architecture().equals("arm64") ? new Platform("linux", "amd64", null)
        : new Platform("linux", "arm64", "v8");
    other = TestImages.push(p, "test/multi", "arm-only",
        List.of(new RawTar().file("arch", arm.architecture()).build()), "gzip", arm);
    TestImages.Pushed native1 = TestImages.push(p, "test/multi", "native-only",
        List.of(new RawTar().file("arch", host.architecture()).build()), "gzip", host);
    Map<TestImages.Pushed, Platform> idx = new LinkedHashMap<>();
    idx.put(other, arm);
    idx.put(native1, host);
    TestImages.pushIndex(p, "test/multi", "latest", idx);
  }

  /** The registry and user namespaces (or root) must be there; JBOX_MUST_WORK=1 makes it fail. */
  static void requireEnvironment(Path dir) throws Exception {
    boolean must = "1".equals(System.getenv("JBOX_MUST_WORK"));
    String missing = null;
    if (!Files.isExecutable(TestRegistry.BINARY)) missing = "docker-registry is not installed";
    else if (!Files.isExecutable(Home.helper())) missing = "jbox-helper is not built";
    else if (!isRoot()) {
      Home j = new Home(dir.resolve("probe"), "x");
      Process pr = j.builder(UsernsProbe.class.getName()).redirectErrorStream(true).start();
      String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (pr.waitFor() != 0) missing = "user namespaces unavailable: " + out.trim();
    }
    if (missing != null && must) throw new AssertionError("JBOX_MUST_WORK=1: " + missing);
    Assumptions.assumeTrue(missing == null, missing);
  }

  static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  @AfterAll
  static void stop() {
    if (proxy != null) proxy.close();
    if (reg != null) reg.close();
  }

  /** Layer files belong to subordinate ids: only the user namespace can delete them. */
  @AfterEach
  void wipe() throws Exception {
    Path layers = t.resolve("home/storage/layers");
    if (!Files.exists(layers)) return;
    Process p = jbox().builder(StoreWipe.class.getName(), layers.toString()).inheritIO().start();
    assertEquals(0, p.waitFor());
  }

  Home jbox() throws Exception {
    return new Home(t.resolve("home"), reg.host() + "," + proxy.host());
  }

  static Path layerDir(Home j, String image) throws Exception {
    Home.Run r = j.run("image", "inspect", image);
    assertEquals(0, r.status(), r.err());
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) ((List<Object>) Json.parse(r.out())).get(0);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> layers = (List<Map<String, Object>>) m.get("Layers");
    return Path.of((String) layers.get(layers.size() - 1).get("Dir"));
  }

  /** Host uid for image uid 1000: itself as root, else subuid start + 999. */
  static long hostIdOf1000() throws Exception {
    if (isRoot()) return 1000;
    String user = System.getProperty("user.name");
    for (String line : Files.readAllLines(Path.of("/etc/subuid"))) {
      String[] f = line.split(":");
      if (f[0].equals(user)) return Long.parseLong(f[1]) + 999;
    }
    throw new AssertionError("no /etc/subuid entry for " + user);
  }

  /** The user's subordinate uids, summed over their /etc/subuid ranges. */
  static long subordinateCount() throws Exception {
    long n = 0;
    for (String line : Files.readAllLines(Path.of("/etc/subuid"))) {
      String[] f = line.split(":");
      if (f.length == 3 && f[0].equals(System.getProperty("user.name"))) n += Long.parseLong(f[2]);
    }
    return n;
  }

  @Test
  void pull_busybox_keepsOwnersModesAndLists() throws Exception {
    Home j = jbox();
    String ref = reg.host() + "/test/busybox:1";
    Home.Run r = j.run("pull", ref);
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("Trying to pull " + ref + "..."), r.out());
    assertEquals(busybox.configDigest().substring(7), r.lastLine());
    Path diff = layerDir(j, ref);
    assertEquals(hostIdOf1000(), ((Number) Files.getAttribute(diff.resolve("srv/data"),
        "unix:uid", NF)).longValue());
    assertEquals(hostIdOf1000(), ((Number) Files.getAttribute(diff.resolve("home/u"),
        "unix:uid", NF)).longValue());
    assertEquals(hostIdOf1000(), ((Number) Files.getAttribute(diff.resolve("home/u"),
        "unix:gid", NF)).longValue());
    assertEquals(04755, (int) Files.getAttribute(diff.resolve("bin/suid"), "unix:mode", NF)
        & 07777);
    assertEquals(01777, (int) Files.getAttribute(diff.resolve("tmp"), "unix:mode", NF) & 07777);
    assertEquals("busybox", Files.readSymbolicLink(diff.resolve("bin/sh")).toString());

    Home.Run images = j.run("images");
    assertEquals(0, images.status(), images.err());
    assertTrue(images.out().startsWith("REPOSITORY"), images.out());
    assertTrue(images.out().matches("(?s).*\\Q" + reg.host() + "/test/busybox\\E +1 +"
        + busybox.configDigest().substring(7, 19) + " +[0-9]+ years ago +[0-9.]+ MB\n.*"),
        images.out());
    assertEquals(busybox.configDigest().substring(7, 19), j.run("images", "-q").out().trim());
    Object json = Json.parse(j.run("images", "--format", "json").out());
    assertEquals(1, ((List<?>) json).size());
    assertTrue(j.run("system", "df").out().contains("Images"));

    // Pulling again reuses the layer.
    Home.Run again = j.run("pull", ref);
    assertEquals(0, again.status(), again.err());
    assertTrue(again.out().contains("already exists"), again.out());
  }

  @Test
  void pull_quiet_printsOnlyTheId() throws Exception {
    Home.Run r = jbox().run("pull", "-q", reg.host() + "/test/zstd");
    assertEquals(0, r.status(), r.err());
    assertEquals(zstd.configDigest().substring(7), r.out().trim());
  }

  @Test
  void pull_multiLayer_whiteoutAndOpaqueInOverlayFormat() throws Exception {
    Home j = jbox();
    String ref = reg.host() + "/test/layered";
    assertEquals(0, j.run("pull", ref).status());
    Path top = layerDir(j, ref);
    int m = (int) Files.getAttribute(top.resolve("etc/a"), "unix:mode", NF);
    assertEquals(0020000, m & 0170000, "whiteout is a character device");
    assertEquals(0L, ((Number) Files.getAttribute(top.resolve("etc/a"), "unix:rdev", NF))
        .longValue());
    assertArrayEquals("y".getBytes(StandardCharsets.US_ASCII),
        FsCalls.lgetxattr(top.resolve("opt/x"), "user.overlay.opaque"));
    assertEquals("new", Files.readString(top.resolve("opt/x/new")));
    try (Stream<Path> s = Files.list(j.storage.resolve("layers"))) {
      assertEquals(2, s.count());
    }
  }

  @Test
  void pull_zstdLayer_unpacks() throws Exception {
    Home j = jbox();
    String ref = reg.host() + "/test/zstd";
    assertEquals(0, j.run("pull", ref).status());
    assertEquals("zstd content\n", Files.readString(layerDir(j, ref).resolve("z")));
  }

  @Test
  void pull_multiArchIndex_selectsHostOrPlatformFlag() throws Exception {
    Home j = jbox();
    String ref = reg.host() + "/test/multi";
    Home.Run r = j.run("pull", ref);
    assertEquals(0, r.status(), r.err());
    assertEquals(Platform.host().architecture(),
        Files.readString(layerDir(j, ref).resolve("arch")));
    Platform arm = host().architecture().equals("arm64") ? new Platform("linux", "amd64", null)
        : new Platform("linux", "arm64", "v8");
    Home.Run r2 = j.run("pull", "--platform", arm.toString(), ref);
    assertEquals(0, r2.status(), r2.err());
    assertEquals(other.configDigest().substring(7), r2.lastLine());
    assertNotEquals(r.lastLine(), r2.lastLine());
  }

  static Platform host() {
    return Platform.host();
  }

  /** Host id of image id {@code id}: itself as root, else the subordinate range's start + id - 1. */
  static long hostId(String file, long id) throws Exception {
    if (isRoot() || id == 0) return id == 0 && !isRoot() ? ownId(file) : id;
    String user = System.getProperty("user.name");
    for (String line : Files.readAllLines(Path.of(file))) {
      String[] f = line.split(":");
      if (f[0].equals(user)) return Long.parseLong(f[1]) + id - 1;
    }
    throw new AssertionError("no " + file + " entry for " + user);
  }

  private static long ownId(String file) {
    com.sun.security.auth.module.UnixSystem u = new com.sun.security.auth.module.UnixSystem();
    return file.endsWith("subuid") ? u.getUid() : u.getGid();
  }

  /**
   * The owners of a layer whose tar replaces paths: a user's pull creates the files as the user
   * and sets the other owners afterwards (jbox-helper owners), so what it sets must follow the
   * tree: a path replaced by a root-owned member keeps no earlier owner, a directory replaced by a
   * file takes its contents' owners with it, a hard link keeps its inode's owner when the path it
   * was made from is replaced, and a set-group-ID file keeps its mode after the chown.
   */
  @Test
  void pull_ownersFollowReplacedPathsAndHardLinks() throws Exception {
    TestPush p = new TestPush(reg);
    byte[] layer = new RawTar()
        .dir("d", 0750, 1000, 1000)
        .file("d/inner", "i", 0640, 1000, 1000)
        .file("sgid", "s", 02755, 0, 1000)
        .file("orig", "o", 0644, 1000, 1000)
        .hardlink("link", "orig")
        .file("orig", "new", 0600, 0, 0)
        .file("d", "now a file", 0644, 0, 0)
        .dir("d2", 0700, 1000, 0)
        .dir("d2", 0755, 0, 0)
        .file("plain", "p", 0644, 0, 42)
        .build();
    TestImages.push(p, "test/owners", "1", List.of(layer), "gzip", Platform.host());
    Home j = jbox();
    Home.Run r = j.run("pull", reg.host() + "/test/owners:1");
    assertEquals(0, r.status(), r.err());
    Path diff = layerDir(j, reg.host() + "/test/owners:1");
    String su = "/etc/subuid";
    String sg = "/etc/subgid";
    Map<String, long[]> want = new LinkedHashMap<>();
    want.put("sgid", new long[] {hostId(su, 0), hostId(sg, 1000), 02755});
    want.put("link", new long[] {hostId(su, 1000), hostId(sg, 1000), 0644});
    want.put("orig", new long[] {hostId(su, 0), hostId(sg, 0), 0600});
    want.put("d", new long[] {hostId(su, 0), hostId(sg, 0), 0644});
    want.put("d2", new long[] {hostId(su, 0), hostId(sg, 0), 0755});
    want.put("plain", new long[] {hostId(su, 0), hostId(sg, 42), 0644});
    for (Map.Entry<String, long[]> w : want.entrySet()) {
      Path f = diff.resolve(w.getKey());
      long[] have = {((Number) Files.getAttribute(f, "unix:uid", NF)).longValue(),
          ((Number) Files.getAttribute(f, "unix:gid", NF)).longValue(),
          (int) Files.getAttribute(f, "unix:mode", NF) & 07777};
      assertArrayEquals(w.getValue(), have, w.getKey() + ": uid, gid, mode");
    }
    assertEquals("o", Files.readString(diff.resolve("link")));
    assertEquals("new", Files.readString(diff.resolve("orig")));
    assertTrue(Files.isRegularFile(diff.resolve("d"), NF));
  }

  @Test
  void pull_ownerOutsideSubordinateRange_clearError() throws Exception {
    Assumptions.assumeFalse(isRoot(), "root maps every id");
    TestPush p = new TestPush(reg);
    int outside = (int) subordinateCount() + 10;
    byte[] bad = new RawTar().file("big", "x", 0644, outside, 0).build();
    byte[] good = new RawTar().file("small", "x", 0644, 1000, 0).build();
    TestImages.push(p, "test/bigid", "bad", List.of(bad), "gzip", Platform.host());
    TestImages.push(p, "test/bigid", "good", List.of(good), "gzip", Platform.host());
    Home j = jbox();
    Home.Run r = j.run("pull", reg.host() + "/test/bigid:bad");
    assertEquals(125, r.status(), r.out());
    assertTrue(r.err().contains("file /big owned by uid " + outside + ", outside your "
        + subordinateCount() + " subordinate ids"), r.err());
    assertTrue(r.err().contains("add a larger range to /etc/subuid"), r.err());
    Home.Run ok = j.run("pull", reg.host() + "/test/bigid:good");
    assertEquals(0, ok.status(), ok.err());
  }

  @Test
  void pull_hostileLayer_refusedVictimUnchanged_benignTwinPulls() throws Exception {
    Path victim = Path.of("/tmp/jbox-victim-" + new com.sun.security.auth.module.UnixSystem().getUid() + "-" + ProcessHandle.current().pid());
    Files.createDirectories(victim);
    String secret = "victim-" + System.nanoTime();
    Files.writeString(victim.resolve("hello"), secret);
    TestPush p = new TestPush(reg);
    byte[] evil = new RawTar().symlink("evil", victim.toString())
        .file("evil/hello", "pwned").file("evil/new", "pwned").build();
    byte[] twin = new RawTar().symlink("evil", victim.toString())
        .file("good/hello", "fine").build();
    TestImages.push(p, "test/hostile", "evil", List.of(evil), "gzip", Platform.host());
    TestImages.push(p, "test/hostile", "twin", List.of(twin), "gzip", Platform.host());
    Home j = jbox();
    Home.Run r = j.run("pull", reg.host() + "/test/hostile:evil");
    assertEquals(125, r.status(), r.out());
    assertTrue(r.err().contains("is a symlink"), r.err());
    assertEquals(secret, Files.readString(victim.resolve("hello")));
    try (Stream<Path> s = Files.list(victim)) {
      assertEquals(1, s.count());
    }
    Home.Run ok = j.run("pull", reg.host() + "/test/hostile:twin");
    assertEquals(0, ok.status(), ok.err());
    assertEquals("fine", Files.readString(layerDir(j, reg.host() + "/test/hostile:twin")
        .resolve("good/hello")));
    Files.delete(victim.resolve("hello"));
    Files.delete(victim);
  }

  @Test
  void pull_gzipLayerWithBadCrc_oneLineFromIsal_nothingKept() throws Exception {
    TestPush p = new TestPush(reg);
    TestImages.push(p, "test/badcrc", "1", List.of(new RawTar().file("f", "x".repeat(5000)).build()), "gzip-bad-crc",
        Platform.host());
    Home j = jbox();
    Home.Run r = j.run("pull", reg.host() + "/test/badcrc:1");
    assertEquals(125, r.status(), r.toString());
    // ISA-L's message (helpers/isal): pulls inflate with it, not with the JDK's zlib
    assertTrue(r.err().contains("gzip: corrupt data (CRC or length mismatch)"), r.err());
    assertEquals(1, r.err().lines().filter(l -> !l.startsWith("jbox: warning:")).count(), r.err());
    assertEquals("", j.run("images", "-q").out(), "no image recorded");
    try (var s = Files.list(j.storage.resolve("layers"))) {
      assertTrue(s.noneMatch(d -> Files.exists(d.resolve("layer.json"))), "no layer recorded");
    }
  }

  @Test
  void pull_unknownTag_failsWithOneLine() throws Exception {
    Home.Run r = jbox().run("pull", reg.host() + "/test/busybox:nope");
    assertEquals(125, r.status());
    assertTrue(r.err().startsWith("jbox: "), r.err());
    assertTrue(r.err().contains("manifest unknown"), r.err());
    assertEquals(1, r.err().lines().filter(l -> !l.startsWith("jbox: warning:")).count(),
        r.err());
  }

  @Test
  void pull_digestMismatch_rejectsAndKeepsStore() throws Exception {
    Home j = jbox();
    String layer = busybox.layerDigests().get(0);
    proxy.corruptBlob = layer;
    try {
      Home.Run r = j.run("pull", proxy.host() + "/test/busybox:1");
      assertEquals(125, r.status(), r.out());
      assertTrue(r.err().contains(layer), r.err());
      assertTrue(r.err().matches("(?s).*sha256:[0-9a-f]{64}.*sha256:[0-9a-f]{64}.*"), r.err());
    } finally {
      proxy.corruptBlob = null;
    }
    try (Stream<Path> s = Files.list(j.storage.resolve("images"))) {
      assertEquals(0, s.count());
    }
    assertFalse(Files.exists(j.storage.resolve("blobs/sha256/" + layer.substring(7))));
    try (Stream<Path> s = Files.list(j.storage.resolve("layers"))) {
      assertEquals(0, s.count(), "no half-written layer left");
    }
    assertEquals("", j.run("images", "-q").out().trim());
  }

  @Test
  void pull_twoProcessesAtOnce_bothSucceedWithOneCopy() throws Exception {
    Home j = jbox();
    byte[] a1 = new RawTar().bytes("big1", new byte[3 << 20], 0644).build();
    byte[] a2 = new RawTar().bytes("big2", new byte[2 << 20], 0644).build();
    TestImages.push(new TestPush(reg), "test/shared", "latest", List.of(a1, a2, a1), "gzip",
        Platform.host());
    String ref = reg.host() + "/test/shared";
    Process a = j.start("pull", ref);
    Process b = j.start("pull", ref);
    Home.Run ra = Home.finish(a);
    Home.Run rb = Home.finish(b);
    assertEquals(0, ra.status(), ra.err());
    assertEquals(0, rb.status(), rb.err());
    try (Stream<Path> s = Files.list(j.storage.resolve("layers"))) {
      assertEquals(2, s.count(), "one directory per distinct diff");
    }
    try (Stream<Path> s = Files.list(j.storage.resolve("images"))) {
      assertEquals(1, s.filter(p -> p.toString().endsWith(".json")).count());
    }
  }

  @Test
  void pull_killedMidLayer_nextPullCompletes() throws Exception {
    Home j = jbox();
    String ref = proxy.host() + "/test/busybox:1";
    String layer = busybox.layerDigests().get(0).substring(7);
    Path partial = j.storage.resolve("blobs/sha256/" + layer + ".partial");
    proxy.slowBlob = busybox.layerDigests().get(0);
    Process p = j.start("pull", ref);
    try {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!(Files.exists(partial) && Files.size(partial) > 32 * 1024)) {
        assertTrue(p.isAlive(), "pull ended before it could be killed");
        assertTrue(System.nanoTime() < deadline, "no partial download appeared");
        Thread.sleep(50);
      }
      p.destroyForcibly(); // SIGKILL
      p.waitFor();
    } finally {
      proxy.slowBlob = null;
    }
    assertTrue(Files.exists(j.storage.resolve("layers")));
    Home.Run r = j.run("pull", ref);
    assertEquals(0, r.status(), r.err());
    Path diff = layerDir(j, ref);
    assertTrue(Files.isRegularFile(diff.resolve("bin/busybox")));
    assertFalse(Files.exists(diff.getParent().resolve("incomplete")));
    assertFalse(Files.exists(partial));
  }

  @Test
  void tagRmiPrune_removeNamesThenImageThenLayers() throws Exception {
    Home j = jbox();
    String ref = reg.host() + "/test/busybox:1";
    assertEquals(0, j.run("pull", ref).status());
    assertEquals(0, j.run("tag", ref, "mine:v1").status());
    assertTrue(j.run("images").out().contains("localhost/mine"));
    Home.Run untag = j.run("rmi", "mine:v1");
    assertEquals(0, untag.status(), untag.err());
    assertTrue(untag.out().contains("Untagged: localhost/mine:v1"), untag.out());
    try (Stream<Path> s = Files.list(j.storage.resolve("layers"))) {
      assertEquals(1, s.count());
    }
    Home.Run rm = j.run("rmi", "busybox:1");
    assertEquals(0, rm.status(), rm.err());
    assertTrue(rm.out().contains("Deleted: " + busybox.configDigest().substring(7)), rm.out());
    try (Stream<Path> s = Files.list(j.storage.resolve("layers"))) {
      assertEquals(0, s.count(), "layer dirs (owned by subordinate ids) removed");
    }
    assertEquals(125, j.run("rmi", "busybox:1").status());
    assertEquals(0, j.run("image", "prune", "-f").status());
  }

  @Test
  void rmi_imageInUseBySandbox_refused() throws Exception {
    Home j = jbox();
    String ref = reg.host() + "/test/zstd";
    assertEquals(0, j.run("pull", ref).status());
    // an image sandbox's record in the store, as jbox run writes it (KeptSandboxTest runs real ones)
    Path sandbox = j.storage.resolve("containers").resolve("e".repeat(64));
    Files.createDirectories(sandbox);
    Files.writeString(sandbox.resolve("config.json"), "{\"id\":\"" + "e".repeat(64) + "\",\"name\":\"sb1\",\"imageId\":\""
        + zstd.configDigest() + "\",\"command\":[\"true\"],\"rm\":false,\"detached\":true}\n");
    Home.Run r = j.run("rmi", ref);
    assertEquals(125, r.status());
    assertTrue(r.err().contains("in use by sandbox [sb1]"), r.err());
    Files.delete(sandbox.resolve("config.json"));
    Files.delete(sandbox);
    assertEquals(0, j.run("rmi", ref).status());
  }
}
