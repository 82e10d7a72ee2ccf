package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox run --storage-driver=fuse-overlayfs IMAGE}: the image's layers through
 * fuse-overlayfs started inside the sandbox, with ownership, whiteouts and opaque directories as
 * in the native overlay, and no fuse-overlayfs process or fuse mount left after the sandbox, also
 * when jbox is killed.
 */
class FuseOverlayTest extends ImageRunFixture {

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    if (!Files.isExecutable(Path.of("/usr/bin/fuse-overlayfs"))) {
      String why = "fuse-overlayfs is not installed (scripts/test installs it)";
      if ("1".equals(System.getenv("JBOX_MUST_WORK"))) org.junit.jupiter.api.Assertions.fail("JBOX_MUST_WORK=1 and " + why);
      org.junit.jupiter.api.Assumptions.abort(why);
    }
    startRegistry(dir);
  }

  /** fuse-overlayfs processes serving this test's store (their options name its directories). */
  List<Long> fuseProcesses() throws Exception {
    List<Long> out = new ArrayList<>();
    String mine = t.resolve("home").toString();
    try (var s = Files.list(Path.of("/proc"))) {
      for (Path p : s.toList()) {
        if (!p.getFileName().toString().matches("\\d+")) continue;
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          if (cmd.startsWith("fuse-overlayfs") && cmd.contains(mine)) out.add(Long.parseLong(p.getFileName().toString()));
        } catch (java.io.IOException gone) {
          // exited meanwhile
        }
      }
    }
    return out;
  }

  /** Fuse mounts of this test's store visible in jbox's (the caller's) mount namespace. */
  String fuseMounts() throws Exception {
    String mine = t.resolve("home").toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.contains("fuse") && l.contains(mine)).reduce("", (a, b) -> a + b + "\n");
  }

  void assertNothingLeft() throws Exception {
    List<Long> left = fuseProcesses();
    for (int i = 0; i < 50 && !left.isEmpty(); i++) {
      Thread.sleep(100);
      left = fuseProcesses();
    }
    assertEquals(List.of(), left, "fuse-overlayfs outlived its sandbox");
    assertEquals("", fuseMounts(), "a fuse mount in the caller's mount namespace");
  }

  @Test
  void run_rootIsFuse_ownershipAsInImage_writes_rmDiscardsTheLayer() throws Exception {
    Jbox j = jbox();
    var r = j.launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c",
        "grep ' / ' /proc/self/mountinfo | grep -o 'fuse[.a-z-]*' | head -1; stat -c '%u:%g %a' /home/u/notes /bin/suid; "
            + "echo data > /written; cat /written; rm /srv/data; test -e /srv/data || echo removed; id -u");
    assertEquals(0, r.status(), r.toString());
    assertEquals("fuse.fuse-overlayfs\n1000:1000 640\n0:0 4755\ndata\nremoved\n0\n", r.out());
    try (var s = Files.list(j.storage.resolve("containers"))) {
      assertEquals(List.of(), s.toList(), "--rm removed the writable layer");
    }
    assertNothingLeft();
    var again = j.launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c", "cat /srv/data");
    assertEquals("shared\n", again.out(), "the image's layer is unchanged: " + again);
  }

  @Test
  void whiteoutsAndOpaqueDirs_hideLowerFiles() throws Exception {
    var r = jbox().launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", layered, "sh", "-c",
        "ls /etc; echo --; ls /srv; test -e /etc/passwd && echo PASSWD-VISIBLE; true");
    assertEquals(0, r.status(), r.toString());
    assertFalse(r.out().contains("PASSWD-VISIBLE"), r.out());
    assertEquals("new\n", r.out().substring(r.out().indexOf("--\n") + 3), r.out());
    assertNothingLeft();
  }

  @Test
  void nonRootUserInside_readsThroughTheFuseMount_readOnlyRefusesWrites() throws Exception {
    Jbox j = jbox();
    var r = j.launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", "-u", "1000", busybox, "sh", "-c",
        "id -u; cat /home/u/notes >/dev/null && echo read; cat /etc/hostname >/dev/null && echo etc");
    assertEquals(0, r.status(), r.toString());
    assertEquals("1000\nread\netc\n", r.out());
    var ro = j.launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", "--read-only", busybox, "sh", "-c", "touch /x 2>&1; true");
    assertTrue(ro.out().contains("Read-only file system"), ro.toString());
    assertNothingLeft();
  }

  @Test
  void configFile_storageDriver_selectsFuse() throws Exception {
    Path conf = t.resolve("jbox.toml");
    Files.writeString(conf, "[storage]\ndriver = \"fuse-overlayfs\"\n");
    ProcessBuilder pb = jbox().launcher(List.of("run", "--rm", "--network=none", busybox, "sh", "-c", "grep ' / ' /proc/self/mountinfo"));
    pb.environment().put("JBOX_CONFIG", conf.toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    var r = Jbox.finish(pb.start());
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("fuse.fuse-overlayfs"), r.out());
  }

  @Test
  void sigkillOfJbox_takesFuseOverlayfsAndItsMountDown() throws Exception {
    Jbox j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    String marker = "sleep 7" + (System.nanoTime() % 10000);
    Process p = j.launcher(List.of("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c", "exec " + marker))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    for (int i = 0; i < 100 && fuseProcesses().isEmpty(); i++) Thread.sleep(100);
    assertEquals(1, fuseProcesses().size(), "fuse-overlayfs runs while the sandbox does");
    Thread.sleep(300);
    new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    assertNothingLeft();
    for (int i = 0; i < 50; i++) {
      try (var s = Files.list(j.storage.resolve("containers"))) {
        if (s.findAny().isEmpty()) break;
      }
      Thread.sleep(100);
    }
    try (var s = Files.list(j.storage.resolve("containers"))) {
      assertEquals(List.of(), s.toList(), "--rm's cleaner ran after the kill");
    }
  }

  /**
   * The kernel refuses a native overlay whose work dir is on another filesystem than its upper dir
   * (EINVAL), where fuse-overlayfs mounts: a plan with storage driver "overlay" then falls back.
   */
  @Test
  void nativeOverlayRefused_fallsBackToFuseOverlayfs_withAOneLineNote() throws Exception {
    Jbox j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "jbox-fallback-");
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.getFileStore(shm).equals(Files.getFileStore(t)),
          "/dev/shm and the test's temporary directory are one filesystem");
      var store = dev.jbox.image.store.Store.open(j.storage);
      List<String> lower = new ArrayList<>();
      for (Path l : store.lowerDirs(dev.jbox.image.store.ImageLookup.find(store, busybox).image())) lower.add(l.toString());
      Path c = t.resolve("c");
      // the mount points in the upper dir already: with the work dir on another filesystem,
      // fuse-overlayfs could not create them (its renames from the work dir fail with EXDEV)
      for (String d : List.of("proc", "dev", "sys")) Files.createDirectories(c.resolve("upper").resolve(d));
      Files.createDirectories(c.resolve("merged"));
      Files.createDirectories(shm.resolve("work"));
      var ns = new java.util.EnumMap<dev.jbox.sandbox.Namespace, dev.jbox.sandbox.NsMode>(dev.jbox.sandbox.Namespace.class);
      for (var n : dev.jbox.sandbox.Namespace.values()) ns.put(n, dev.jbox.sandbox.NsMode.NEW);
      var idMap = dev.jbox.sandbox.idmap.IdMaps.build(dev.jbox.sandbox.idmap.IdMaps.Caller.current(), List.of(), List.of());
      var plan = new dev.jbox.sandbox.Plan(List.of("/bin/sh", "-c", "cat /srv/data; grep ' / ' /proc/self/mountinfo | grep -o 'fuse[.a-z-]*' | head -1"),
          List.of("PATH=/bin"), null, null, "fallback", c.resolve("merged").toString(), ns, idMap,
          dev.jbox.sandbox.DefaultMounts.build(ns, idMap, List.of()), List.of(), 0, java.util.Set.of(dev.jbox.sandbox.Plan.Flag.NO_NEW_PRIVS),
          null, List.of(), new dev.jbox.sandbox.Plan.Overlay(lower, c.resolve("upper").toString(), shm.resolve("work").toString()), null,
          null, new dev.jbox.sandbox.Plan.Fuse("/usr/bin/fuse-overlayfs", true));
      Path file = t.resolve("plan.bin");
      Files.write(file, dev.jbox.helper.PlanWriter.encode(plan));
      Process p = new ProcessBuilder(Jbox.helper().toString(), "run-plan", file.toString())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      var r = Jbox.finish(p);
      assertEquals(0, r.status(), r.toString());
      assertEquals("shared\nfuse.fuse-overlayfs\n", r.out(), r.toString());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("jbox: note: native overlay refused (Invalid argument"), r.err());
      assertNothingLeft();
    } finally {
      try (var w = Files.walk(shm)) {
        for (Path f : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
      } catch (java.io.IOException e) {
        // best effort: fuse-overlayfs's work files in /dev/shm
      }
    }
  }
}
