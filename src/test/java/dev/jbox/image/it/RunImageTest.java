package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import dev.jbox.image.testing.RawTar;
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
 * {@code jbox run IMAGE} end to end: pulled from Debian's docker-registry on loopback, run on a
 * native overlay in the user namespace, with the image config applied.
 */
class RunImageTest extends ImageRunFixture {
  static String configured;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    TestPush p = startRegistry(dir);
    Platform host = Platform.host();
    TestImages.push(p, "test/configured", "1", List.of(TestImages.busyboxLayer()), "gzip", host,
        Map.of("Entrypoint", List.of("/bin/sh", "-c"), "Cmd", List.of("echo default-cmd; pwd; echo $GREETING; id -u"),
            "Env", List.of("PATH=/bin", "GREETING=from-image"), "WorkingDir", "/srv", "User", "1000"));
    configured = reg.host() + "/test/configured:1";
  }

  @Test
  void run_pullsWhenMissing_ownershipAsInImage_rmDiscardsTheLayer() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", "--network=none", busybox, "sh", "-c",
        "stat -c '%u:%g %a' /home/u/notes /bin/suid; echo data > /written; cat /written; id -u; "
            + "awk '$5 == \"/\"' /proc/self/mountinfo | grep -c volatile || true");
    assertEquals(0, r.status(), r.toString());
    // a layer that goes with the sandbox is mounted volatile: its unmount syncs nothing
    assertEquals("1000:1000 640\n0:0 4755\ndata\n0\n1\n", r.out());
    Path containers = j.storage.resolve("containers");
    try (var s = Files.list(containers)) {
      assertEquals(List.of(), s.toList(), "--rm removed the writable layer");
    }
  }

  @Test
  void subordinateIdsChanged_runRefusesWithTheFix_andPullUnpacksTheLayerAgain() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", "-q", busybox).status());
    Path meta;
    try (var s = Files.list(j.storage.resolve("layers"))) {
      meta = s.filter(Files::isDirectory).findFirst().orElseThrow().resolve("layer.json");
    }
    Map<String, Object> m = Json.parseObject(Files.readString(meta));
    String recorded = (String) m.get("uidMap");
    assertTrue(recorded != null && recorded.trim().split("\n").length > 1, "unpacked with subordinate ids: " + m);
    // what a layer unpacked before /etc/subuid moved the user's range looks like
    long uid = new com.sun.security.auth.module.UnixSystem().getUid();
    m.put("uidMap", "0 " + uid + " 1\n1 7000000 65536");
    Files.writeString(meta, Json.write(m));

    var refused = j.launch("run", "--rm", "--network=none", busybox, "true");
    assertEquals(125, refused.status(), refused.toString());
    assertTrue(refused.err().contains("was unpacked for other subordinate ids (uid map 0 " + uid + " 1,1 7000000 65536, now ")
        && refused.err().contains("`jbox pull " + busybox + "` unpacks it again"), refused.err());
    assertEquals(1, refused.err().lines().count(), refused.err());
    assertEquals(List.of(), containers(j), "a refused run leaves nothing");

    var pull = j.launch("pull", busybox);
    assertEquals(0, pull.status(), pull.toString());
    assertFalse(pull.out().contains("skipped: already exists"), "the stale layer was unpacked again: " + pull.out());
    assertEquals(recorded.trim(), ((String) Json.parseObject(Files.readString(meta)).get("uidMap")).trim());
    var r = j.launch("run", "--rm", "--network=none", busybox, "sh", "-c", "stat -c %u:%g /home/u/notes");
    assertEquals("1000:1000\n", r.out(), r.toString());
    var again = j.launch("pull", busybox);
    assertTrue(again.out().contains("skipped: already exists"), "a current layer is kept: " + again.out());
  }

  /**
   * The run path stays free of regexes, lambdas and streams: the first of them costs a JVM the
   * method-handle machinery, and it had made `jbox run IMAGE` about 10 ms slower (dev.jbox.Text).
   */
  @Test
  void runPath_loadsNoRegexLambdaOrStream() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", "-q", busybox).status());
    Path log = t.resolve("classes.log");
    ProcessBuilder pb = j.launcher(List.of("run", "--rm", "--network=none", busybox, "sh", "-c", "true"));
    pb.environment().put("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    var r = Home.finish(pb.start());
    assertEquals(0, r.status(), r.toString());
    List<String> loaded = Files.readAllLines(log);
    assertTrue(loaded.stream().anyMatch(l -> l.contains("dev.jbox.cli.RunCommand")), "the log covers the run JVM");
    List<String> bad = loaded.stream().filter(l -> l.contains(" java.util.regex.") || l.contains("$$Lambda")
        || l.contains(" java.util.stream.")).toList();
    assertEquals(List.of(), bad, "a regex, lambda or stream on the run path");
    // nor a FileChannel (the image store's records are read through java.io: dev.jbox.SmallFiles),
    // nor java.io.Console (the short-name prompt asks for it only when a name is ambiguous)
    assertEquals(List.of(), loaded.stream().filter(l -> l.contains(" sun.nio.ch.FileChannelImpl ")
        || l.contains(" java.io.Console ")).toList(), "a FileChannel or the Console on the run path");
  }

  /**
   * The image commands issue 14 measures against podman's do little more than start a JVM: with an
   * image in the store, images, tag, rmi (untagging) and system df link no lambda, regex or
   * java.time formatter, set up no security provider (Files.createTempFile's SecureRandom) and load
   * no JNA; their output is what it was (java.time and String.format before).
   */
  @Test
  void imageCommands_loadNoLambdaRegexTimeFormatterSecurityProviderOrJna() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", "-q", busybox).status());
    for (List<String> line : List.of(List.of("images"), List.of("images", "-q"), List.of("tag", busybox, "local/renamed:2"),
        List.of("images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"), List.of("rmi", "local/renamed:2"), List.of("system", "df"))) {
      Path log = t.resolve("image-classes.log");
      Files.deleteIfExists(log);
      ProcessBuilder pb = j.launcher(line);
      pb.environment().put("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      var r = Home.finish(pb.start());
      assertEquals(0, r.status(), line + ": " + r);
      switch (line.get(0)) {
        case "images" -> assertTrue(r.out().matches(line.size() > 2 ? "(?s).*:1 [0-9]+\\.[0-9] [kM]B\n.*"
            : line.size() == 2 ? "([0-9a-f]{12}\n)+" : "(?s)REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n.* ago +[0-9]+\\.[0-9] [kM]B\n.*"),
            line + ": " + r);
        case "rmi" -> assertEquals("Untagged: localhost/local/renamed:2\n", r.out(), r.toString());
        case "system" -> assertTrue(r.out().matches("(?s)TYPE.*\nImages +1 +0 +[0-9.]+ [kM]B +[0-9.]+ [kM]?B\n.*"), r.toString());
        default -> { }
      }
      List<String> loaded = Files.readAllLines(log);
      assertTrue(loaded.stream().anyMatch(l -> l.contains("dev.jbox.cli.")), line + ": the log covers the JVM");
      assertEquals(List.of(), loaded.stream().filter(l -> l.contains("$$Lambda") || l.contains("LambdaForm$MH/") || l.contains(" java.util.regex.")
          || l.contains(" java.time.format.") || l.contains(" java.util.Formatter ") || l.contains(" sun.security.provider.")
          || l.contains(" java.security.SecureRandom ") || l.contains(" com.sun.jna.")).toList(), line + ": loaded");
    }
  }

  @Test
  void withoutRm_writesLandInTheUpperDirNotTheLayers() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--network=none", busybox, "sh", "-c",
        "echo kept > /kept; rm /srv/data; awk '$5 == \"/\"' /proc/self/mountinfo | grep -c volatile || true");
    assertEquals(0, r.status(), r.toString());
    assertEquals("0\n", r.out(), "a kept sandbox's layer is not volatile: " + r);
    assertTrue(r.err().contains("; jbox rm ") && r.err().contains(" removes them"), r.err());
    Path container;
    try (var s = Files.list(j.storage.resolve("containers"))) {
      container = s.findFirst().orElseThrow();
    }
    assertEquals("kept\n", Files.readString(container.resolve("upper/kept")));
    assertTrue(Files.exists(container.resolve("upper/srv/data"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "a whiteout in the upper dir");
    var again = j.launch("run", "--rm", "--network=none", busybox, "sh", "-c", "cat /srv/data");
    assertEquals("shared\n", again.out(), "the image's layer is unchanged: " + again);
  }

  @Test
  void detachedImageSandbox_startRunsItAgainOnItsOwnUpperDir() throws Exception {
    Home j = jbox();
    Files.createDirectories(t.resolve("home/run"));
    var r = j.launch("run", "-d", "--name", "img", "--network=none", busybox, "sh", "-c",
        "cat /count 2>/dev/null; echo x >> /count; exit 3");
    assertEquals(0, r.status(), r.toString());
    assertEquals("3\n", j.launch("wait", "img").out());
    var again = j.launch("start", "-a", "img");
    assertEquals(3, again.status(), again.toString());
    assertEquals("x\n", again.out(), "the first run's write is still in the upper dir: " + again);
    assertEquals(0, j.launch("rm", "img").status());
  }

  @Test
  void whiteoutsAndOpaqueDirs_hideLowerFiles() throws Exception {
    var r = jbox().launch("run", "--rm", "--network=none", layered, "sh", "-c",
        "ls /etc; ls /srv; test -e /etc/passwd && echo PASSWD-VISIBLE; true");
    assertEquals(0, r.status(), r.toString());
    assertFalse(r.out().contains("PASSWD-VISIBLE"), r.out());
    assertEquals("new\n", r.out().substring(r.out().indexOf("new")), r.out());
  }

  @Test
  void imageConfig_entrypointCmdEnvWorkdirUser_andOverrides() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", "--network=none", configured);
    assertEquals("default-cmd\n/srv\nfrom-image\n1000\n", r.out(), r.toString());
    var o = j.launch("run", "--rm", "--network=none", "-e", "GREETING=flag", "-w", "/tmp", "-u", "0", configured, "echo $GREETING $(pwd) $(id -u)");
    assertEquals("flag /tmp 0\n", o.out(), o.toString());
    var e = j.launch("run", "--rm", "--network=none", "--entrypoint", "/bin/busybox", configured, "echo", "replaced");
    assertEquals("replaced\n", e.out(), e.toString());
  }

  @Test
  void readOnly_refusesWrites_butTmpVarTmpAndRunAreFreshTmpfs_unlessTurnedOff() throws Exception {
    var r = jbox().launch("run", "--rm", "--read-only", "--network=none", busybox, "sh", "-c",
        "touch /x 2>&1; for d in /tmp /var/tmp /run; do touch $d/f && echo $d writable; done; stat -c %a /tmp /var/tmp /run;"
            + " grep -E ' /(tmp|var/tmp|run) ' /proc/mounts | cut -d' ' -f1-3");
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().startsWith("touch: /x: Read-only file system\n"), r.out());
    assertTrue(r.out().contains("/tmp writable\n/var/tmp writable\n/run writable\n1777\n1777\n755\n"), r.out());
    for (String d : List.of("/tmp", "/var/tmp", "/run")) assertTrue(r.out().contains("tmpfs " + d + " tmpfs"), r.out());

    var off = jbox().launch("run", "--rm", "--read-only", "--read-only-tmpfs=false", "--network=none", busybox, "sh", "-c",
        "touch /tmp/f 2>&1; true");
    assertTrue(off.out().contains("Read-only file system"), off.toString());
    var own = jbox().launch("run", "--rm", "--read-only", "--tmpfs", "/tmp:size=1m", "--network=none", busybox, "sh", "-c",
        "grep ' /tmp ' /proc/mounts");
    assertEquals(1, own.out().lines().count(), "the user's own tmpfs, not a second one: " + own);
    assertTrue(own.out().contains("size=1024k"), own.toString());
  }

  @Test
  void generatedEtcFiles_boundOverTheImage_alsoReadOnly_nothingWrittenToTheLayers() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--read-only", "--network=slirp4netns", "--hostname", "img", busybox, "sh", "-c",
        "cat /etc/hostname; grep nameserver /etc/resolv.conf; grep img /etc/hosts");
    assertEquals(0, r.status(), r.toString());
    assertEquals("img\nnameserver 10.0.2.3\n127.0.1.1\timg\n", r.out());
    Path container;
    try (var s = Files.list(j.storage.resolve("containers"))) {
      container = s.findFirst().orElseThrow();
    }
    for (String f : List.of("hostname", "hosts", "resolv.conf")) {
      Path up = container.resolve("upper/etc").resolve(f);
      assertTrue(!Files.exists(up) || Files.size(up) == 0, "at most an empty mount point in the upper dir: " + up);
    }
  }

  @Test
  void unknownImage_oneLineExit125_pullNeverWithoutImage() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", reg.host() + "/test/nosuch:1", "true");
    assertEquals(125, r.status(), r.toString());
    assertTrue(r.err().strip().lines().reduce((a, b) -> b).orElse("").startsWith("jbox: "), r.err());
    var n = j.launch("run", "--rm", "--pull=never", busybox, "true");
    assertEquals(125, n.status(), n.toString());
    assertTrue(n.err().contains("--pull=never"), n.err());
  }

  @Test
  void interactiveShell_throughARealPty_exitStatusPasses() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Path driver = t.resolve("driver.py");
    Files.writeString(driver, dev.jbox.it.TerminalTest.DRIVER);
    ProcessBuilder jb = j.launcher(List.of("run", "-it", "--rm", "--network=none", busybox, "sh"));
    List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), "ls -ln /home/u/notes | cut -c1-30; echo SIZE$((0+1))"));
    cmd.addAll(jb.command());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(jb.environment());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertTrue(out.contains("1000     1000") || out.contains("1000 1000"), out);
    assertTrue(out.contains("STATUS 3"), out);
  }
}
