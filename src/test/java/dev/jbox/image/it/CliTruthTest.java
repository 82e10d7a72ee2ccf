package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI says and does what its pages say (issue 14, "A CLI that says the truth"), end to end as
 * the unprivileged user against the loopback registry: every command reads [storage] root of
 * jbox.toml, a stored image runs by id, id prefix or name@digest without a pull, -h is the
 * hostname, --entrypoint takes podman's JSON form, jbox stop sends the image's StopSignal, a
 * missing repository is "manifest unknown", and the insecure-registry warning comes once a session.
 */
class CliTruthTest extends ImageRunFixture {
  static String stopsOnUsr1;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    TestPush p = startRegistry(dir);
    // pid 1 handles USR1 only: TERM would leave it running until SIGKILL (137)
    TestImages.push(p, "test/stopsignal", "1", List.of(TestImages.busyboxLayer()), "gzip", Platform.host(),
        Map.of("Cmd", List.of("/bin/sh", "-c", "trap 'exit 7' USR1; echo ready; while :; do sleep 0.1; done"),
            "Env", List.of("PATH=/bin"), "StopSignal", "SIGUSR1"));
    stopsOnUsr1 = reg.host() + "/test/stopsignal:1";
  }

  private static void oneLineError(Home.Run r, String contains) {
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  private static Home.Run run(ProcessBuilder pb) throws Exception {
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return Home.finish(pb.start());
  }

  @Test
  void storageRootOfJboxToml_isWhereEveryCommandLooks_andJboxStorageOverridesIt() throws Exception {
    Home j = jbox();
    Path config = Files.writeString(t.resolve("jbox.toml"), "[storage]\nroot = \"" + j.storage + "\"\n");
    // no JBOX_STORAGE: the store must come from the configuration, not $XDG_DATA_HOME or ~/.local/share
    ProcessBuilder pull = j.builder("dev.jbox.cli.Main", "pull", "-q", busybox);
    pull.environment().remove("JBOX_STORAGE");
    pull.environment().put("JBOX_CONFIG", config.toString());
    var r = run(pull);
    assertEquals(0, r.status(), r.toString());
    String id = r.lastLine();
    try (var s = Files.list(j.storage.resolve("images"))) {
      assertEquals(1, s.count(), "pull wrote to [storage] root");
    }
    assertFalse(Files.exists(j.home.resolve(".local/share/jbox")), "nothing in the default root");

    ProcessBuilder images = j.builder("dev.jbox.cli.Main", "images", "-q");
    images.environment().remove("JBOX_STORAGE");
    images.environment().put("JBOX_CONFIG", config.toString());
    var listed = run(images);
    assertEquals(0, listed.status(), listed.toString());
    assertTrue(id.startsWith(listed.out().strip()), "images reads the same store: " + listed.out() + " vs " + id);

    ProcessBuilder runIt = j.launcher(List.of("run", "--rm", "--network=none", "--pull=never", busybox, "sh", "-c", "echo from-config-store"));
    runIt.environment().remove("JBOX_STORAGE");
    runIt.environment().put("JBOX_CONFIG", config.toString());
    var ran = run(runIt);
    assertEquals(0, ran.status(), ran.toString());
    assertEquals("from-config-store\n", ran.out());

    // JBOX_STORAGE wins over the configuration
    Path other = t.resolve("other-store");
    ProcessBuilder over = j.builder("dev.jbox.cli.Main", "images", "-q");
    over.environment().put("JBOX_STORAGE", other.toString());
    over.environment().put("JBOX_CONFIG", config.toString());
    var empty = run(over);
    assertEquals(0, empty.status(), empty.toString());
    assertEquals("", empty.out(), "the other store is empty");
    assertTrue(Files.isDirectory(other.resolve("images")));

    // every command reads the configuration: a broken one stops ps and images too, in one line
    Path bad = Files.writeString(t.resolve("bad.toml"), "[storage]\nroot = \"relative/dir\"\n");
    for (String cmd : List.of("images", "ps")) {
      ProcessBuilder b = j.builder("dev.jbox.cli.Main", cmd);
      b.environment().remove("JBOX_STORAGE");
      b.environment().put("JBOX_CONFIG", bad.toString());
      oneLineError(run(b), "storage.root `relative/dir` must be an absolute path");
    }
  }

  @Test
  void storedImage_runsByIdPrefixAndNameAtDigest_withoutAPull() throws Exception {
    Home j = jbox();
    var pulled = j.run("pull", "-q", busybox);
    assertEquals(0, pulled.status(), pulled.toString());
    String id = pulled.lastLine();
    assertEquals(64, id.length(), id);
    var inspected = j.run("image", "inspect", busybox);
    assertEquals(0, inspected.status(), inspected.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> img = (Map<String, Object>) ((List<Object>) Json.parse(inspected.out())).get(0);
    String digest = (String) img.get("Digest");
    String repo = busybox.substring(0, busybox.lastIndexOf(':'));
    // from here on any pull fails: the registry is blocked
    Files.writeString(j.registriesConf, "unqualified-search-registries = []\n[[registry]]\nlocation = \"" + reg.host()
        + "\"\nblocked = true\n");
    for (String ref : List.of(id, "sha256:" + id, id.substring(0, 12), repo + "@" + digest)) {
      var r = j.launch("run", "--rm", "--network=none", ref, "sh", "-c", "echo ran");
      assertEquals(0, r.status(), ref + ": " + r);
      assertEquals("ran\n", r.out(), ref);
    }
    // and the block is real: what the store lacks is refused
    var other = j.launch("run", "--rm", "--network=none", reg.host() + "/test/layered:1", "true");
    assertEquals(125, other.status(), other.toString());
  }

  @Test
  void dashH_setsTheHostname_helpStillPrintsHelp_entrypointTakesJson() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", "--network=none", "-h", "myhost", busybox, "sh", "-c", "read h < /proc/sys/kernel/hostname; echo $h");
    assertEquals(0, r.status(), r.toString());
    assertEquals("myhost\n", r.out());
    var help = j.launch("run", "--help");
    assertEquals(0, help.status(), help.toString());
    assertTrue(help.out().startsWith("Usage: jbox run"), help.out());
    var e = j.launch("run", "--rm", "--network=none", "--entrypoint", "[\"/bin/busybox\",\"echo\",\"x\"]", busybox, "y");
    assertEquals(0, e.status(), e.toString());
    assertEquals("x y\n", e.out());
    var plain = j.launch("run", "--rm", "--network=none", "--entrypoint", "/bin/busybox", busybox, "echo", "z");
    assertEquals("z\n", plain.out(), plain.toString());
  }

  @Test
  void stop_sendsTheImagesStopSignal() throws Exception {
    Home j = jbox();
    var started = j.launch("run", "-d", "--name", "sig", "--network=none", stopsOnUsr1);
    assertEquals(0, started.status(), started.toString());
    try {
      for (int i = 0; i < 600 && !j.run("logs", "sig").out().contains("ready"); i++) Thread.sleep(100);
      var stop = j.run("stop", "-t", "20", "sig");
      assertEquals(0, stop.status(), stop.toString());
      var w = j.run("wait", "sig");
      assertEquals("7", w.out().strip(), "USR1 ended it through the trap (TERM would be ignored: 137 after 20 s): " + w);
    } finally {
      j.run("rm", "-f", "sig");
    }
  }

  @Test
  void missingRepository_isManifestUnknown_evenWhenALaterSearchRegistryIsDown() throws Exception {
    Home j = jbox();
    var r = j.run("pull", reg.host() + "/test/no-such-repo:1");
    assertEquals(125, r.status(), r.toString());
    assertTrue(r.err().strip().lines().reduce((a, b) -> b).orElse("").startsWith("jbox: manifest unknown: "), r.err());
    // a short name searched in the loopback registry (which says manifest unknown), then in one
    // that refuses connections: the answer of the first is not hidden by the refusal of the last
    Files.writeString(j.registriesConf, "unqualified-search-registries = [\"" + reg.host() + "\", \"127.0.0.1:1\"]\n"
        + "short-name-mode = \"permissive\"\n[[registry]]\nlocation = \"" + reg.host() + "\"\ninsecure = true\n"
        + "[[registry]]\nlocation = \"127.0.0.1:1\"\ninsecure = true\n");
    var s = j.run("pull", "test/no-such-repo:1");
    assertEquals(125, s.status(), s.toString());
    String last = s.err().strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.contains("manifest unknown") && last.indexOf("manifest unknown") < Math.max(0, last.indexOf("127.0.0.1:1")),
        "the registry's own answer comes first: " + s.err());
    var run = j.launch("run", "--rm", "--network=none", "test/no-such-repo:1", "true");
    assertEquals(125, run.status(), run.toString());
    assertTrue(run.err().contains("manifest unknown"), run.err());
  }

  @Test
  void insecureRegistryWarning_oncePerRegistryPerSession() throws Exception {
    Home j = jbox();
    String warning = "registry " + reg.host() + " is insecure";
    var first = j.run("pull", busybox);
    assertEquals(0, first.status(), first.toString());
    assertTrue(first.err().contains(warning), first.err());
    var second = j.run("pull", busybox);
    assertEquals(0, second.status(), second.toString());
    assertFalse(second.err().contains(warning), "shown once this session: " + second.err());
    Path mark = j.home.resolve("run/jbox/warned/insecure-" + reg.host().replace(":", "%3A"));
    assertTrue(Files.isRegularFile(mark), mark.toString());
    // a mark from another boot does not count
    Files.writeString(mark, "00000000-0000-0000-0000-000000000000\n");
    assertTrue(j.run("pull", busybox).err().contains(warning));
    assertFalse(j.run("pull", busybox).err().contains(warning));
    // a new session (a new runtime dir) warns again
    Files.delete(mark);
    assertTrue(j.run("pull", busybox).err().contains(warning));
  }
}
