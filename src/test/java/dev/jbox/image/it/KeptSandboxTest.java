package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image sandboxes kept in the store's containers/ID after a foreground run without --rm: listed
 * by {@code ps -a}, removed by {@code rm} (their subordinate-id files too), kept from {@code rmi};
 * the lock the helper holds while a sandbox lives; and the sweep of what crashed runs left.
 */
class KeptSandboxTest extends ImageRunFixture {
  private static final long OLD = 5 * 60_000;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> psJson(Home j) throws Exception {
    var r = j.run("ps", "-a", "--format", "json");
    assertEquals(0, r.status(), r.toString());
    return (List<Map<String, Object>>) (List<?>) Json.parse(r.out());
  }

  private static long ownUid() {
    return new com.sun.security.auth.module.UnixSystem().getUid();
  }

  @Test
  void foregroundRunWithoutRm_isListedByPsA_textJsonQuiet_andRmRemovesItAndItsSubordinateFiles() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--network=none", busybox, "sh", "-c", "mkdir /d; echo x > /d/f; chown -R 1000:1000 /d; exit 3");
    assertEquals(3, r.status(), r.toString());
    List<Path> dirs = containers(j);
    assertEquals(1, dirs.size(), dirs.toString());
    String id = dirs.get(0).getFileName().toString();
    String shortId = id.substring(0, 12);
    assertTrue(r.err().contains("; jbox rm " + shortId + " removes them"), r.err());
    Path f = dirs.get(0).resolve("upper/d/f");
    long owner = ((Number) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    assertNotEquals(ownUid(), owner, "the sandbox's uid 1000 is a subordinate id on the host");

    var ps = j.run("ps");
    assertEquals(0, ps.status(), ps.toString());
    assertFalse(ps.out().contains(shortId), "not running: only ps -a lists it\n" + ps.out());
    var all = j.run("ps", "-a");
    String line = all.out().lines().filter(l -> l.startsWith(shortId)).findFirst().orElse("");
    assertTrue(line.contains(busybox) && line.contains("Exited (3)"), all.out());
    assertEquals(shortId + "\n", j.run("ps", "-aq").out());
    List<Map<String, Object>> json = psJson(j);
    assertEquals(1, json.size(), json.toString());
    Map<String, Object> e = json.get(0);
    assertEquals(id, e.get("Id"));
    assertEquals(busybox, e.get("Image"));
    assertEquals("exited", e.get("State"));
    assertEquals(3L, ((Number) e.get("ExitCode")).longValue());
    assertEquals(false, e.get("Detached"));
    assertEquals(List.of("sh", "-c", "mkdir /d; echo x > /d/f; chown -R 1000:1000 /d; exit 3"), e.get("Command"));

    var rm = j.run("rm", id.substring(0, 8));
    assertEquals(0, rm.status(), rm.toString());
    assertEquals(List.of(), containers(j), "the sandbox's directory and its subordinate-id files are gone");
    assertEquals(List.of(), psJson(j));
    assertEquals(125, j.run("rm", shortId).status(), "removed once");
  }

