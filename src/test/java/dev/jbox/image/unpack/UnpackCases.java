package dev.jbox.image.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.testing.RawTar;
import dev.jbox.image.testing.Zstd;
import dev.jbox.sys.FsCalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer extraction: formats, whiteouts, limits, and hostile archives each with a benign twin; every
 * case runs against each extractor through {@link #extract(byte[], Path, LayerExtractor.Options)}:
 * {@link UnpackTest} (LayerExtractor in this JVM), {@link NativeUnpackTest} (jbox-unpack) and
 * {@link UnpackDiffTest} (both, trees and results compared).
 */
abstract class UnpackCases {
  @TempDir Path t;
  Path dest;
  Path victim;
  Path absVictim;
  String secret;

  static final LinkOption NF = LinkOption.NOFOLLOW_LINKS;

  @BeforeEach
  void victims() throws IOException {
    dest = t.resolve("dest");
    secret = "victim-" + System.nanoTime();
    victim = t.resolve("victim");
    Files.createDirectories(victim);
    Files.writeString(victim.resolve("hello"), secret);
    absVictim = Path.of("/tmp/jbox-victim-" + new com.sun.security.auth.module.UnixSystem().getUid() + "-" + ProcessHandle.current().pid());
    Files.createDirectories(absVictim);
    Files.writeString(absVictim.resolve("hello"), secret);
  }

  @AfterEach
  void victimsUnchanged() throws IOException {
    try {
      for (Path v : new Path[] {victim, absVictim}) {
        try (Stream<Path> s = Files.list(v)) {
          assertEquals(1, s.count(), "victim dir " + v + " gained entries");
        }
        assertEquals(secret, Files.readString(v.resolve("hello")));
        assertEquals(0644 & 0644, (int) Files.getAttribute(v.resolve("hello"), "unix:mode") & 0644);
      }
    } finally { // this JVM's own victim in /tmp (a name of its own: suites of other checkouts may run beside it)
      try {
        Files.deleteIfExists(absVictim.resolve("hello"));
        Files.deleteIfExists(absVictim);
      } catch (IOException e) {
        // left with what it gained: the assertion above says so
      }
    }
    for (Path out : outputs()) {
      if (!Files.exists(out)) continue;
      openForOwner(out);
      try (Stream<Path> s = Files.walk(out)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (Files.isRegularFile(p, NF)) {
            Files.setAttribute(p, "unix:mode", 0600); // a real file (with NOFOLLOW it is opened for reading)
            assertFalse(Arrays.equals(secret, Files.readAllBytes(p)), "victim read via " + p);
          }
        }
      }
    }
  }

  /** Gives every directory below d (a real one) mode 0700, so that a layer's 0555 or 0000 ones can be walked. */
  static void openForOwner(Path d) throws IOException {
    Files.setAttribute(d, "unix:mode", 0700); // a real directory: NOFOLLOW would open it for reading
    try (Stream<Path> s = Files.list(d)) {
      for (Path c : (Iterable<Path>) s::iterator) {
        if (Files.isDirectory(c, NF)) openForOwner(c);
      }
    }
  }

  /** The trees extract made (each is checked for the victims' contents after every case). */
  List<Path> outputs() {
    return List.of(dest);
  }

  private static final class Arrays {
    static boolean equals(String s, byte[] b) {
      return java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b);
    }
  }

  /** Extracts layer (the bytes of a blob: tar, gzip or zstd) into out, which must not exist, as opt says. */
  abstract LayerExtractor.Result extract(byte[] layer, Path out, LayerExtractor.Options opt) throws IOException;

  /** Removes what a case's extract made (dest, and whatever else the implementation made beside it). */
  void clean() throws IOException {
    delete(dest);
  }

  /** Tree.delete, after opening the tree's 0000 directories (Tree.delete's chmod opens them for reading, and cannot). */
  static void delete(Path out) throws IOException {
    if (Files.isDirectory(out, NF)) openForOwner(out);
    Tree.delete(out);
  }

  LayerExtractor.Result extract(byte[] layer) throws IOException {
    return extract(layer, UnpackLimits.defaults());
  }

  LayerExtractor.Result extract(byte[] layer, UnpackLimits limits) throws IOException {
    return extract(layer, dest, new LayerExtractor.Options(false, limits, "sha256:test"));
  }

  /** How often the last deferred extraction's list said its first owner came (the helper that sets them started). */
  int firstUses;

  /**
   * Deferred ownership (the user namespace's root sets the owners later): the list it made;
   * firstUse (may be null) runs where the helper that applies it would start.
   */
  OwnerList extractDeferred(byte[] layer, long uids, long gids, Runnable firstUse) throws IOException {
    OwnerList owners = new OwnerList(uids, gids);
    firstUses = 0;
    owners.onFirstUse(() -> {
      firstUses++;
      if (firstUse != null) firstUse.run();
    });
    extract(layer, dest, new LayerExtractor.Options(true, UnpackLimits.defaults(), "sha256:test", owners));
    return owners;
  }

  void refused(byte[] layer, String fragment) throws IOException {
    clean();
    IOException e = assertThrows(IOException.class, () -> extract(layer));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  static String sha(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static int mode(Path p) throws IOException {
    return (int) Files.getAttribute(p, "unix:mode", NF) & 07777;
  }

  @Test
  @org.junit.jupiter.api.Timeout(120) // a file whose buffers exceed the writers' budget waited forever
  void extract_manyFilesThroughTheWriterThreads_andOneTooBigToQueue_keepContentsModesAndTimes() throws Exception {
    RawTar t = new RawTar().dir("./", 0755).dir("d/", 0755);
    java.util.Random rnd = new java.util.Random(42);
    byte[][] data = new byte[300][];
    for (int i = 0; i < data.length; i++) {
      data[i] = new byte[rnd.nextInt(3 * 65536 + 7)];
      rnd.nextBytes(data[i]);
      t.bytes("d/f" + i, data[i], 0400 | (i % 8) << 3 | (i % 4));
    }
    byte[] big = new byte[FileWriters.MAX_QUEUED_FILE + 12345];
    rnd.nextBytes(big);
    t.bytes("d/big", big, 0640);
    // the largest file that is queued: its buffers must fit the in-flight budget
    byte[] largest = new byte[FileWriters.MAX_QUEUED_FILE];
    rnd.nextBytes(largest);
    t.bytes("d/largest", largest, 0644);
    // a later member replaces an earlier one while its writer may still be busy with it
    t.bytes("d/f7", "replaced".getBytes(StandardCharsets.UTF_8), 0600);
    byte[] tar = t.build();
    LayerExtractor.Result r = extract(tar);
    assertEquals(sha(tar), r.diffId());
    for (int i = 0; i < data.length; i++) {
      if (i == 7) continue;
      Path f = dest.resolve("d/f" + i);
      assertArrayEquals(data[i], Files.readAllBytes(f), f.toString());
      assertEquals(0400 | (i % 8) << 3 | (i % 4), mode(f), f.toString());
      assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(f, NF).toMillis(), f.toString());
    }
    assertEquals("replaced", Files.readString(dest.resolve("d/f7")));
    assertEquals(0600, mode(dest.resolve("d/f7")));
    assertArrayEquals(big, Files.readAllBytes(dest.resolve("d/big")));
    assertArrayEquals(largest, Files.readAllBytes(dest.resolve("d/largest")));
    assertEquals(0640, mode(dest.resolve("d/big")));
  }

  @Test
  void extract_modesTheUmaskKeepsOrNot_exactAfterContents() throws Exception {
    // files are created with their final mode when the umask keeps all of it and it has no
    // setuid, setgid or sticky bit, else fchmod'ed after the write: both ways end exact
    int[] modes = {0644, 0755, 0600, 0400, 0444, 0000, 0700, 0750, 0640, 0666, 0777, 0664, 0775, 0622,
        04755, 02755, 01755, 06755, 04700, 02770, 01777};
    RawTar t = new RawTar().dir("./", 0755).dir("m/", 0755);
    for (int m : modes) t.bytes("m/" + Integer.toOctalString(m), ("mode " + m).getBytes(StandardCharsets.UTF_8), m);
    extract(t.build());
    for (int m : modes) {
      Path f = dest.resolve("m/" + Integer.toOctalString(m));
      assertEquals(m, mode(f), f.toString());
      Files.setAttribute(f, "unix:mode", 0600); // a regular file (setting it with NOFOLLOW opens it for reading)
      assertEquals("mode " + m, Files.readString(f), f.toString());
    }
  }

  @Test
  void extract_benignLayer_keepsTypesModesAndDiffId() throws Exception {
    String longName = "deep/" + "x".repeat(150) + "/file";
    byte[] tar = new RawTar()
        .dir("./", 0755)
        .dir("bin/", 0755)
        .file("bin/su", "su", 04755, 0, 0)
        .file("bin/sg", "sg", 02755, 0, 0)
        .dir("tmp/", 01777)
        .symlink("bin/sh", "/bin/busybox")
        .symlink("rel", "../../x")
        .hardlink("bin/su2", "bin/su")
        .fifo("pipe")
        .pax(Map.of("path", longName))
        .file("ignored-name", "long")
        .gnuLongName("gnu/" + "y".repeat(120))
        .file("short", "gnu")
        .dir("ro/", 0555)
        .file("ro/inside", "ok")
        .file("a/../b", "dotdot inside")
        .build();
    LayerExtractor.Result r = extract(tar);
    assertEquals(sha(tar), r.diffId());
    assertEquals(04755, mode(dest.resolve("bin/su")));
    assertEquals(02755, mode(dest.resolve("bin/sg")));
    assertEquals(01777, mode(dest.resolve("tmp")));
    assertEquals(0555, mode(dest.resolve("ro")));
    assertEquals("ok", Files.readString(dest.resolve("ro/inside")));
    assertEquals("/bin/busybox", Files.readSymbolicLink(dest.resolve("bin/sh")).toString());
    assertEquals("../../x", Files.readSymbolicLink(dest.resolve("rel")).toString());
    assertEquals(Files.getAttribute(dest.resolve("bin/su"), "unix:ino"),
        Files.getAttribute(dest.resolve("bin/su2"), "unix:ino"));
    assertTrue(Files.getAttribute(dest.resolve("pipe"), "unix:mode", NF) instanceof Integer);
    assertTrue(((int) Files.getAttribute(dest.resolve("pipe"), "unix:mode", NF) & 0170000)
        == 0010000);
    assertEquals("long", Files.readString(dest.resolve(longName)));
    assertEquals("gnu", Files.readString(dest.resolve("gnu/" + "y".repeat(120))));
    assertEquals("dotdot inside", Files.readString(dest.resolve("b")));
    assertEquals(1_700_000_000_000L,
        Files.getLastModifiedTime(dest.resolve("bin/su"), NF).toMillis());
    assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(dest.resolve("ro"), NF).toMillis());
    Files.setAttribute(dest.resolve("ro"), "unix:mode", 0755);
  }

  @Test
  void extract_gzipAndZstd_sameTreeAndDiffId() throws Exception {
    byte[] tar = new RawTar().file("etc/os-release", "ID=test\n").build();
    assertEquals(sha(tar), extract(RawTar.gzip(tar)).diffId());
    clean();
    LayerExtractor.Result z = extract(Zstd.compress(tar));
    assertEquals(sha(tar), z.diffId());
    assertEquals("ID=test\n", Files.readString(dest.resolve("etc/os-release")));
  }

  @Test
  void extract_dotDotEscape_refused() throws IOException {
    refused(new RawTar().file("../victim/hello", "pwned").build(), "escapes");
    refused(new RawTar().file("a/../../victim/hello", "pwned").build(), "escapes");
  }

  @Test
  void extract_absoluteName_staysInside() throws Exception {
    String abs = absVictim.resolve("hello").toString();
    extract(new RawTar().file(abs, "inside").build());
    assertEquals("inside", Files.readString(dest.resolve(abs.substring(1))));
  }

  @Test
  void extract_fileThroughSymlinkParent_refused() throws IOException {
    refused(new RawTar().symlink("evil", "../victim").file("evil/hello", "pwned").build(),
        "is a symlink");
    refused(new RawTar().symlink("evil", absVictim.toString()).file("evil/hello", "pwned")
        .build(), "is a symlink");
    refused(new RawTar().symlink("evil", "../victim").dir("evil/sub", 0755).build(),
        "is a symlink");
  }

  @Test
  void extract_symlinkThenUnrelatedFile_benignTwin() throws Exception {
    extract(new RawTar().symlink("evil", "../victim").file("good/hello", "fine").build());
    assertEquals("fine", Files.readString(dest.resolve("good/hello")));
  }

  @Test
  void extract_fileReplacingSymlink_doesNotWriteThroughIt() throws Exception {
    extract(new RawTar().symlink("x", "../victim/hello").file("x", "replaced").build());
    assertFalse(Files.isSymbolicLink(dest.resolve("x")));
    assertEquals("replaced", Files.readString(dest.resolve("x")));
  }

  @Test
  void extract_hardlinkOutside_refused() throws IOException {
    refused(new RawTar().hardlink("h", "../victim/hello").build(), "escapes");
    refused(new RawTar().hardlink("h", absVictim.resolve("hello").toString()).build(),
        "not in this layer");
    refused(new RawTar().symlink("s", "../victim").hardlink("h", "s/hello").build(),
        "is a symlink");
  }

  @Test
  void extract_hardlinkToSymlink_linksTheSymlinkItself() throws Exception {
    extract(new RawTar().symlink("s", "../victim/hello").hardlink("h", "s").build());
    assertTrue(Files.isSymbolicLink(dest.resolve("h")));
  }

  @Test
  void extract_duplicatesAndTypeChanges_laterWins() throws Exception {
    extract(new RawTar()
        .file("a", "first").file("a", "second")
        .file("d", "file").dir("d/", 0755).file("d/in", "in")
        .dir("e/", 0700).file("e/in", "x").file("e", "now a file")
        .dir("f/", 0700).dir("f/", 0750)
        .build());
    assertEquals("second", Files.readString(dest.resolve("a")));
    assertEquals("in", Files.readString(dest.resolve("d/in")));
    assertEquals("now a file", Files.readString(dest.resolve("e")));
    assertEquals(0750, mode(dest.resolve("f")));
  }

  @Test
  void extract_whiteouts_becomeOverlayMarkers() throws Exception {
    extract(new RawTar().dir("etc/", 0755).file("etc/.wh.passwd", "")
        .dir("opt/", 0755).file("opt/.wh..wh..opq", "").file(".wh.gone", "").build());
    Path wh = dest.resolve("etc/passwd");
    int m = (int) Files.getAttribute(wh, "unix:mode", NF);
    assertEquals(0020000, m & 0170000);
    assertEquals(0L, ((Number) Files.getAttribute(wh, "unix:rdev", NF)).longValue());
    assertFalse(Files.exists(dest.resolve("etc/.wh.passwd"), NF));
    assertArrayEquals("y".getBytes(StandardCharsets.US_ASCII),
        FsCalls.lgetxattr(dest.resolve("opt"), "user.overlay.opaque"));
    assertArrayEquals("y".getBytes(StandardCharsets.US_ASCII),
        FsCalls.lgetxattr(dest.resolve("opt"), "user.fuseoverlayfs.opaque"));
    assertTrue(Files.exists(dest.resolve("gone"), NF));
  }

  @Test
  void extract_whiteoutEscapes_refused() throws IOException {
    refused(new RawTar().file("etc/.wh..", "").build(), "invalid whiteout");
    refused(new RawTar().file("../.wh.victim", "").build(), "escapes");
    refused(new RawTar().symlink("s", "../victim").file("s/.wh.hello", "").build(),
        "is a symlink");
  }

  @Test
  void extract_imageOverlayXattrs_dropped() throws Exception {
    extract(new RawTar()
        .pax(Map.of("SCHILY.xattr.user.overlay.redirect", "/x", "SCHILY.xattr.user.keep", "v"))
        .dir("d/", 0755).build());
    assertEquals(null, FsCalls.lgetxattr(dest.resolve("d"), "user.overlay.redirect"));
    assertArrayEquals("v".getBytes(StandardCharsets.US_ASCII),
        FsCalls.lgetxattr(dest.resolve("d"), "user.keep"));
  }

  @Test
  void extract_devices_skippedWithNote() throws Exception {
    LayerExtractor.Result r = extract(new RawTar().chardev("dev/null", 1, 3).file("x", "")
        .build());
    assertEquals(1, r.devicesSkipped());
    assertFalse(Files.exists(dest.resolve("dev/null"), NF));
    assertTrue(r.notes().get(0).contains("device"), r.notes().toString());
  }

  /**
   * Replacing a directory scanned every directory the layer had made (to forget those below it):
   * 40,000 directories and 40,000 replacements of one path by a file cost ~1.6e9 path comparisons
   * (~20 s of CPU), and a 2.7 MB layer of 1M headers took 205 s. The work per entry is constant
   * now (~3-5 s for these 120,000 entries).
   * Measured in CPU time of the extracting thread, not wall time, and aborted past the budget;
   * extracted on tmpfs where there is one, so the disk of a busy machine does not set the pace.
   */
  @Test
  void manyReplacementsOfOnePath_amongManyDirectories_linearCpu() throws Exception {
    RawTar tar = new RawTar();
    for (int i = 0; i < 40_000; i++) tar.dir("d" + i + "/", 0755);
    for (int i = 0; i < 80_000; i++) {
      if (i % 2 == 0) tar.dir("same/", 0755);
      else tar.file("same", "x");
    }
    byte[] layer = tar.build();
    Path shm = Path.of("/dev/shm");
    Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "jbox-unpack-test") : t;
    Path out = base.resolve("layer");
    try {
      assertEquals(120_000, extractWithinCpuBudget(layer, out, 12_000_000_000L).entries());
      assertEquals("x", Files.readString(out.resolve("same")));
      assertTrue(Files.isDirectory(out.resolve("d39999"), NF));
    } finally {
      Tree.delete(base == t ? out : base);
    }
  }

  /**
   * Extracts layer into out, failing (and stopping the extraction) past budget ns of the CPU time
   * of what extracts (the extracting thread, or jbox-unpack's process).
   */
  abstract LayerExtractor.Result extractWithinCpuBudget(byte[] layer, Path out, long budget) throws Exception;

  @Test
  void extract_limits_refuseBombsAndPassBenignTwins() throws Exception {
    byte[] big = new RawTar().bytes("big", new byte[1 << 20], 0644).build();
    IOException e = assertThrows(IOException.class,
        () -> extract(RawTar.gzip(big), new UnpackLimits(512 * 1024, 100, 4096)));
    assertTrue(e.getMessage().contains("bytes after decompression"), e.getMessage());
    clean();
    extract(RawTar.gzip(big), new UnpackLimits(2 << 20, 100, 4096));
    clean();

    RawTar many = new RawTar();
    for (int k = 0; k < 20; k++) many.file("f" + k, "");
    e = assertThrows(IOException.class, () -> extract(many.build(), new UnpackLimits(1 << 30,
        10, 4096)));
    assertTrue(e.getMessage().contains("entries"), e.getMessage());
    clean();
    extract(many.build(), new UnpackLimits(1 << 30, 20, 4096));
    clean();

    byte[] longPath = new RawTar().pax(Map.of("path", "p/".repeat(100) + "f")).file("x", "")
        .build();
    e = assertThrows(IOException.class, () -> extract(longPath, new UnpackLimits(1 << 30, 10,
        100)));
    assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    clean();
    extract(longPath, new UnpackLimits(1 << 30, 10, 300));
  }

  @Test
  void extract_sparseAndBadChecksum_refused() throws IOException {
    refused(new RawTar().entry("s", 'S', new byte[0], 0644, 0, 0, "").build(), "sparse");
    byte[] tar = new RawTar().file("x", "y").build();
    tar[0] ^= 1;
    refused(tar, "checksum");
  }

  /** An OwnerList's encoding, records one a line (their NULs as newlines). */
  static String ownersText(OwnerList l) {
    return new String(l.encode(), StandardCharsets.UTF_8).replace('\0', '\n');
  }

  /** Deferred ownership, as a pull by the user (not root) lists owners for jbox-helper owners. */
  @Test
  void extract_deferredOwners_listFollowsTheTree() throws Exception {
    byte[] tar = new RawTar()
        .dir("./", 0750, 3, 4)
        .dir("etc/", 0755)
        .file("etc/shadow", "s", 0640, 0, 42)
        .hardlink("etc/shadow2", "etc/shadow") // the same inode: the same owner, listed
        .file("etc/shadow", "new", 0600, 0, 0) // replaced (0:0): its record goes, the link's stays
        .hardlink("etc/shadow3", "etc/shadow") // a link to a 0:0 file: nothing
        .file("home/u/f", "x", 04755, 1000, 1001) // setuid: the mode goes back on after the chown
        .entry("l", '2', new byte[0], 0777, 5, 6, "home/u/f") // a symlink: no mode
        .dir("gone/", 0755, 7, 7).dir("gone/sub/", 0700, 8, 8).file("gone/sub/in", "x", 0644, 8, 8)
        .file("gone", "now a file") // a directory replaced: everything below it forgotten
        .dir("back/", 0700, 9, 9).file("back/in", "x", 0644, 9, 9).file("back", "f", 0644, 10, 10)
        .dir("back/", 0711, 11, 11) // a directory again, nothing below it
        .entry("p", '6', new byte[0], 01640, 12, 13, "")
        .file("w", "x", 0644, 14, 14).file(".wh.w", "") // a whiteout: the file's record goes
        .dir("o/", 0755, 15, 15).file("o/.wh..wh..opq", "")
        .file("o/in", "x", 0644, 0, 0)
        .build();
    int[] firstUse = new int[1];
    OwnerList owners = extractDeferred(tar, 65536, 65536, () -> firstUse[0]++);
    assertEquals("""
        3 4 750 .
        11 11 711 back
        0 42 640 etc/shadow2
        1000 1001 4755 home/u/f
        5 6 - l
        15 15 755 o
        12 13 1640 p
        """, ownersText(owners));
    assertEquals(1, firstUse[0]);
    assertEquals(04755, mode(dest.resolve("home/u/f")));
    assertEquals(0750, mode(dest));
    assertEquals("s", Files.readString(dest.resolve("etc/shadow2")));
    assertEquals("new", Files.readString(dest.resolve("etc/shadow3")));
    assertFalse(Files.exists(dest.resolve("back/in"), NF));
  }

  @Test
  void extract_deferredOwners_allRootOwned_emptyListAndNoHelperStarted() throws Exception {
    int[] firstUse = new int[1];
    OwnerList owners = extractDeferred(new RawTar().dir("./", 0755).file("a", "x").symlink("l", "a").dir("d/", 0700).build(),
        65536, 65536, () -> firstUse[0]++);
    assertEquals("", ownersText(owners));
    assertEquals(0, firstUse[0]);
  }

  @Test
  void extract_deferredOwners_idsPastTheMap_refusedWithTheFix_benignTwinAtTheEdge() throws Exception {
    String uid = assertThrows(IOException.class, () -> extractDeferred(new RawTar().dir("d/", 0755)
        .file("d/f", "x", 0644, 1000, 0).build(), 1000, 2000, null)).getMessage();
    assertEquals("layer sha256:test: file /d/f owned by uid 1000, outside your 999 subordinate ids: add a larger range to /etc/subuid", uid);
    clean();
    String gid = assertThrows(IOException.class, () -> extractDeferred(new RawTar().dir("d/", 0755, 5, 2000).build(), 2000, 2000, null)).getMessage();
    assertEquals("layer sha256:test: file /d owned by gid 2000, outside your 1999 subordinate ids: add a larger range to /etc/subgid", gid);
    clean();
    String link = assertThrows(IOException.class, () -> extractDeferred(new RawTar().entry("l", '2', new byte[0], 0777, 70000, 0, "x").build(),
        65536, 65536, null)).getMessage();
    assertEquals("layer sha256:test: file /l owned by uid 70000, outside your 65535 subordinate ids: add a larger range to /etc/subuid", link);
    clean();
    // a PAX uid past 2^31, the range's last id
    String big = assertThrows(IOException.class, () -> extractDeferred(new RawTar().pax(Map.of("uid", "4294967296"))
        .file("f", "x").build(), 65536, 65536, null)).getMessage();
    assertEquals("layer sha256:test: file /f owned by uid 4294967296, outside your 65535 subordinate ids: add a larger range to /etc/subuid", big);
    clean();
    String bigGid = assertThrows(IOException.class, () -> extractDeferred(new RawTar().pax(Map.of("gid", "4294967296"))
        .file("f", "x", 0644, 5, 0).build(), 65536, 65536, null)).getMessage();
    assertEquals("layer sha256:test: file /f owned by gid 4294967296, outside your 65535 subordinate ids: add a larger range to /etc/subgid", bigGid);
    clean();
    assertEquals("999 1999 644 f\n", ownersText(extractDeferred(new RawTar().file("f", "x", 0644, 999, 1999).build(), 1000, 2000, null)));
  }

  @Test
  void extract_ownership_appliedWhenPermitted() throws Exception {
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    org.junit.jupiter.api.Assumptions.assumeTrue(root, "chown needs root (userns tests cover it)");
    byte[] tar = new RawTar().file("u", "x", 04755, 1000, 1000).symlink("l", "u").build();
    extract(tar, dest, new LayerExtractor.Options(true, UnpackLimits.defaults(), "sha256:test"));
    assertEquals(1000, Files.getAttribute(dest.resolve("u"), "unix:uid", NF));
    assertEquals(04755, mode(dest.resolve("u")));
  }
}
