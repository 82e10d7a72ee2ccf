package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image sandboxes kept after a foreground run, as podman users address them: {@code run --name}
 * without -d, {@code inspect} by name, id or prefix, {@code start} again on their own writable
 * layer (detached, with a log from then on), and {@code logs} refusing the terminal-only output.
 */
class KeptStartInspectTest extends ImageRunFixture {
  /** First run: writes /f and exits 3; later runs print /f and exit 5. */
  private static final String SCRIPT = "if [ -f /f ]; then cat /f; exit 5; fi; echo one > /f; exit 3";

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> inspect(Home j, String ref) throws Exception {
    var r = j.run("inspect", ref);
    assertEquals(0, r.status(), r.toString());
    List<Object> all = (List<Object>) Json.parse(r.out());
    assertEquals(1, all.size(), r.out());
    return (Map<String, Object>) all.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sub(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.get(key);
  }

  private static void oneLineError(Home.Run r, String contains) {
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  @Test
  void foregroundRunWithName_exit3_inspectByNameIdAndPrefix_showsExitedWithCodeImageAndUpperDir() throws Exception {
    Home j = jbox();
    var run = j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", SCRIPT);
    assertEquals(3, run.status(), run.toString());
    assertTrue(run.err().contains("; jbox rm " + containers(j).get(0).getFileName().toString().substring(0, 12) + " removes them"), run.err());
    List<Path> dirs = containers(j);
    assertEquals(1, dirs.size(), dirs.toString());
    String id = dirs.get(0).getFileName().toString();

    Map<String, Object> m = inspect(j, "k");
    assertEquals(id, m.get("Id"));
    assertEquals("k", m.get("Name"));
    assertEquals(false, sub(m, "Jbox").get("Detached"));
    assertEquals(busybox, m.get("ImageName"));
    assertEquals(busybox, sub(m, "Config").get("Image"));
    assertTrue(String.valueOf(m.get("Image")).matches("[0-9a-f]{64}"), m.toString());
    assertEquals("sh", m.get("Path"));
    assertEquals(List.of("-c", SCRIPT), m.get("Args"));
    assertEquals(List.of("sh", "-c", SCRIPT), sub(m, "Config").get("Cmd"));
    assertEquals(false, sub(m, "HostConfig").get("AutoRemove"));
    assertEquals("exited", sub(m, "State").get("Status"));
    assertEquals(false, sub(m, "State").get("Running"));
    assertEquals(3L, ((Number) sub(m, "State").get("ExitCode")).longValue());
    assertEquals(0L, ((Number) sub(m, "State").get("Pid")).longValue());
    assertTrue(String.valueOf(sub(m, "State").get("StartedAt")).matches("20\\d\\d-\\d\\d-\\d\\dT.*Z"), m.toString());
    assertTrue(String.valueOf(m.get("Created")).matches("20\\d\\d-\\d\\d-\\d\\dT.*Z"), m.toString());
    assertEquals("none", sub(m, "HostConfig").get("NetworkMode"));
    assertFalse(sub(sub(m, "Jbox"), "Record").containsKey("plan"), "the encoded plan is not shown");
    Path upper = Path.of((String) sub(m, "Jbox").get("UpperDir"));
    assertEquals(dirs.get(0).resolve("upper"), upper);
    assertEquals("one\n", Files.readString(upper.resolve("f")));

    assertEquals(id, inspect(j, id).get("Id"));
    assertEquals(id, inspect(j, id.substring(0, 7)).get("Id"));
  }

  @Test
  void startOfAKeptSandbox_runsAgainDetachedOnItsOwnUpperDir_logsRefusedBefore_keptAfter_rmRemovesAll() throws Exception {
    Home j = jbox();
    assertEquals(3, j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", SCRIPT).status());
    String id = containers(j).get(0).getFileName().toString();
    Path etcFiles = Path.of((String) sub(sub(inspect(j, "k"), "Jbox"), "Record").get("etcFiles"));
    assertTrue(Files.isRegularFile(etcFiles.resolve("hostname")), "the generated /etc files stay for start");

    oneLineError(j.run("logs", "k"), "was run in the foreground");

    var start = j.launch("start", "k");
    assertEquals(0, start.status(), start.toString());
    assertEquals(id + "\n", start.out());
    var w = j.run("wait", "k");
    assertEquals("5\n", w.out(), w.toString());
    var logs = j.run("logs", "k");
    assertEquals(0, logs.status(), logs.toString());
    assertEquals("one\n", logs.out(), "it saw the file its first run wrote");

    Map<String, Object> m = inspect(j, id.substring(0, 10));
    assertEquals("k", m.get("Name"));
    assertEquals(true, sub(m, "Jbox").get("Detached"));
    assertEquals(busybox, m.get("ImageName"));
    assertEquals(5L, ((Number) sub(m, "State").get("ExitCode")).longValue());
    assertEquals(containers(j).get(0).resolve("upper").toString(), sub(m, "Jbox").get("UpperDir"));
    var ps = j.run("ps", "-a");
    assertEquals(1, ps.out().lines().filter(l -> l.startsWith(id.substring(0, 12))).count(), "listed once\n" + ps.out());
    assertTrue(ps.out().contains("Exited (5)"), ps.out());

    var again = j.launch("start", "-a", "k");
    assertEquals(5, again.status(), again.toString());
    assertEquals("one\n", again.out());

    assertEquals(0, j.run("rm", "k").status());
    assertEquals(List.of(), containers(j));
    assertFalse(Files.exists(etcFiles, LinkOption.NOFOLLOW_LINKS), "rm removes its generated /etc files");
    oneLineError(j.run("inspect", "k"), "no such sandbox");
  }

  @Test
  void rmOfANeverStartedKeptSandbox_removesItsGeneratedFilesToo() throws Exception {
    Home j = jbox();
    assertEquals(3, j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", SCRIPT).status());
    Path etcFiles = Path.of((String) sub(sub(inspect(j, "k"), "Jbox"), "Record").get("etcFiles"));
    assertTrue(Files.isDirectory(etcFiles));
    assertEquals(0, j.run("rm", "k").status());
    assertEquals(List.of(), containers(j));
    assertFalse(Files.exists(etcFiles, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void names_areUniqueAcrossKeptAndDetachedSandboxes_nothingLeftBehind() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", "exit 0").status());
    Path etcFiles = Path.of((String) sub(sub(inspect(j, "k"), "Jbox"), "Record").get("etcFiles"));
    oneLineError(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", "exit 0"), "the name `k` is in use");
    oneLineError(j.launch("run", "-d", "--name", "k", "--network=none", busybox, "sh", "-c", "exit 0"), "the name `k` is in use");
    assertEquals(1, containers(j).size(), "the refused runs left no directory");
    assertEquals(containers(j).get(0).resolve("etc"), etcFiles, "a kept sandbox's generated files live with it");
    assertFalse(Files.exists(j.home.resolve("run/jbox/files")) && Files.list(j.home.resolve("run/jbox/files")).findAny().isPresent(),
        "nor generated files");
    oneLineError(j.launch("run", "--name", "r", "--rootfs", "/", "true"), "--name needs -d or an IMAGE");
  }

  private static Map<String, Object> olderRecord(String id, String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", name);
    m.put("image", "example.org/older:1");
    m.put("imageId", "sha256:" + "0".repeat(64));
    m.put("command", List.of("true"));
    m.put("created", System.currentTimeMillis());
    m.put("rm", false);
    m.put("detached", false);
    return m;
  }

  @Test
  void badInput_ambiguousPrefixUnknownNameAndARecordWithoutPlan_oneLineExit125() throws Exception {
    Home j = jbox();
    String a = "e".repeat(63) + "1";
    String b = "e".repeat(63) + "2";
    for (String id : List.of(a, b)) {
      Path dir = j.storage.resolve("containers").resolve(id);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("config.json"), Json.pretty(olderRecord(id, id.equals(a) ? "old" : null)));
      Files.write(dir.resolve("state"), "{\"status\":\"exited\",\"exitCode\":0}".getBytes());
    }
    for (String cmd : List.of("inspect", "start", "logs")) {
      oneLineError(j.launch(cmd, "eeee"), "is ambiguous");
      oneLineError(j.launch(cmd, "nosuch"), "no such sandbox: `nosuch`");
    }
    assertEquals(a, inspect(j, "old").get("Id"));
    oneLineError(j.launch("start", "old"), "created by an older jbox");
    oneLineError(j.run("logs", "old"), "was run in the foreground");
    assertFalse(Files.exists(j.home.resolve("run/jbox").resolve(a)), "a refused start leaves no state behind");
    assertEquals(2, containers(j).size());
  }
}
