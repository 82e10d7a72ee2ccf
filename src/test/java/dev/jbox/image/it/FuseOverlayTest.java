package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox run --storage-driver=fuse-overlayfs IMAGE}: the image's layers through
 * fuse-overlayfs started inside the sandbox's user and mount namespaces, with ownership, whiteouts
 * and opaque directories as in the native overlay; its daemon out of the sandbox's sight and reach
 * (a pid namespace of its own, nested), exit status, signals, -t, exec and top as without it; and
 * no fuse-overlayfs process or fuse mount left after the sandbox, also when jbox is killed.
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
    for (int i = 0; i < 600 && !left.isEmpty(); i++) {
      Thread.sleep(100);
      left = fuseProcesses();
    }
    assertEquals(List.of(), left, "fuse-overlayfs outlived its sandbox");
    assertEquals("", fuseMounts(), "a fuse mount in the caller's mount namespace");
  }

  @Test
  void run_rootIsFuse_ownershipAsInImage_writes_rmDiscardsTheLayer() throws Exception {
    Home j = jbox();
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
    Home j = jbox();
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
    var r = Home.finish(pb.start());
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("fuse.fuse-overlayfs"), r.out());
  }

  @Test
  void sigkillOfJbox_takesFuseOverlayfsAndItsMountDown() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    String marker = "sleep 7" + (System.nanoTime() % 10000);
    Process p = j.launcher(List.of("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c", "exec " + marker))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      // fuse-overlayfs daemonizes: for a moment its launcher and the daemon both exist
      for (int i = 0; i < 600 && fuseProcesses().size() != 1; i++) Thread.sleep(100);
      assertEquals(1, fuseProcesses().size(), "fuse-overlayfs runs while the sandbox does");
      Thread.sleep(300);
    } finally {
      new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertNothingLeft();
    for (int i = 0; i < 600; i++) {
      try (var s = Files.list(j.storage.resolve("containers"))) {
        if (s.findAny().isEmpty()) break;
      }
      Thread.sleep(100);
    }
    try (var s = Files.list(j.storage.resolve("containers"))) {
      assertEquals(List.of(), s.toList(), "--rm's cleaner ran after the kill");
    }
  }

  /** Pids of live processes whose command line starts with {@code marker}. */
  static List<Long> withCmdline(String marker) throws Exception {
    List<Long> out = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc"))) {
      for (Path p : s.toList()) {
        if (!p.getFileName().toString().matches("\\d+")) continue;
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
          String stat = Files.readString(p.resolve("stat"));
          if (cmd.startsWith(marker) && !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) out.add(Long.parseLong(p.getFileName().toString()));
        } catch (java.io.IOException gone) {
          // exited meanwhile
        }
      }
    }
    return out;
  }

  /** A number field of a detached sandbox's state file. */
  static long stateField(Home j, String name, String field) throws Exception {
    var r = j.run("inspect", name);
    assertEquals(0, r.status(), r.toString());
    Path dir = j.home.resolve("run/jbox").resolve((String) ((Map<?, ?>) ((List<?>) dev.jbox.json.Json.parse(r.out())).get(0)).get("Id"));
    String st = Files.readString(dir.resolve("state"));
    var m = java.util.regex.Pattern.compile("\"" + field + "\":(\\d+)").matcher(st);
    assertTrue(m.find(), field + " in " + st);
    return Long.parseLong(m.group(1));
  }

  @Test
  void insideTheSandbox_fuseOverlayfsIsInvisible_andPid1IsTheCommand() throws Exception {
    var r = jbox().launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c",
        "grep ' / ' /proc/self/mountinfo | grep -o 'fuse[.a-z-]*' | head -1; echo pid1=$(cat /proc/1/comm); "
            + "for f in /proc/[0-9]*/comm; do cat $f; done 2>/dev/null | grep -c '^fuse-overlayfs$'; true");
    assertEquals(0, r.status(), r.toString());
    assertEquals("fuse.fuse-overlayfs\npid1=sh\n0\n", r.out(), "the root is fuse-overlayfs, whose daemon is not in sight: " + r);
    assertNothingLeft();
  }

  @Test
  void killOfEveryProcessInside_leavesTheRootFilesystemServed() throws Exception {
    var r = jbox().launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c",
        "kill -9 -1; sleep 1; cat /srv/data");
    assertEquals(0, r.status(), r.toString());
    assertEquals("shared\n", r.out(), r.toString());
    assertNothingLeft();
  }

  @Test
  void exitStatus_signalForwardingThroughInit_andTty_asWithTheNativeOverlay() throws Exception {
    Home j = jbox();
    var code = j.launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c", "exit 3");
    assertEquals(3, code.status(), code.toString());
    var self = j.launch("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", "--init", busybox, "sh", "-c", "kill -USR1 $$");
    assertEquals(128 + 10, self.status(), "a command killed by signal N: 128+N " + self);

    String marker = "sleep 8" + (System.nanoTime() % 10000);
    Process p = j.launcher(List.of("run", "--rm", "--network=none", "--storage-driver=fuse-overlayfs", "--init", busybox, "sh", "-c", "exec " + marker))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    for (int i = 0; i < 600 && withCmdline(marker).isEmpty(); i++) Thread.sleep(100);
    assertEquals(1, withCmdline(marker).size(), "the command runs");
    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(128 + 15, p.exitValue(), "SIGTERM forwarded to --init, which passes it to the command");
    assertNothingLeft();

    Path driver = t.resolve("ptydriver.py");
    Files.writeString(driver, dev.jbox.it.TerminalTest.DRIVER);
    ProcessBuilder jb = j.launcher(List.of("run", "--rm", "-it", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh"));
    List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), "tty; stty size; echo SIZE$((0+1))"));
    cmd.addAll(jb.command());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(jb.environment());
    Process tty = pb.start();
    String out = new String(tty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(tty.waitFor(60, TimeUnit.SECONDS));
    assertTrue(out.contains("/dev/pts/0"), "the sandbox's own pty: " + out);
    assertTrue(out.contains("33 111") && out.contains("44 122"), "window sizes: " + out);
    assertTrue(out.contains("STATUS 3"), out);
    assertNothingLeft();
  }

  @Test
  void detached_execAndTopSeeTheSandbox_notTheDaemon_andSigkillOfTheMonitorTakesItDown() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "-d", "--name", "fz", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c", "exec sleep 1000");
    assertEquals(0, r.status(), r.toString());
    long pid = stateField(j, "fz", "pid");
    // run -d returns once `sh` is executed; its `exec sleep` may come a moment later on a loaded machine
    for (int i = 0; i < 600 && Files.readString(Path.of("/proc/" + pid + "/comm")).equals("sh\n"); i++) Thread.sleep(100);
    assertEquals("sleep\n", Files.readString(Path.of("/proc/" + pid + "/comm")), "state names the sandbox's pid 1");
    assertEquals(1, fuseProcesses().size(), "fuse-overlayfs serves it");

    var e = j.launch("exec", "fz", "sh", "-c",
        "echo pid1=$(cat /proc/1/comm); test -d /proc/$$ && echo in-its-pid-namespace; "
            + "for f in /proc/[0-9]*/comm; do cat $f; done 2>/dev/null | grep -c '^fuse-overlayfs$'; cat /srv/data; true");
    assertEquals(0, e.status(), e.toString());
    assertEquals("pid1=sleep\nin-its-pid-namespace\n0\nshared\n", e.out(), e.toString());
    var top = j.run("top", "fz");
    assertEquals(0, top.status(), top.toString());
    assertTrue(top.out().lines().anyMatch(l -> l.startsWith("1 ") && l.endsWith("sleep 1000")), top.out());
    assertFalse(top.out().contains("fuse-overlayfs"), top.out());

    long monitor = stateField(j, "fz", "monitorPid");
    new ProcessBuilder("kill", "-KILL", Long.toString(monitor)).start().waitFor();
    assertNothingLeft();
    for (int i = 0; i < 600 && Files.exists(Path.of("/proc/" + pid)); i++) Thread.sleep(100);
    assertFalse(Files.exists(Path.of("/proc/" + pid)), "the sandbox went with its monitor");
    assertEquals(0, j.run("rm", "fz").status());

    // it waits for a line on its stdin (-i), which only the attach below gives it: a `sleep 2`
    // before its output had ended before a slow attach came, on a loaded machine
    var a = j.launch("run", "-d", "-i", "--name", "fa", "--network=none", "--storage-driver=fuse-overlayfs", busybox, "sh", "-c",
        "read go; echo bye; exit 4");
    assertEquals(0, a.status(), a.toString());
    Process ap = j.launcher(List.of("attach", "fa")).start();
    try (var in = ap.getOutputStream()) {
      in.write("go\n".getBytes(StandardCharsets.UTF_8));
    }
    var attached = Home.finish(ap);
    assertEquals(4, attached.status(), "attach ends with the sandbox's status, through the reaper: " + attached);
    assertTrue(attached.out().contains("bye"), attached.toString());
    assertEquals("4\n", j.launch("wait", "fa").out());
    assertNothingLeft();
    assertEquals(0, j.run("rm", "fa").status());
  }

  /**
   * The kernel refuses a native overlay whose work dir is on another filesystem than its upper dir
   * (EINVAL), where fuse-overlayfs mounts: a plan with storage driver "overlay" then falls back.
   */
  @Test
  void nativeOverlayRefused_fallsBackToFuseOverlayfs_withAOneLineNote() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "jbox-fallback-");
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.getFileStore(shm).equals(Files.getFileStore(t)),
          "/dev/shm and the test's temporary directory are one filesystem");
      var store = dev.jbox.image.store.ImageStore.open(j.storage);
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
      Process p = new ProcessBuilder(Home.helper().toString(), "run-plan", file.toString())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      var r = Home.finish(p);
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
