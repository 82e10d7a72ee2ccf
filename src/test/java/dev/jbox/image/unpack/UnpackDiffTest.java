package dev.jbox.image.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox;
import dev.jbox.sys.FsCalls;
import dev.jbox.sys.IsalGzipInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The differential test of the two extractors: every archive of {@link UnpackCases}, and the
 * corpus below, goes through LayerExtractor (into dest) and jbox-unpack (beside it), and both
 * must give the same tree (type, mode, owner, size, mtime, link target, hard links, user.* xattrs,
 * content), the same Result (diff id, entries, bytes, devices, notes) and, with deferred owners,
 * the same list; or both refuse the layer with the same message. The case's own assertions then
 * check LayerExtractor's tree.
 */
class UnpackDiffTest extends UnpackCases {
  /** Times at or after this are the extraction's own (directories the layer does not list), not the archive's. */
  private static final long START = System.currentTimeMillis() / 1000 - 1;

  private int blobs;
  /** Where set: both failing on a system call is enough (the messages, LayerExtractor's then and jbox-unpack's, are kept). */
  private List<String> osErrors;
  /** Compare only the reason of an error (after its last ": "), not what it names. */
  private boolean reasonOnly;

  /**
   * LayerExtractor inflates with ISA-L as the pull does (the library beside the helper; Maven sets
   * no JBOX_HELPER for it to be found by): both extractors then read a corrupt gzip the same way.
   */
  @BeforeAll
  static void isal() {
    Path lib = Jbox.source().resolve("helpers/build/libjbox-isal.so");
    if (!IsalGzipInputStream.load(lib)) {
      String why = "ISA-L's shim " + lib + " does not load (libisal-dev at build time, libisal2 at run time)";
      if ("1".equals(System.getenv("JBOX_MUST_WORK"))) throw new AssertionError("JBOX_MUST_WORK=1 and " + why);
      Assumptions.abort(why);
    }
  }

  private Path nativeOut(Path out) {
    return out.resolveSibling(out.getFileName() + "-native");
  }

  @Override
  List<Path> outputs() {
    return List.of(dest, nativeOut(dest));
  }

  @Override
  void clean() throws IOException {
    delete(dest);
    delete(nativeOut(dest));
  }

  @Override
  LayerExtractor.Result extract(byte[] layer, Path out, LayerExtractor.Options opt) throws IOException {
    Path program = NativeUnpackTest.program();
    Path blob = t.resolve("diff-blob-" + ++blobs);
    Files.write(blob, layer);
    OwnerList javaOwners = opt.deferred();
    OwnerList nativeOwners = javaOwners == null ? null : new OwnerList(javaOwners.mappedUids(), javaOwners.mappedGids());
    int[] nativeFirstUse = new int[1];
    if (nativeOwners != null) nativeOwners.onFirstUse(() -> nativeFirstUse[0]++);
    LayerExtractor.Options nopt = new LayerExtractor.Options(opt.applyOwnership(), opt.limits(), opt.layerName(), nativeOwners);
    LayerExtractor.Result j = null;
    LayerExtractor.Result n = null;
    IOException je = null;
    IOException ne = null;
    try {
      j = LayerExtractor.extract(new ByteArrayInputStream(layer), out, opt);
    } catch (IOException e) {
      je = e;
    }
    try {
      n = NativeUnpackTest.viaProgram(program, blob, nativeOut(out), nopt);
    } catch (IOException e) {
      ne = e;
    }
    if (je != null || ne != null) {
      if (je != null && ne != null && osErrors != null && je.getMessage().contains(out.toString())) {
        // a system call's error: LayerExtractor names the staging path (and NIO not always the reason)
        osErrors.add(je.getMessage().replace(out.toString(), "DEST") + "  |  " + ne.getMessage());
        throw je;
      }
      assertEquals(message(je), message(ne), "LayerExtractor and jbox-unpack on " + blob);
      throw je;
    }
    assertEquals(j, n, "the Result of LayerExtractor and of jbox-unpack on " + blob);
    assertEquals(snapshotOrFail(out), snapshotOrFail(nativeOut(out)), "the trees of LayerExtractor and of jbox-unpack from " + blob);
    if (javaOwners != null) {
      assertEquals(ownersText(javaOwners), ownersText(nativeOwners), "deferred owners of LayerExtractor and of jbox-unpack");
      assertEquals(firstUses, nativeFirstUse[0], "times the helper that sets owners would start: LayerExtractor's, jbox-unpack's");
    }
    return j;
  }

