package dev.jbox.image.it;

import dev.jbox.it.Jbox.Home;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images built to attack jbox itself: /etc/passwd that hangs or leaks, ids past 2^32-2,
 * /etc/resolv.conf and friends as symlinks out of the root, and file names that are not ASCII.
 * Every run is bounded: a regression fails its test instead of hanging the suite.
 */
class HostileImageTest extends ImageRunFixture {
  static TestPush push;
  static final Path HOST_PASSWD = Path.of("/tmp/jbox-host-passwd-" + ProcessHandle.current().pid());
  static final String UNICODE_NAME = "café-ß-日本";

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    push = startRegistry(dir);
  }

  /** The busybox image with `extra` laid over it as a second layer. */
  static String image(String name, RawTar extra, Map<String, Object> config) throws Exception {
    Map<String, Object> cfg = new java.util.LinkedHashMap<>(Map.of("Cmd", List.of("/bin/sh"), "Env", List.of("PATH=/bin")));
    cfg.putAll(config);
    TestImages.push(push, "test/" + name, "1", List.of(TestImages.busyboxLayer(), extra.build()), "gzip",
        Platform.host(), cfg);
    return reg.host() + "/test/" + name + ":1";
  }

  /** Runs jbox through the launcher, killing it (and its sandbox) after 60 s. */
  static Home.Run bounded(ProcessBuilder pb) throws Exception {
    return bounded(pb, 60);
  }

  /** As above, after the given number of seconds. */
  static Home.Run bounded(ProcessBuilder pb, int seconds) throws Exception {
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail("jbox " + pb.command() + " did not finish within " + seconds + " s");
    }
    return new Home.Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** A fresh jbox home with img pulled (quietly: stderr then holds only what the run says). */
  Home pulled(String img) throws Exception {
    Home j = jbox();
    var p = run(j, "pull", "-q", img);
    assertEquals(0, p.status(), p.toString());
    return j;
  }

  Home.Run run(Home j, String... args) throws Exception {
    return bounded(j.launcher(List.of(args)));
  }

  void assertOneLine125(Home.Run r, String message) {
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, r.err().lines().filter(l -> !l.startsWith("jbox: warning: registry ")).count(), "one line: " + r.err());
    assertTrue(r.err().contains(message), r.err());
  }

  @Test
  void passwdIsDevZero_oneLineExit125_insteadOfSpinningForever() throws Exception {
    String img = image("passwd-zero", new RawTar().dir("etc/", 0755).symlink("etc/passwd", "/dev/zero"), Map.of());
    Home j = pulled(img);
    var r = run(j, "run", "--rm", "--network=none", img, "true");
    assertOneLine125(r, "the sandbox's `/etc/passwd` is not a regular file");
    assertEquals(List.of(), containers(j), "nothing left in containers/");
  }

  @Test
  void passwdIsAFifo_oneLineExit125_insteadOfBlocking() throws Exception {
    String img = image("passwd-fifo", new RawTar().dir("etc/", 0755).fifo("etc/passwd"), Map.of());
    var r = run(pulled(img), "run", "--rm", "--network=none", "-u", "u", img, "true");
    assertOneLine125(r, "the sandbox's `/etc/passwd` is not a regular file");
  }

  @Test
  void groupIsAFifo_oneLineExit125() throws Exception {
    String img = image("group-fifo", new RawTar().dir("etc/", 0755).fifo("etc/group"), Map.of());
    var r = run(pulled(img), "run", "--rm", "--network=none", "-u", "u", img, "true");
    assertOneLine125(r, "the sandbox's `/etc/group` is not a regular file");
  }

  @Test
  void hugePasswd_oneLineExit125_andAPasswdOfNormalSizeStillWorks() throws Exception {
    byte[] big = new byte[5 << 20];
    java.util.Arrays.fill(big, (byte) '#');
    big[big.length - 1] = '\n';
    String img = image("passwd-huge", new RawTar().dir("etc/", 0755).bytes("etc/passwd", big, 0644), Map.of());
    var r = run(pulled(img), "run", "--rm", "--network=none", img, "true");
    assertOneLine125(r, "the sandbox's `/etc/passwd` is larger than 4 MiB");
    // benign twin: the busybox image's own passwd resolves users as before
    var ok = run(pulled(busybox), "run", "--rm", "--network=none", "-u", "u", busybox, "sh", "-c", "id -u; echo $HOME");
    assertEquals(0, ok.status(), ok.toString());
    assertEquals("1000\n/home/u\n", ok.out());
  }

  /**
   * /etc/passwd linking to an absolute host path: `jbox top` read it through /proc/PID/root, where
   * the kernel resolves an absolute link against the reader's root, so the host's file came out
   * as user names. It is resolved inside the sandbox's root now (where that path does not exist).
   */
  @Test
  void passwdLinksToAHostFile_topNeverReadsTheHostFile() throws Exception {
    Files.writeString(HOST_PASSWD, "hostsecret:x:0:0::/:/bin/sh\n");
    try {
      String img = image("passwd-hostlink", new RawTar().dir("etc/", 0755).symlink("etc/passwd", HOST_PASSWD.toString()), Map.of());
      Home j = pulled(img);
      var d = run(j, "run", "-d", "--rm", "--network=none", img, "busybox", "sleep", "1000");
      assertEquals(0, d.status(), d.toString());
      String id = d.lastLine().strip();
      try {
        var top = run(j, "top", id);
        assertEquals(0, top.status(), top.toString());
        assertTrue(top.out().contains("sleep 1000"), top.out());
        assertFalse(top.out().contains("hostsecret"), "the host's file was read: " + top.out());
      } finally {
        run(j, "rm", "-f", id);
      }
    } finally {
      Files.deleteIfExists(HOST_PASSWD);
    }
  }

  /**
   * A running sandbox replaces its /etc/passwd with a FIFO, a 5 MiB file, or keeps swapping a FIFO
   * and the real file under the same name: `jbox top` (which maps uids to names from that file)
   * must answer promptly with numbers, exit 0, instead of blocking in open(2) on the FIFO or
   * reading whatever size the sandbox offers. The benign twin keeps its file and shows `root`.
   */
  @Test
  void passwdReplacedByFifoOrHugeFileInARunningSandbox_topAnswersPromptlyWithNumbers() throws Exception {
    Home j = pulled(busybox);
    String[][] cases = {
        {"plain", "exec busybox sleep 1000", "root"},
        {"fifo", "busybox rm /etc/passwd && busybox mkfifo /etc/passwd && exec busybox sleep 1000", "0"},
        {"huge", "busybox dd if=/dev/zero of=/etc/passwd bs=1048576 count=5 2>/dev/null && exec busybox sleep 1000", "0"},
    };
    for (String[] c : cases) {
      var d = run(j, "run", "-d", "--rm", "--network=none", busybox, "sh", "-c", c[1]);
      assertEquals(0, d.status(), c[0] + ": " + d);
      String id = d.lastLine().strip();
      try {
        String want = "(?s)PID +HOSTPID +USER +COMMAND\n1 +[0-9]+ +" + c[2] + " +busybox sleep 1000\n";
        Home.Run top = null;
        // pid 1 is `sh -c` until its file is in place, then the sleep (as seen by top itself);
        // the `sh -c` line holds the words "busybox sleep 1000" too, so pid 1's line is what counts
        java.util.regex.Pattern slept = java.util.regex.Pattern.compile("(?m)^1 +[0-9]+ +\\S+ +busybox sleep 1000$");
        for (int i = 0; i < 100 && (top == null || !slept.matcher(top.out()).find()); i++) {
          if (top != null) Thread.sleep(100);
          top = bounded(j.launcher(List.of("top", id)), 10);
          assertEquals(0, top.status(), c[0] + ": " + top);
        }
        assertTrue(top.out().matches(want), c[0] + ": " + top.out());
      } finally {
        run(j, "rm", "-f", id);
      }
    }
  }

  /**
   * The race the type check alone left open: the sandbox swaps a FIFO and a regular file under
   * /etc/passwd as fast as it can, so that a check may see the file and the open the FIFO. Every
   * `jbox top` still ends within seconds (the open has a deadline) with names or numbers.
   */
  @Test
  void passwdSwappedWithAFifoInALoop_everyTopEndsPromptly() throws Exception {
    Home j = pulled(busybox);
    String loop = "busybox cp /etc/passwd /etc/passwd.real; busybox mkfifo /etc/fifo.0; i=0; "
        + "while :; do busybox ln -f /etc/fifo.0 /etc/fifo.1; busybox mv -f /etc/fifo.1 /etc/passwd; "
        + "busybox cp /etc/passwd.real /etc/file.1; busybox mv -f /etc/file.1 /etc/passwd; done";
    var d = run(j, "run", "-d", "--rm", "--network=none", busybox, "sh", "-c", loop);
    assertEquals(0, d.status(), d.toString());
    String id = d.lastLine().strip();
    try {
      for (int i = 0; i < 30; i++) {
        var top = bounded(j.launcher(List.of("top", id)), 15);
        assertEquals(0, top.status(), top.toString());
        assertTrue(top.out().matches("(?s)PID +HOSTPID +USER +COMMAND\n1 +[0-9]+ +(root|0) +sh -c .*"), top.out());
      }
    } finally {
      run(j, "rm", "-f", id);
    }
  }

  /** USER 4294967296 matched a passwd entry of that name with uid 0, and ran as root. */
  @Test
  void imageUserPast2pow32_refused_notLookedUpAsAName() throws Exception {
    String img = image("user-overflow", new RawTar().dir("etc/", 0755)
        .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n4294967296:x:0:0::/root:/bin/sh\n-1:x:0:0::/root:/bin/sh\n"),
        Map.of("User", "4294967296"));
    Home j = pulled(img);
    var r = run(j, "run", "--rm", "--network=none", img, "sh", "-c", "id -u");
    assertOneLine125(r, "the image's User `4294967296`: id `4294967296` out of range (0 to 4294967294)");
    var u = run(j, "run", "--rm", "--network=none", "-u", "-1", img, "sh", "-c", "id -u");
    assertOneLine125(u, "--user `-1`: id `-1` out of range");
    // benign twin: a numeric id in range needs no passwd entry
    var max = run(j, "run", "--rm", "--network=none", "-u", "1000", img, "sh", "-c", "id -u");
    assertEquals(0, max.status(), max.toString());
    assertEquals("1000\n", max.out());
  }

  /**
   * systemd-resolved images link /etc/resolv.conf to ../run/systemd/resolve/stub-resolv.conf:
   * "create mount point … File exists". The sandbox's files now cover the links themselves, and
   * the image's layer keeps its links.
   */
  @Test
  void etcFilesAreSymlinksOutOfTheRoot_sandboxGetsItsOwnFiles_layerUnchanged() throws Exception {
    String img = image("etc-links", new RawTar().dir("etc/", 0755)
        .symlink("etc/resolv.conf", "../run/systemd/resolve/stub-resolv.conf")
        .symlink("etc/hosts", "/../../../../nonexistent/hosts")
        .symlink("etc/hostname", "/proc/self/root/etc/hostname-host"), Map.of());
    Home j = pulled(img);
    var r = run(j, "run", "--rm", "--network=none", "--hostname", "linked", "--dns", "10.1.2.3", img, "sh", "-c",
        "cat /etc/hostname; grep -q linked /etc/hosts && echo hosts-ok; grep nameserver /etc/resolv.conf; test -e /run/systemd || echo no-run-systemd");
    assertEquals(0, r.status(), r.toString());
    assertEquals("linked\nhosts-ok\nnameserver 10.1.2.3\nno-run-systemd\n", r.out(), r.toString());
    assertEquals(List.of("../run/systemd/resolve/stub-resolv.conf"), inLayers(j, "etc/resolv.conf").stream()
        .map(p -> readLink(p)).toList(), "the layer keeps the image's link");
  }

  /**
   * A layer with a non-ASCII file name pulls and runs with LANG and LC_* unset: the JVM's file-name
   * encoding no longer follows the caller's locale ("Malformed input" before).
   */
  @Test
  void nonAsciiFileName_pullsAndRunsWithoutLang() throws Exception {
    String img = image("unicode", new RawTar().dir("data/", 0755).file("data/" + UNICODE_NAME, "unicode-ok\n"), Map.of());
    Home j = jbox();
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--network=none", img, "sh", "-c", "for f in /data/*; do echo \"$f\"; cat \"$f\"; done"));
    ProcessBuilder pb = j.launcher(args);
    pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.equals("LANGUAGE") || k.startsWith("LC_"));
    var r = bounded(pb);
    assertEquals(0, r.status(), r.toString());
    assertEquals("/data/" + UNICODE_NAME + "\nunicode-ok\n", r.out());
    // the command's environment is the image's, not the JVM's C.UTF-8
    ProcessBuilder env = j.launcher(List.of("run", "--rm", "--network=none", img, "sh", "-c", "env"));
    env.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
    var e = bounded(env);
    assertEquals(0, e.status(), e.toString());
    assertFalse(e.out().contains("LC_") || e.out().contains("LANG="), e.out());
    List<Path> found = inLayers(j, "data/" + UNICODE_NAME);
    assertEquals(1, found.size(), "the layer holds the file by its UTF-8 name");
    assertTrue(Files.isRegularFile(found.get(0), LinkOption.NOFOLLOW_LINKS));
  }

  /** layers/ID/diff/REL for every layer that has it (no walk: layers hold 0700 dirs of other ids). */
  static List<Path> inLayers(Home j, String rel) throws Exception {
    List<Path> out = new ArrayList<>();
    try (var s = Files.list(j.storage.resolve("layers"))) {
      for (Path l : s.toList()) {
        Path p = l.resolve("diff").resolve(rel);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) out.add(p);
      }
    }
    return out;
  }

  static String readLink(Path p) {
    try {
      return Files.readSymbolicLink(p).toString();
    } catch (java.io.IOException e) {
      return "not a link: " + e;
    }
  }
}
