package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox cp} both ways on running and stopped image sandboxes (ownership mapped as podman
 * does, or kept with -a; symlinks and ".." resolved inside the sandbox's root; directories; tar
 * streams), {@code jbox diff} and {@code jbox export}, and their bad input: one line, exit 125,
 * nothing created.
 */
class CpDiffExportTest extends ImageRunFixture {
  /** The image's /etc/passwd (TestImages.busyboxLayer), which is not the host's. */
  private static final String PASSWD = "root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n";

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  private static long ownUid() {
    return new com.sun.security.auth.module.UnixSystem().getUid();
  }

  private static long uid(Path p) throws Exception {
    return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  private static void ok(Home.Run r) {
    assertEquals(0, r.status(), r.toString());
  }

  private static void bad(Home.Run r) {
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("jbox: "), r.err());
  }

  /** jbox with standard input from the given bytes. */
  private static Home.Run withInput(Home j, byte[] in, String... args) throws Exception {
    ProcessBuilder pb = j.builder("dev.jbox.cli.Main", args);
    Process p = pb.start();
    try (var o = p.getOutputStream()) {
      o.write(in);
    }
    return Home.finish(p);
  }

  /** The member names of a tar jbox wrote to standard output (read with tar(1)). */
  private static List<String> tarNames(Home j, String... args) throws Exception {
    ProcessBuilder pb = j.builder("dev.jbox.cli.Main", args);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    Process tar = new ProcessBuilder("tar", "tf", "-").start();
    Thread t = new Thread(() -> {
      try (var o = tar.getOutputStream()) {
        p.getInputStream().transferTo(o);
      } catch (java.io.IOException e) {
        // tar ended
      }
    });
    t.start();
    String names = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), err);
    assertEquals(0, tar.waitFor());
    t.join();
    return names.lines().toList();
  }

  @Test
  void cpOut_ofAStoppedSandbox_resolvesSymlinksAndDotDotInsideItsRoot_copiesDirectories_ownedByTheCaller() throws Exception {
    Home j = jbox();
    ok(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c",
        "ln -s /etc/passwd /srv/link; ln -s ../../../../../../etc/passwd /srv/up; mkdir -p /srv/dir/sub; "
            + "echo deep > /srv/dir/sub/f; chown -R 1000:1000 /srv/dir"));
    Path out = t.resolve("out");
    Files.createDirectories(out);

    ok(j.run("cp", "k:/srv/link", out.toString()));
    assertEquals(PASSWD, Files.readString(out.resolve("link")), "the sandbox's /etc/passwd, not the host's");
    assertFalse(Files.isSymbolicLink(out.resolve("link")));
    ok(j.run("cp", "k:/srv/up", out.resolve("up").toString()));
    assertEquals(PASSWD, Files.readString(out.resolve("up")), "a symlink's .. stops at the sandbox's root");
    ok(j.run("cp", "k:/../../../../etc/passwd", out.resolve("dotdot").toString()));
    assertEquals(PASSWD, Files.readString(out.resolve("dotdot")), ".. in the path stops at the sandbox's root");

    ok(j.run("cp", "k:/srv/dir", out.toString()));
    assertEquals("deep\n", Files.readString(out.resolve("dir/sub/f")));
    assertEquals(ownUid(), uid(out.resolve("dir/sub/f")), "copied out: the caller's file");
    assertEquals(ownUid(), uid(out.resolve("dir/sub")));

    // --archive=false keeps the sandbox's ids: the user's subordinate id of the sandbox's uid 1000
    Path keep = j.storage.resolve("containers").resolve("cp-a");
    Files.createDirectories(keep);
    ok(j.run("cp", "--archive=false", "k:/srv/dir", keep.toString()));
    Path f = keep.resolve("dir/sub/f");
    assertEquals("deep\n", Files.readString(f));
    String id = containers(j).stream().filter(p -> p.getFileName().toString().length() == 64).findFirst().orElseThrow()
        .getFileName().toString();
    assertEquals(uid(j.storage.resolve("containers").resolve(id).resolve("upper/srv/dir/sub/f")), uid(f),
        "the same owner as the sandbox's own file");
    assertTrue(uid(f) != ownUid());

    List<String> names = tarNames(j, "cp", "k:/srv/dir", "-");
    assertEquals(List.of("dir/", "dir/sub/", "dir/sub/f"), names);

    // bad input: one line, 125, nothing created
    bad(j.run("cp", "nosuch:/etc/passwd", out.resolve("n1").toString()));
    bad(j.run("cp", "k:/no/such/file", out.resolve("n2").toString()));
    bad(j.run("cp", "k:/etc/passwd", out.resolve("no/such/dir/n3").toString()));
    bad(j.run("cp", out.resolve("dir").toString(), out.resolve("elsewhere").toString()));
    bad(j.run("cp", "k:/etc/passwd", "k:/tmp/x"));
    for (String n : List.of("n1", "n2", "no", "elsewhere")) assertFalse(Files.exists(out.resolve(n)), n);
    assertFalse(Files.exists(j.home.resolve("run/jbox").resolve(id)), "a stopped sandbox's runtime dir is not left behind");
  }

  @Test
  void cpIn_toRunningAndStoppedSandboxes_ownedByTheSandboxsUser_orKeptWithA_andTarStreams() throws Exception {
    Home j = jbox();
    ok(j.launch("run", "-d", "-u", "1000", "--name", "ru", "--network=none", busybox, "sh", "-c", "sleep 120"));
    try {
      Path src = t.resolve("src");
      Files.createDirectories(src.resolve("d/e"));
      Files.writeString(src.resolve("hf"), "from the host\n");
      Files.writeString(src.resolve("d/e/g"), "nested\n");

      ok(j.run("cp", src.resolve("hf").toString(), "ru:/tmp/"));
      var st = j.launch("exec", "ru", "sh", "-c", "cat /tmp/hf; stat -c %u:%g /tmp/hf");
      ok(st);
      assertEquals("from the host\n1000:1000\n", st.out(), "owned by the sandbox's user");

      ok(j.run("cp", "--archive=false", src.resolve("hf").toString(), "ru:/tmp/kept"));
      var kept = j.launch("exec", "ru", "sh", "-c", "stat -c %u /tmp/kept");
      ok(kept);
      assertEquals(ownUid() + "\n", kept.out(), "--archive=false keeps the source's uid");

      ok(j.run("cp", src.resolve("d").toString(), "ru:/tmp/newdir"));
      var dir = j.launch("exec", "ru", "sh", "-c", "cat /tmp/newdir/e/g; stat -c %u /tmp/newdir/e");
      ok(dir);
      assertEquals("nested\n1000\n", dir.out(), "a directory becomes DEST when DEST does not exist");

      // a tar on standard input, extracted into a directory of the running sandbox
      byte[] tar = new dev.jbox.image.testing.RawTar().dir("t/", 0755).file("t/x", "tarred\n").build();
      ok(withInput(j, tar, "cp", "-", "ru:/tmp"));
      var fromTar = j.launch("exec", "ru", "sh", "-c", "cat /tmp/t/x");
      assertEquals("tarred\n", fromTar.out(), fromTar.toString());

      // a symlink inside the sandbox that points out of it: written inside, never on the host
      ok(j.launch("exec", "ru", "sh", "-c", "ln -s " + t.resolve("victim") + " /tmp/escape"));
      ok(j.run("cp", src.resolve("hf").toString(), "ru:/tmp/escape"));
      assertFalse(Files.exists(t.resolve("victim")), "the host path the symlink names is untouched");

      bad(j.run("cp", src.resolve("missing").toString(), "ru:/tmp/"));
      bad(j.run("cp", src.resolve("hf").toString(), "ru:/no/such/dir/x"));
      bad(j.run("cp", src.resolve("hf").toString(), "gone:/tmp/"));
    } finally {
      j.run("rm", "-f", "ru");
    }

    // a stopped sandbox: its overlay, mounted for the copy
    ok(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", "exit 0"));
    ok(j.run("cp", t.resolve("src/hf").toString(), "k:/srv/hf"));
    Path out = t.resolve("back");
    Files.createDirectories(out);
    ok(j.run("cp", "k:/srv/hf", out.toString()));
    assertEquals("from the host\n", Files.readString(out.resolve("hf")));
    var diff = j.run("diff", "k");
    ok(diff);
    assertTrue(diff.out().lines().toList().contains("A /srv/hf"), diff.out());
  }

  /** The user.* xattr name of a host file, or null. */
  private static String xattr(Path p, String name) throws Exception {
    var v = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class);
    if (!v.list().contains(name)) return null;
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(v.size(name));
    v.read(name, buf);
    return new String(buf.array(), StandardCharsets.UTF_8);
  }

  private static String exec(Home j, String sandbox, String script) throws Exception {
    var r = j.launch("exec", sandbox, "sh", "-c", script);
    ok(r);
    return r.out();
  }

  /** A host directory psrc: a, a2 (a hard link to a, with the xattr user.jbox=kept), sub/b. */
  private Path hostTree() throws Exception {
    Path src = t.resolve("psrc");
    Files.createDirectories(src.resolve("sub"));
    Files.writeString(src.resolve("a"), "a\n");
    Files.writeString(src.resolve("sub/b"), "b\n");
    Files.createLink(src.resolve("a2"), src.resolve("a"));
    Files.getFileAttributeView(src.resolve("a"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
        .write("jbox", StandardCharsets.UTF_8.encode("kept")); // user.jbox
    return src;
  }

  private static String onlyId(Home j) throws Exception {
    return containers(j).stream().filter(p -> p.getFileName().toString().length() == 64).findFirst().orElseThrow()
        .getFileName().toString();
  }

  private static void start(Home j, String name, String... runOptions) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--network=none"));
    args.addAll(List.of(runOptions));
    args.addAll(List.of(busybox, "sh", "-c", "mkdir -p /srv/isdir/in /srv/l3; echo f > /srv/isdir/in/f; echo file > /srv/isfile; "
        + "ln -s /etc/passwd /srv/l3/pw; echo ok > /srv/l3/plain; touch /srv/ready; sleep 120"));
    ok(j.launch(args.toArray(String[]::new)));
    for (int i = 0; i < 100; i++) {
      var r = j.launch("exec", name, "sh", "-c", "test -e /srv/ready");
      if (r.status() == 0) return;
      Thread.sleep(50);
    }
    throw new AssertionError("the sandbox did not get ready");
  }

  @Test
  void cp_keepIdSandbox_copiedFilesAreItsUsers_theCallersOwnOnTheHost_runningAndStopped() throws Exception {
    Home j = jbox();
    start(j, "kid", "--userns=keep-id");
    try {
      Path src = hostTree();
      ok(j.run("cp", src.resolve("a").toString(), "kid:/srv/owned"));
      assertEquals(ownUid() + "\n" + ownUid() + "\n", exec(j, "kid", "id -u; stat -c %u /srv/owned"),
          "owned by the sandbox's user through the sandbox's own maps");
      // stopped, its maps come from its stored plan
      ok(j.run("kill", "-s", "KILL", "kid"));
      for (int i = 0; i < 1200 && !j.run("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}").out().contains("kid"); i++) {
        Thread.sleep(50);
      }
      ok(j.run("cp", src.resolve("a").toString(), "kid:/srv/stopped"));
      assertEquals(ownUid(), uid(j.storage.resolve("containers").resolve(onlyId(j)).resolve("upper/srv/stopped")),
          "the keep-id sandbox's user is the caller, also when it is stopped");
    } finally {
      j.run("rm", "-f", "kid");
    }
  }

  @Test
  void cp_srcDot_copiesADirectorysContents_intoANewOrAnExistingDest_bothWays() throws Exception {
    Home j = jbox();
    start(j, "c");
    try {
      Path src = hostTree();
      ok(j.run("cp", src + "/.", "c:/srv/made"));
      assertEquals("a\nb\nno\n", exec(j, "c", "cat /srv/made/a /srv/made/sub/b; test -e /srv/made/psrc && echo yes || echo no"));
      ok(j.run("cp", src.resolve("sub") + "/.", "c:/srv/isdir"));
      assertEquals("b\n", exec(j, "c", "cat /srv/isdir/b"));
      Path back = Files.createDirectories(t.resolve("pback"));
      ok(j.run("cp", "c:/srv/made/.", back.resolve("m").toString()));
      assertEquals("a\n", Files.readString(back.resolve("m/a")));
      assertFalse(Files.exists(back.resolve("m/made")));
      ok(j.run("cp", "c:/srv/isdir/.", back.toString()));
      assertEquals("f\n", Files.readString(back.resolve("in/f")), "into an existing directory");

      bad(j.run("cp", src.resolve("a") + "/.", "c:/srv/x"));
      bad(j.run("cp", "c:/srv/made/.", t.resolve("no/such/dir").toString()));
      assertFalse(Files.exists(t.resolve("no")));
    } finally {
      j.run("rm", "-f", "c");
    }
  }

  @Test
  void cp_keepsHardLinksAndUserXattrs_bothWays_andSetsOnlyUserXattrsFromATar() throws Exception {
    Home j = jbox();
    start(j, "h");
    try {
      Path src = hostTree();
      ok(j.run("cp", src.toString(), "h:/srv/"));
      String links = exec(j, "h", "stat -c %i:%h /srv/psrc/a; stat -c %i:%h /srv/psrc/a2");
      List<String> l = links.lines().toList();
      assertEquals(l.get(0), l.get(1), "a and a2 are one inode with two names: " + links);
      assertTrue(l.get(0).endsWith(":2"), links);
      Path back = Files.createDirectories(t.resolve("hback"));
      ok(j.run("cp", "h:/srv/psrc", back.toString()));
      assertEquals("kept", xattr(back.resolve("psrc/a"), "jbox"), "the xattr went in and came out");
      assertEquals(Files.getAttribute(back.resolve("psrc/a"), "unix:ino"), Files.getAttribute(back.resolve("psrc/a2"), "unix:ino"));

      // from a tar only user.* xattrs are set: not overlayfs' own, not security.capability
      byte[] tar = new dev.jbox.image.testing.RawTar()
          .pax(Map.of("SCHILY.xattr.user.ok", "1", "SCHILY.xattr.user.overlay.opaque", "y", "SCHILY.xattr.security.capability", "xx"))
          .file("xa", "x\n").build();
      ok(withInput(j, tar, "cp", "-", "h:/srv"));
      ok(j.run("cp", "h:/srv/xa", back.toString()));
      Process py = new ProcessBuilder("python3", "-c", "import os,sys; print(sorted(os.listxattr(sys.argv[1])))",
          back.resolve("xa").toString()).redirectErrorStream(true).start();
      assertEquals("['user.ok']", new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    } finally {
      j.run("rm", "-f", "h");
    }
  }

  @Test
  void cp_aDirectoryAndAFileReplaceEachOther_onlyWithOverwrite() throws Exception {
    Home j = jbox();
    start(j, "o");
    try {
      Path conflict = t.resolve("conflict");
      Files.createDirectories(conflict.resolve("isfile"));
      Files.writeString(conflict.resolve("isfile/x"), "x\n");
      Files.writeString(conflict.resolve("isdir"), "now a file\n");
      bad(j.run("cp", conflict.resolve("isfile").toString(), "o:/srv/"));
      bad(j.run("cp", conflict.resolve("isdir").toString(), "o:/srv/"));
      assertEquals("file\nf\n", exec(j, "o", "cat /srv/isfile /srv/isdir/in/f"), "both left as they were");
      ok(j.run("cp", "--overwrite", conflict.resolve("isfile").toString(), "o:/srv/"));
      ok(j.run("cp", "--overwrite", conflict.resolve("isdir").toString(), "o:/srv/"));
      assertEquals("x\nnow a file\n", exec(j, "o", "cat /srv/isfile/x /srv/isdir"));
    } finally {
      j.run("rm", "-f", "o");
    }
  }

  @Test
  void cp_followLink_dereferencesTheSymlinksBelowSrc_insideTheSandboxsRoot() throws Exception {
    Home j = jbox();
    start(j, "l");
    try {
      Path back = Files.createDirectories(t.resolve("lback"));
      ok(j.run("cp", "l:/srv/l3", back.toString()));
      assertTrue(Files.isSymbolicLink(back.resolve("l3/pw")), "without -L a symlink below SRC stays one");
      ok(j.run("cp", "-L", "l:/srv/l3", back.resolve("deref").toString()));
      assertFalse(Files.isSymbolicLink(back.resolve("deref/pw")));
      assertEquals(PASSWD, Files.readString(back.resolve("deref/pw")), "the sandbox's /etc/passwd, not the host's");
      assertEquals("ok\n", Files.readString(back.resolve("deref/plain")));
      // a symlink to a directory that holds it: an error, not an endless copy
      ok(j.launch("exec", "l", "sh", "-c", "mkdir -p /srv/loop/d; ln -s /srv/loop /srv/loop/d/up"));
      bad(j.run("cp", "-L", "l:/srv/loop", back.resolve("loop").toString()));
    } finally {
      j.run("rm", "-f", "l");
    }
  }

  @Test
  void diff_listsAddedChangedDeleted_withParentsAsChanged_opaqueDirsContentsAsDeleted_andJson() throws Exception {
    Home j = jbox();
    ok(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c",
        "echo c > /srv/data; rm /etc/passwd; mkdir /new; echo a > /new/f; rm -rf /home/u; mkdir /home/u; echo x > /home/u/x"));
    var r = j.run("diff", "k");
    ok(r);
    List<String> lines = r.out().lines().toList();
    for (String l : List.of("C /srv", "C /srv/data", "C /etc", "D /etc/passwd", "A /new", "A /new/f", "C /home/u", "D /home/u/notes", "A /home/u/x")) {
      assertTrue(lines.contains(l), l + " in\n" + r.out());
    }
    List<String> sorted = new ArrayList<>(lines.stream().map(l -> l.substring(2)).toList());
    sorted.sort(null);
    assertEquals(sorted, lines.stream().map(l -> l.substring(2)).toList(), "by path, as podman");
    assertFalse(lines.stream().anyMatch(l -> l.endsWith(" /bin/busybox")), "unchanged files are not listed");

    var json = j.run("diff", "--format", "json", "k");
    ok(json);
    @SuppressWarnings("unchecked")
    Map<String, List<String>> m = (Map<String, List<String>>) (Map<?, ?>) Json.parseObject(json.out());
    assertTrue(m.get("added").contains("/new/f") && m.get("deleted").contains("/etc/passwd") && m.get("changed").contains("/srv/data"), json.out());

    bad(j.run("diff", "nosuch"));
    bad(j.run("diff", "--format", "yaml", "k"));
  }

  @Test
  void export_writesTheWholeFileSystem_ofStoppedAndRunningSandboxes_withoutWhatIsMountedInIt() throws Exception {
    Home j = jbox();
    ok(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", "echo new > /added; rm /srv/data"));
    List<String> names = tarNames(j, "export", "k");
    assertTrue(names.contains("bin/busybox") && names.contains("etc/passwd") && names.contains("added"), names.toString());
    assertFalse(names.contains("srv/data"), "deleted in the sandbox");

    Path file = t.resolve("k.tar");
    ok(j.run("export", "-o", file.toString(), "k"));
    Process tar = new ProcessBuilder("tar", "xOf", file.toString(), "added").start();
    assertEquals("new\n", new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

    ok(j.launch("run", "-d", "--name", "up", "--network=none", busybox, "sh", "-c", "echo live > /live; sleep 120"));
    try {
      List<String> live = List.of();
      for (int i = 0; i < 600 && !live.contains("live"); i++) {
        live = tarNames(j, "export", "up");
        if (!live.contains("live")) Thread.sleep(100);
      }
      assertTrue(live.contains("live") && live.contains("bin/busybox"), live.toString());
      assertTrue(live.contains("proc/"), "the mount point is there");
      assertFalse(live.stream().anyMatch(n -> n.startsWith("proc/") && !n.equals("proc/")), "but not the sandbox's /proc");
    } finally {
      j.run("rm", "-f", "up");
    }

    Path none = t.resolve("none.tar");
    bad(j.run("export", "-o", none.toString(), "nosuch"));
    assertFalse(Files.exists(none), "nothing created");
  }
}