  /**
   * The message, "none" for no error; the free-space figures (the disk moves between the two runs)
   * as N; up to a NUL (only a PAX path or linkpath can hold one): a C string ends there, so
   * jbox-unpack's message does, where LayerExtractor's carries the rest of the name.
   */
  private String message(IOException e) {
    if (e == null) return "none: it unpacked";
    String m = e.getMessage();
    if (reasonOnly) return m.substring(m.lastIndexOf(": ") + 2);
    if (m.indexOf('\0') >= 0) m = m.substring(0, m.indexOf('\0'));
    return m.replaceAll("down to \\d+ MiB free", "down to N MiB free");
  }

  @Override
  LayerExtractor.Result extractWithinCpuBudget(byte[] layer, Path out, long budget) throws Exception {
    LayerExtractor.Result j = UnpackTest.javaWithinCpuBudget(layer, out, budget);
    Path blob = t.resolve("diff-blob-" + ++blobs);
    Files.write(blob, layer);
    LayerExtractor.Result n = NativeUnpackTest.nativeWithinCpuBudget(NativeUnpackTest.program(), blob, nativeOut(out), budget);
    assertEquals(j, n);
    assertEquals(snapshot(out), snapshot(nativeOut(out)));
    return j;
  }

  // ---- the tree, as a comparable description ----------------------------------------------------

  private interface Xattr extends Library {
    long llistxattr(String path, byte[] list, long size);
  }

  private static final Xattr XATTR = Native.load(FsCalls.LIBC_NAME, Xattr.class);

  private static List<String> listXattrs(Path p) {
    byte[] buf = new byte[64 * 1024];
    long n = XATTR.llistxattr(p.toString(), buf, buf.length);
    if (n < 0) throw new AssertionError("llistxattr " + p + " failed");
    List<String> names = new ArrayList<>();
    int start = 0;
    for (int k = 0; k < n; k++) {
      if (buf[k] == 0) {
        names.add(new String(buf, start, k - start, StandardCharsets.UTF_8));
        start = k + 1;
      }
    }
    names.sort(null);
    return names;
  }

  /** The snapshot; an error reading the tree is this test's failure, not an extractor's refusal. */
  private static Map<String, String> snapshotOrFail(Path root) {
    try {
      return snapshot(root);
    } catch (IOException e) {
      throw new AssertionError("reading the tree " + root + ": " + e, e);
    }
  }