  @Test
  void rmi_refusesAnImageAKeptSandboxUses_untilRmRemovesIt() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("run", "--network=none", busybox, "sh", "-c", "exit 0").status());
    String id = containers(j).get(0).getFileName().toString();
    var rmi = j.run("rmi", busybox);
    assertEquals(125, rmi.status(), rmi.toString());
    assertTrue(rmi.err().contains("in use by sandbox") && rmi.err().contains(id.substring(0, 12)), rmi.err());
    assertEquals(1, j.run("images", "-q").out().lines().count(), "the image is still there");
    assertEquals(0, j.run("rm", id).status());
    var again = j.run("rmi", busybox);
    assertEquals(0, again.status(), again.toString());
  }

  @Test
  void runningSandbox_isUpInPs_neverSwept_rmRefusesIt_rmForceKillsAndRemovesIt() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Process p = j.launcher(List.of("run", "--rm", "--network=none", busybox, "sh", "-c", "sleep 120"))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String id = null;
      for (int i = 0; i < 600 && id == null; i++) {
        for (Map<String, Object> e : psJson(j)) if ("running".equals(e.get("State"))) id = (String) e.get("Id");
        if (id == null) Thread.sleep(100);
      }
      assertTrue(id != null, "ps lists the foreground sandbox as running");
      String shortId = id.substring(0, 12);
      var ps = j.run("ps");
      assertTrue(ps.out().lines().anyMatch(l -> l.startsWith(shortId) && l.contains("sh -c sleep 120") && l.contains("Up ")), ps.out());

      // an --rm sandbox older than the sweep's grace: a candidate, kept because its lock is held
      Path dir = j.storage.resolve("containers").resolve(id);
      Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis() - OLD));
      assertEquals(0, j.run("ps", "-a").status());
      assertTrue(Files.isDirectory(dir.resolve("upper")), "a running sandbox is never swept");
      assertTrue(p.isAlive());

      var rm = j.run("rm", shortId);
      assertEquals(125, rm.status(), rm.toString());
      assertTrue(rm.err().contains("is running") && rm.err().contains("rm -f"), rm.err());
      assertTrue(p.isAlive() && Files.isDirectory(dir), "rm without -f leaves it alone");

      var force = j.run("rm", "-f", shortId);
      assertEquals(0, force.status(), force.toString());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "rm -f killed the sandbox");
      assertEquals(137, p.exitValue(), "jbox run exits as its sandbox did: SIGKILL");
      assertEquals(List.of(), containers(j));
      assertEquals(List.of(), psJson(j));
    } finally {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /** A containers/ID as the helper and jbox leave it, files of subordinate ids in upper/, made in the user namespace. */
  private static Path fake(Home j, String id, Map<String, Object> record, boolean rmMark, long ageMs) throws Exception {
    Path dir = j.storage.resolve("containers").resolve(id);
    Files.createDirectories(dir.resolve("work"));
    Files.createDirectories(dir.resolve("merged"));
    var u = j.launch("unshare", "sh", "-c", "mkdir -p '" + dir + "/upper/d' && echo x > '" + dir + "/upper/d/f' && chown -R 1000:1000 '" + dir + "/upper/d' && chmod 500 '" + dir + "/upper/d'");
    assertEquals(0, u.status(), u.toString());
    if (record != null) Files.writeString(dir.resolve("config.json"), Json.pretty(record));
    if (rmMark) Files.write(dir.resolve("rm"), new byte[0]);
    Files.write(dir.resolve("state"), new byte[0]); // the lock file, which nothing holds
    Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis() - ageMs));
    return dir;
  }

  private static Map<String, Object> record(String id, boolean rm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", null);
    m.put("image", "example.org/leftover:1");
    m.put("imageId", "sha256:" + "0".repeat(64));
    m.put("command", List.of("true"));
    m.put("created", System.currentTimeMillis() - OLD);
    m.put("rm", rm);
    m.put("detached", false);
    return m;
  }

  @Test
  void rmRunWhoseCleanerNeverRan_andAHalfCreatedDir_areSweptByTheNextPs_keptAndYoungOnesStay() throws Exception {
    Home j = jbox();
    String crashed = "a".repeat(64);
    String halfMade = "b".repeat(64);
    String kept = "c".repeat(64);
    String young = "d".repeat(64);
    Path crashedDir = fake(j, crashed, record(crashed, true), true, OLD);
    Path halfMadeDir = fake(j, halfMade, null, false, OLD);
    Path keptDir = fake(j, kept, record(kept, false), false, OLD);
    Path youngDir = fake(j, young, record(young, true), true, 0);
    long sub = ((Number) Files.getAttribute(crashedDir.resolve("upper/d"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    assertNotEquals(ownUid(), sub, "the leftover holds files of a subordinate id");

    var ps = j.run("ps", "-a");
    assertEquals(0, ps.status(), ps.toString());
    assertFalse(Files.exists(crashedDir, LinkOption.NOFOLLOW_LINKS), "a --rm run whose cleaner never ran is swept");
    assertFalse(Files.exists(halfMadeDir, LinkOption.NOFOLLOW_LINKS), "a directory without a record, older than a minute, is swept");
    assertTrue(Files.isDirectory(keptDir.resolve("upper/d")), "a kept sandbox is never swept");
    assertTrue(Files.isDirectory(youngDir.resolve("upper/d")), "nothing younger than a minute is swept (it may be starting)");
    assertEquals(List.of(keptDir, youngDir), containers(j), "nothing half-removed left behind");
    assertFalse(ps.out().contains(crashed.substring(0, 12)), ps.out());
    assertTrue(ps.out().lines().anyMatch(l -> l.startsWith(kept.substring(0, 12)) && l.contains("Created")), ps.out());
  }

  @Test
  void detachedImageSandbox_isListedOnce_andRmRemovesItsDirectoryToo() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "-d", "--name", "kept-d", "--network=none", busybox, "sh", "-c", "exit 0");
    assertEquals(0, r.status(), r.toString());
    assertEquals("0\n", j.launch("wait", "kept-d").out());
    List<Map<String, Object>> json = psJson(j);
    assertEquals(1, json.size(), json.toString());
    assertEquals(List.of("kept-d"), json.get(0).get("Names"));
    assertEquals(true, json.get(0).get("Detached"));
    assertEquals(busybox, json.get(0).get("Image"));
    assertEquals(1, containers(j).size());
    assertEquals(0, j.run("rm", "kept-d").status());
    assertEquals(List.of(), containers(j), "its upper dir went with it");
    assertEquals(List.of(), psJson(j));
  }
}