  /**
   * Every entry under root by its path ("" the root itself): type, mode, owner, rdev, size,
   * content digest, link target, hard link group, mtime (an extraction's own time as "now"), user.*
   * xattrs. Directories and files it cannot read are opened for the owner while it reads and get
   * their mode back (chmod keeps the mtime).
   */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Object, String> inodes = new LinkedHashMap<>();
    walk(root, root, out, inodes);
    return out;
  }

  private static void walk(Path root, Path p, Map<String, String> out, Map<Object, String> inodes) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    int mode = (int) a.get("mode");
    int type = mode & 0170000;
    String rel = root.relativize(p).toString();
    StringBuilder d = new StringBuilder();
    d.append(switch (type) {
      case 0040000 -> "dir";
      case 0100000 -> "file";
      case 0120000 -> "symlink";
      case 0010000 -> "fifo";
      case 0020000 -> "chardev";
      case 0060000 -> "blockdev";
      default -> "type " + Integer.toOctalString(type);
    });
    if (type != 0120000) d.append(" mode=").append(Integer.toOctalString(mode & 07777));
    d.append(" owner=").append(a.get("uid")).append(':').append(a.get("gid"));
    if (type == 0020000 || type == 0060000) d.append(" rdev=").append(a.get("rdev"));
    FileTime mt = (FileTime) a.get("lastModifiedTime");
    d.append(" mtime=").append(mt.toInstant().getEpochSecond() >= START ? "now" : mt.toInstant().toString());
    if (type == 0120000) d.append(" -> ").append(Files.readSymbolicLink(p));
    if (type != 0040000 && (int) a.get("nlink") > 1) {
      String first = inodes.putIfAbsent(List.of(a.get("dev"), a.get("ino")), rel);
      d.append(" nlink=").append(a.get("nlink")).append(" same-inode-as=").append(first == null ? rel : first);
    }
    // reading xattrs, contents and entries needs read (and for a directory, search) permission
    int need = type == 0040000 ? 0700 : type == 0100000 ? 0400 : 0;
    boolean open = (mode & need) != need;
    if (open) Files.setAttribute(p, "unix:mode", mode & 07777 | need); // a real file or directory: not through a link
    try {
      for (String x : listXattrs(p)) {
        d.append(" xattr:").append(x).append('=').append(HexFormat.of().formatHex(FsCalls.lgetxattr(p, x)));
      }
      if (type == 0100000) {
        d.append(" size=").append(a.get("size"));
        d.append(" sha256=").append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
      out.put(rel, d.toString());
      if (type == 0040000) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
          List<Path> children = new ArrayList<>();
          ds.forEach(children::add);
          children.sort(null);
          for (Path c : children) walk(root, c, out, inodes);
        }
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } finally {
      if (open) Files.setAttribute(p, "unix:mode", mode & 07777);
    }
  }

  // ---- the corpus beyond UnpackCases' archives ------------------------------------------------------

  /** A GNU 'K' long link target before the next member. */
  private static RawTar gnuLongLink(RawTar t, String target) {
    return t.entry("././@LongLink", 'K', (target + "\0").getBytes(StandardCharsets.UTF_8), 0644, 0, 0, "");
  }

  /** A PAX global header ('g'): its records apply to every member after it. */
  private static RawTar paxGlobal(RawTar t, String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int len = body.getBytes(StandardCharsets.UTF_8).length;
    int total = len + String.valueOf(len).length();
    if (String.valueOf(total).length() != String.valueOf(len).length()) total++;
    return t.entry("pax_global_header", 'g', (total + body).getBytes(StandardCharsets.UTF_8), 0644, 0, 0, "");
  }

  @Test
  void gnuLongNamesAndLinks() throws Exception {
    String dir = "gnu/" + "d".repeat(120);
    String file = dir + "/" + "f".repeat(130);
    String target = "../" + "t".repeat(200);
    RawTar t = new RawTar().gnuLongName(dir + "/").dir("ignored", 0700);
    t.gnuLongName(file).file("ignored", "long", 0640, 0, 0);
    gnuLongLink(t.gnuLongName(dir + "/sym-" + "s".repeat(100)), target).symlink("ignored", "ignored");
    gnuLongLink(t.gnuLongName(dir + "/hard-" + "h".repeat(100)), file).hardlink("ignored", "ignored");
    extract(t.build());
    assertEquals("long", Files.readString(dest.resolve(file)));
    assertEquals(0700, mode(dest.resolve(dir)));
    assertEquals(target, Files.readSymbolicLink(dest.resolve(dir + "/sym-" + "s".repeat(100))).toString());
    assertEquals(Files.getAttribute(dest.resolve(file), "unix:ino"), Files.getAttribute(dest.resolve(dir + "/hard-" + "h".repeat(100)), "unix:ino"));
  }

  @Test
  void paxPathLinkpathMtimeXattrsAndGlobals() throws Exception {
    String longPath = "pax/" + "p".repeat(100) + "/" + "q".repeat(100);
    String longLink = "/" + "l".repeat(250);
    Map<String, String> x = new LinkedHashMap<>();
    x.put("SCHILY.xattr.user.bin", "\u00e9\u0001v"); // bytes kept as the archive has them
    x.put("SCHILY.xattr.user.overlay.redirect", "/x"); // dropped: the overlay's own
    x.put("SCHILY.xattr.security.capability", "cap"); // skipped and counted
    x.put("SCHILY.xattr.trusted.t", "t");
    x.put("mtime", "1600000000.75");
    RawTar t = new RawTar()
        .pax(Map.of("path", longPath, "mtime", "1500000000.123456789")).file("ignored", "pax path")
        .pax(Map.of("path", "sym", "linkpath", longLink)).symlink("ignored", "ignored")
        .pax(x).file("xattrs", "x");
    paxGlobal(t, "mtime", "1400000000").file("global-mtime", "g").dir("global-dir/", 0755);
    paxGlobal(t, "uid", "").file("global-cleared", "c");
    LayerExtractor.Result r = extract(t.build());
    assertEquals("pax path", Files.readString(dest.resolve(longPath)));
    assertEquals(1_500_000_000L, Files.getLastModifiedTime(dest.resolve(longPath), NF).toMillis() / 1000);
    assertEquals(longLink, Files.readSymbolicLink(dest.resolve("sym")).toString());
    assertArrayEquals(new byte[] {(byte) 0xc3, (byte) 0xa9, 1, 'v'}, FsCalls.lgetxattr(dest.resolve("xattrs"), "user.bin"));
    assertEquals(null, FsCalls.lgetxattr(dest.resolve("xattrs"), "user.overlay.redirect"));
    assertEquals(1_600_000_000L, Files.getLastModifiedTime(dest.resolve("xattrs"), NF).toMillis() / 1000);
    assertEquals(1_400_000_000L, Files.getLastModifiedTime(dest.resolve("global-mtime"), NF).toMillis() / 1000);
    assertEquals(1_400_000_000L, Files.getLastModifiedTime(dest.resolve("global-dir"), NF).toMillis() / 1000);
    assertTrue(r.notes().toString().contains("skipped 3 extended attribute(s)"), r.notes().toString());
  }

  @Test
  void hardLinksToListedOwnerFiles_deferred() throws Exception {
    RawTar t = new RawTar()
        .file("a", "a", 0640, 5, 6)
        .hardlink("b", "a")
        .file("a", "a again", 0600, 0, 0) // the path is a new file: b keeps the inode and its owner
        .hardlink("c", "b")
        .pax(Map.of("uid", "7", "gid", "8")).hardlink("d", "b") // a link takes the target's owner, not its own
        .symlink("s", "b").hardlink("s2", "s") // a hard link to a symlink: the symlink itself
        .hardlink("b", "b"); // itself: nothing
    OwnerList owners = extractDeferred(t.build(), 65536, 65536, null);
    assertEquals("5 6 640 b\n5 6 640 c\n5 6 640 d\n", ownersText(owners));
    assertEquals("a again", Files.readString(dest.resolve("a")));
    assertEquals(3, Files.getAttribute(dest.resolve("b"), "unix:nlink")); // b, c, d: a is another file now
  }

  @Test
  void directoryReplacedByAFileAndBack_manyTimes() throws Exception {
    RawTar t = new RawTar();
    for (int i = 0; i < 50; i++) {
      t.dir("x/", 0555 + i % 3 * 0100, i, i).dir("x/y/", 0700, 1, 1).file("x/y/z" + i, "z" + i, 0644, 2, 2)
          .pax(Map.of("SCHILY.xattr.user.i", "v" + i)).dir("x/y/", 0500);
      t.file("x", "file " + i, 0600 + i % 2 * 040, 3, 3);
    }
    t.dir("x/", 0711).file("x/new", "new");
    OwnerList owners = extractDeferred(t.build(), 65536, 65536, null);
    assertEquals("", ownersText(owners)); // x is 0:0 again, and what was below it is gone
    assertEquals(0711, mode(dest.resolve("x")));
    assertFalse(Files.exists(dest.resolve("x/y"), NF));
  }

  @Test
  void whiteoutsOfDirectoriesWithContents_andOpaqueDirectories() throws Exception {
    RawTar t = new RawTar().dir("./", 0755)
        .dir("w/", 0555).dir("w/sub/", 0000).file("w/sub/f", "x", 0000, 0, 0).symlink("w/l", "sub")
        .file(".wh.w", "") // a whiteout over a whole tree, read-only parts and all
        .file(".wh.never-there", "")
        .dir("o/", 0750).file("o/kept", "k").dir("o/d/", 0700)
        .file("o/.wh..wh..opq", "") // the marker, after the layer's own contents
        .file("o/.wh..wh.plnk", "") // other AUFS metadata: nothing
        .file(".wh..wh..opq", "") // the layer's root opaque
        .dir("n/", 0755).file("n/.wh.x", "").file("n/x", "back"); // a whiteout replaced by a file
    extract(t.build());
    assertEquals(0020000, (int) Files.getAttribute(dest.resolve("w"), "unix:mode", NF) & 0170000);
    assertEquals(0020000, (int) Files.getAttribute(dest.resolve("never-there"), "unix:mode", NF) & 0170000);
    assertEquals("k", Files.readString(dest.resolve("o/kept")));
    assertArrayEquals(new byte[] {'y'}, FsCalls.lgetxattr(dest.resolve("o"), "user.overlay.opaque"));
    assertArrayEquals(new byte[] {'y'}, FsCalls.lgetxattr(dest, "user.fuseoverlayfs.opaque"));
    assertEquals("back", Files.readString(dest.resolve("n/x")));
  }

  @Test
  void modesNoOneCanRead_andFifosWithSpecialBits() throws Exception {
    extract(new RawTar().dir("./", 0700).dir("closed/", 0000).file("closed/f", "secret", 0000, 0, 0)
        .dir("wo/", 0300).file("wo/f", "w", 0200, 0, 0).entry("fifo", '6', new byte[0], 07644, 0, 0, "")
        .dir("sticky/", 01777).file("sticky/x", "x", 06755, 0, 0).build());
    assertEquals(0000, mode(dest.resolve("closed")));
    assertEquals(07644, mode(dest.resolve("fifo")));
  }

  @Test
  void utf8NamesAndTrailingDataAfterTheEndBlocks() throws Exception {
    byte[] tar = new RawTar().dir("\u00e9t\u00e9/", 0755).file("\u00e9t\u00e9/\u65e5\u672c", "utf-8").build();
    byte[] withTrailer = java.util.Arrays.copyOf(tar, tar.length + 4096);
    withTrailer[withTrailer.length - 1] = 'x'; // past the end blocks: counted and hashed, never read as a member
    LayerExtractor.Result r = extract(withTrailer);
    assertEquals(withTrailer.length, r.bytes());
    assertEquals(sha(withTrailer), r.diffId());
    assertEquals("utf-8", Files.readString(dest.resolve("\u00e9t\u00e9/\u65e5\u672c")));
  }

  @Test
  void gzipOfTwoMembers_andNoEndBlocks() throws Exception {
    byte[] a = new RawTar().file("one", "1").build();
    byte[] b = new RawTar().file("two", "2").build();
    byte[] first = java.util.Arrays.copyOf(a, a.length - 1024); // no end blocks: the next member continues it
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.writeBytes(RawTar.gzip(first));
    two.writeBytes(RawTar.gzip(b));
    LayerExtractor.Result r = extract(two.toByteArray());
    assertEquals("2", Files.readString(dest.resolve("two")));
    assertEquals(first.length + b.length, r.bytes());
    clean();
    byte[] noEnd = java.util.Arrays.copyOf(b, b.length - 1024); // tolerated, as GNU tar does
    extract(RawTar.gzip(noEnd));
    assertEquals("2", Files.readString(dest.resolve("two")));
  }

  /** A PAX header written as given (records not checked): the next member's. */
  private static RawTar rawPax(RawTar t, String records) {
    return t.entry("PaxHeaders/x", 'x', records.getBytes(StandardCharsets.UTF_8), 0644, 0, 0, "");
  }

  @Test
  void paxRecordLengthsSpelledOddly_readAlike() throws Exception {
    // "12 path=ab\n" is 12 bytes: the same length with a sign or leading zeros, as Integer.parseInt reads it
    for (String rec : new String[] {"012 path=ab\n", "+12 path=ab\n", "00000000025 path=abcdefg\n"}) {
      clean();
      extract(rawPax(new RawTar(), rec).file("ignored", "x").build());
      assertTrue(Files.exists(dest.resolve(rec.substring(rec.indexOf('=') + 1, rec.length() - 1)), NF), rec);
    }
    for (String rec : new String[] {"-12 path=ab\n", "-0 path=abcd\n", "-2147483648 a=b\n"}) {
      bothRefuse(rawPax(new RawTar(), rec).file("f", "x").build(), "tar: malformed PAX record");
    }
    for (String rec : new String[] {"+ path=ab\n", "2147483648 a=b\n", "-2147483649 a=b\n", "1x a=b\n", "\u0663 a=b\n"}) {
      bothRefuse(rawPax(new RawTar(), rec).file("f", "x").build(), "tar: malformed PAX record length");
    }
    // a length past the header, after a first record (LayerExtractor's p + len overflowed an int)
    bothRefuse(rawPax(new RawTar(), "10 a=bcde\n2147483647 x=y\n").file("f", "x").build(), "tar: malformed PAX record");
  }

  @Test
  void paxKeysPastTheBound_refusedAlike_benignTwinAtIt() throws Exception {
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) many.put("k" + i, "v");
    extract(new RawTar().pax(many).file("at-the-bound", "x").build());
    many.put("one-more", "v");
    bothRefuse(new RawTar().pax(many).file("f", "x").build(), "tar: more than 1000 PAX records");
    Map<String, String> global = new LinkedHashMap<>();
    for (int i = 0; i < 64; i++) global.put("g" + i, "v");
    clean();
    RawTar t = new RawTar();
    for (Map.Entry<String, String> g : global.entrySet()) paxGlobal(t, g.getKey(), g.getValue());
    paxGlobal(t, "g0", "again").file("f", "x"); // a key it has: replaced, not added
    extract(t.build());
    paxGlobal(t, "g64", "v");
    bothRefuse(t.build(), "tar: more than 64 global PAX records");
  }

  @Test
  void nulInAPaxPath_refusedAlike() throws Exception {
    bothRefuse(new RawTar().pax(Map.of("path", "a\0b")).file("x", "y").build(), "NUL in path");
  }

  @Test
  void ownersOfNamesBeyondTheBasicPlane_listedInTheSameOrder() throws Exception {
    // UTF-16 order (a Java String's) and UTF-8 order (bytes) differ for these two: jbox-unpack lists
    // them in byte order, and its list is read into an OwnerList, whose encoding goes to the helper
    String bmp = "\uff21";
    String astral = "\ud83d\ude00";
    OwnerList owners = extractDeferred(new RawTar().file(bmp, "x", 0644, 1, 1).file(astral, "y", 0644, 2, 2).build(), 65536, 65536, null);
    assertEquals("2 2 644 " + astral + "\n1 1 644 " + bmp + "\n", ownersText(owners));
  }

  @Test
  void replacedDirectoriesOnTheWay_neverReusedByEitherExtractor() throws Exception {
    extract(new RawTar().dir("a/", 0755).dir("a/b/", 0755).file("a/b/f", "f")
        .file("a/.wh.b", "").dir("a/b/", 0750).file("a/b/g", "g") // b whited out, then made again
        .dir("c/", 0755).file("c/in", "in").symlink("c", "../victim").file("e/x", "x")
        .dir("d/", 0755).file("d/in", "in").file("target", "t").hardlink("d", "target").build());
    assertEquals("g", Files.readString(dest.resolve("a/b/g")));
    assertFalse(Files.exists(dest.resolve("a/b/f"), NF));
    assertTrue(Files.isSymbolicLink(dest.resolve("c")));
    refused(new RawTar().dir("c/", 0755).file("c/in", "in").symlink("c", "../victim").file("c/hello", "pwned").build(), "is a symlink");
    refused(new RawTar().dir("d/", 0755).file("d/in", "in").file("target", "t").hardlink("d", "target").file("d/x", "x").build(),
        "is not a directory");
  }

  /**
   * A system call's own error (here ENAMETOOLONG: a component of 300 bytes): both fail with the
   * same reason, but name what failed differently: LayerExtractor as its Java calls report it
   * (FsCalls' "create `/STAGING/dest/NAME`", NIO's "/STAGING/dest/NAME"), jbox-unpack by the
   * member ("NAME: ..."). A known difference: only the reason is compared.
   */
  @Test
  void namesTooLongForTheFilesystem_failAlikeForTheSameReason() throws Exception {
    String c = "n".repeat(300);
    List<byte[]> layers = List.of(new RawTar().pax(Map.of("path", c)).file("x", "y").build(),
        new RawTar().pax(Map.of("path", c + "/f")).file("x", "y").build(),
        new RawTar().pax(Map.of("path", c + "/")).dir("x/", 0755).build(),
        new RawTar().pax(Map.of("path", c)).symlink("x", "t").build(),
        new RawTar().file("t", "t").pax(Map.of("path", c)).hardlink("x", "t").build(),
        new RawTar().pax(Map.of("path", c)).fifo("x").build(),
        new RawTar().pax(Map.of("path", ".wh." + c)).file("x", "").build());
    reasonOnly = true;
    try {
      for (byte[] layer : layers) bothRefuse(layer, ": File name too long");
    } finally {
      reasonOnly = false;
    }
  }

  /** The layer's root with a mode that does not let its owner search it (jbox-unpack set its time through "." from it, and failed). */
  @Test
  void rootWithoutSearchPermission() throws Exception {
    for (int m : new int[] {0644, 0000, 0400, 0600}) {
      clean();
      extract(new RawTar().dir("./", m).dir("d/", 0555).file("d/f", "x").build());
      assertEquals(m, mode(dest));
      assertEquals(1_700_000_000L, Files.getLastModifiedTime(dest, NF).toMillis() / 1000);
    }
  }

  @Test
  void tinyAndOddBlobs() throws Exception {
    assertEquals(0, extract(new byte[0]).entries()); // an empty layer: no end blocks, tolerated
    clean();
    assertEquals(sha(new byte[1024]), extract(new byte[1024]).diffId());
    clean();
    byte[] gz = RawTar.gzip(new RawTar().file("f", "x").build());
    byte[] padded = java.util.Arrays.copyOf(gz, gz.length + 100); // zeros after the member: the end
    extract(padded);
    assertEquals("x", Files.readString(dest.resolve("f")));
    bothRefuse(new byte[] {0x1f}, "tar: truncated header");
    bothRefuse(new byte[] {0x1f, (byte) 0x8b}, "gzip: unexpected end of the compressed data");
    byte[] badSecond = java.util.Arrays.copyOf(gz, gz.length + 20); // a second member's magic, then no gzip header
    badSecond[gz.length] = 0x1f;
    badSecond[gz.length + 1] = (byte) 0x8b;
    bothRefuse(badSecond, "gzip: ");
  }

  /**
   * A path over a few names, so that members of a random layer run into each other: directories
   * a, b, c up to two deep, then (leaf) a directory name or, mostly, x or y.
   */
  private static String randomPath(java.util.Random r, boolean leaf) {
    StringBuilder b = new StringBuilder();
    int depth = r.nextInt(3);
    for (int k = 0; k < depth; k++) b.append((char) ('a' + r.nextInt(3))).append('/');
    return b.append(leaf && r.nextInt(12) > 0 ? (char) ('x' + r.nextInt(2)) : (char) ('a' + r.nextInt(3))).toString();
  }

  private static final int[] MODES = {0755, 0700, 0555, 0000, 0644, 0600, 04755, 02750, 01777, 0444};

  /**
   * One random member: a directory, file, symlink, hard link (mostly to a file written before),
   * FIFO, whiteout, opaque marker, the root, or a file with an xattr and a PAX mtime.
   */
  private static void randomMember(RawTar t, java.util.Random r, List<String> files) {
    String p = randomPath(r, true);
    int mode = MODES[r.nextInt(MODES.length)];
    int uid = r.nextInt(4) == 0 ? r.nextInt(3) : 0;
    int gid = r.nextInt(4) == 0 ? r.nextInt(3) : 0;
    switch (r.nextInt(12)) {
      case 0, 1, 2 -> t.dir(randomPath(r, false) + "/", mode, uid, gid);
      case 3, 4 -> {
        t.file(p, "content of " + p + " " + r.nextInt(1000), mode, uid, gid);
        files.add(p);
      }
      case 5 -> t.entry(p, '2', new byte[0], 0777, uid, gid, r.nextInt(8) == 0 ? "../victim" : randomPath(r, true));
      case 6 -> t.hardlink(p, files.isEmpty() || r.nextInt(12) == 0 ? randomPath(r, true) : files.get(r.nextInt(files.size())));
      case 7 -> t.entry(p, '6', new byte[0], mode, uid, gid, "");
      case 8 -> {
        int slash = p.lastIndexOf('/');
        t.file(p.substring(0, slash + 1) + ".wh." + p.substring(slash + 1), "");
      }
      case 9 -> t.file(randomPath(r, false) + "/.wh..wh..opq", "");
      case 10 -> t.dir("./", mode, uid, gid);
      default -> {
        t.pax(Map.of("SCHILY.xattr.user.k", "v" + r.nextInt(9), "mtime", Long.toString(1_600_000_000L + r.nextInt(1000))))
            .file(p, "x", mode, uid, gid);
        files.add(p);
      }
    }
  }

  /**
   * 400 random layers of 5 to 30 members over a few names (seeded: a failure names its seed), half
   * with deferred owners: the same tree, list and Result, or the same refusal, from both.
   */
  @Test
  void randomLayers_sameTreeOrSameRefusal() throws Exception {
    int refusals = 0;
    int layers = Integer.getInteger("jbox.test.randomLayers", 400); // -Djbox.test.randomLayers=N for a longer hunt
    osErrors = new ArrayList<>();
    Map<String, Integer> reasons = new TreeMap<>();
    for (int seed = 1; seed <= layers; seed++) {
      java.util.Random r = new java.util.Random(seed);
      RawTar t = new RawTar();
      int n = 5 + r.nextInt(26);
      List<String> files = new ArrayList<>();
      for (int i = 0; i < n; i++) randomMember(t, r, files);
      byte[] layer = seed % 3 == 0 ? RawTar.gzip(t.build()) : t.build();
      clean();
      try {
        if (seed % 2 == 0) extractDeferred(layer, 65536, 65536, null);
        else extract(layer);
      } catch (IOException e) {
        refusals++; // both refused it alike: extract compared the messages
        reasons.merge(e.getMessage().replaceAll("^layer [^:]*: ", "").replaceAll("[a-z/.]*/[a-z/.]*", "P").replaceAll("\\b[a-cxy]\\b", "P"), 1, Integer::sum);
      } catch (AssertionError e) {
        throw new AssertionError("random layer of seed " + seed + ": " + e.getMessage(), e);
      }
    }
    System.out.println("UnpackDiffTest: " + layers + " random layers, " + refusals + " refused by both (" + osErrors.size()
        + " of them on a system call's error, worded differently), the others unpacked alike");
    new java.util.TreeSet<>(osErrors).forEach(m -> System.out.println("UnpackDiffTest: both failed: " + m));
    osErrors = null;
    reasons.forEach((k, v) -> System.out.println("UnpackDiffTest: refused " + v + "x: " + k));
    assertTrue(refusals < layers * 3 / 4 && refusals > layers / 20, refusals + " of " + layers + " refused: the corpus should hold both kinds");
  }

  /** Both refuse, with the same message (extract compares them); the fragment says it is the refusal meant. */
  private void bothRefuse(byte[] layer, String fragment) throws IOException {
    clean();
    IOException e = assertThrows(IOException.class, () -> extract(layer));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void malformedArchives_refusedAlikeByBoth() throws Exception {
    byte[] file = new RawTar().bytes("f", new byte[3000], 0644).build();
    bothRefuse(java.util.Arrays.copyOf(file, 512 + 1000), "unexpected end of archive inside a file");
    bothRefuse(java.util.Arrays.copyOf(file, 300), "truncated header");
    byte[] gz = RawTar.gzip(file);
    bothRefuse(java.util.Arrays.copyOf(gz, gz.length / 2), "gzip: unexpected end of the compressed data");
    byte[] corrupt = gz.clone();
    corrupt[gz.length / 2] ^= 0x55;
    bothRefuse(corrupt, "gzip: ");
    byte[] crc = gz.clone();
    crc[gz.length - 8] ^= 1; // the trailer's CRC32
    bothRefuse(crc, "gzip: corrupt data (CRC or length mismatch)");
    byte[] method = gz.clone();
    method[2] = 7; // not deflate
    bothRefuse(method, "gzip: corrupt data (not deflate)");
    bothRefuse(new RawTar().pax(Map.of("mtime", "soon")).file("f", "x").build(), "bad PAX mtime 'soon'");
    bothRefuse(new RawTar().pax(Map.of("size", "-5")).file("f", "x").build(), "negative PAX size");
    bothRefuse(new RawTar().pax(Map.of("uid", "x1")).file("f", "x").build(), "bad PAX uid 'x1'");
    bothRefuse(new RawTar().entry("PaxHeaders/x", 'x', "5 a=b\n".getBytes(StandardCharsets.US_ASCII), 0644, 0, 0, "").file("f", "x").build(),
        "malformed PAX record");
    bothRefuse(new RawTar().entry("PaxHeaders/x", 'x', "9 ab\n1234".getBytes(StandardCharsets.US_ASCII), 0644, 0, 0, "").file("f", "x").build(),
        "malformed PAX record");
    bothRefuse(new RawTar().entry("big", 'x', new byte[(1 << 20) + 1], 0644, 0, 0, "").build(), "extended header of 1048577 bytes is too large");
    bothRefuse(new RawTar().entry("m", 'M', new byte[0], 0644, 0, 0, "").build(), "multi-volume");
    bothRefuse(new RawTar().pax(Map.of("GNU.sparse.size", "10")).file("f", "x").build(), "sparse");
    bothRefuse(new RawTar().entry("z", 'Z', "content".getBytes(StandardCharsets.US_ASCII), 0644, 0, 0, "").build(), "unsupported tar member type 'Z'");
    bothRefuse(new RawTar().file("./", "x").build(), "a non-directory member names the layer root");
    bothRefuse(new RawTar().dir("d/", 0755).hardlink("h", "d").build(), "hard link to a directory");
    bothRefuse(new RawTar().hardlink("h", "./").build(), "hard link to the layer root");
    bothRefuse(new RawTar().entry("s", '2', new byte[0], 0777, 0, 0, "").build(), "symlink with an empty target");
    bothRefuse(new RawTar().file("f", "x").file("f/g", "y").build(), "is not a directory");
    bothRefuse(new RawTar().hardlink("h", "missing/x").build(), "directory /missing is not in this layer");
    bothRefuse(new RawTar().file("a/.wh...", "").build(), "invalid whiteout");
    byte[] octal = new RawTar().file("f", "x").build();
    octal[100] = '9';
    fixChecksum(octal);
    bothRefuse(octal, "bad octal field");
    byte[] b256 = new RawTar().file("f", "x").build();
    b256[108] = (byte) 0xc0; // base-256, negative
    fixChecksum(b256);
    bothRefuse(b256, "negative base-256 number");
  }

  @Test
  void limitsAndTheFreeSpaceReserve_refusedAlikeByBoth() throws Exception {
    bothRefuseWith(new RawTar().file("a", "x").build(), new UnpackLimits(1 << 30, 10, 4096, Long.MAX_VALUE / 4), "stopped unpacking");
    bothRefuseWith(new RawTar().file("a", "x").build(), new UnpackLimits(1000, 10, 4096), "bytes after decompression");
    bothRefuseWith(new RawTar().file("a".repeat(20), "x").build(), new UnpackLimits(1 << 30, 10, 19), "longer than the limit of 19 bytes");
    bothRefuseWith(new RawTar().symlink("a", "b".repeat(20)).build(), new UnpackLimits(1 << 30, 10, 19), "longer than the limit of 19 bytes");
    bothRefuseWith(new RawTar().file("a", "").file("b", "").build(), new UnpackLimits(1 << 30, 1, 4096), "more than 1 entries");
    clean();
    extract(new RawTar().file("a".repeat(19), "x").build(), new UnpackLimits(1 << 30, 1, 19)); // the twin at the edge
  }

  private void bothRefuseWith(byte[] layer, UnpackLimits limits, String fragment) throws IOException {
    clean();
    IOException e = assertThrows(IOException.class, () -> extract(layer, limits));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  private static void fixChecksum(byte[] h) {
    for (int k = 148; k < 156; k++) h[k] = ' ';
    long sum = 0;
    for (int k = 0; k < 512; k++) sum += h[k] & 0xff;
    String s = String.format("%06o", sum);
    System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
  }
}
