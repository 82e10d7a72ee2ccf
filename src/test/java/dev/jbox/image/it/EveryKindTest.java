package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every lifecycle command works on every kind of sandbox that ps shows: a foreground image
 * sandbox (run in another jbox process) is exec'd into, inspected, listed by top and ns, stopped
 * by name from a second process; `run --rm -d` leaves no record; `rm -f` of an unknown name is no
 * error; rmi untags a second name of an image in use; a run whose setup fails leaves nothing.
 */
class EveryKindTest extends ImageRunFixture {
  /** Ends on SIGTERM at once (pid 1 of a pid namespace ignores signals it has no handler for). */
  private static final String SERVE = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

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

  @SuppressWarnings("unchecked")
  private static Map<String, Object> inspect(Home j, String ref) throws Exception {
    var r = j.run("inspect", ref);
    assertEquals(0, r.status(), r.toString());
    return (Map<String, Object>) ((List<Object>) Json.parse(r.out())).get(0);
  }

  private static Process foreground(Home j, String... args) throws Exception {
    return j.launcher(List.of(args)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
  }

  /** Waits until ps shows the sandbox named name running; returns its ps entry. */
  private static Map<String, Object> awaitUp(Home j, String name, Process p) throws Exception {
    for (int i = 0; i < 300; i++) {
      for (Map<String, Object> e : psJson(j)) if (List.of(name).equals(e.get("Names")) && "running".equals(e.get("State"))) return e;
      if (!p.isAlive()) {
        throw new AssertionError("the foreground run ended early: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("ps never showed " + name + " running");
  }

  /**
   * Waits until {@code jbox wait} holds the foreground sandbox's lock file open: it has found the
   * sandbox running and reads the exit through that descriptor. A fixed sleep here was not enough
   * on a loaded machine, where the waiter's JVM then started after the --rm sandbox was gone.
   */
  private static void awaitWaiting(Home j, Process waiter, String id) throws Exception {
    String lock = j.storage.resolve("containers").resolve(id).resolve("state").toString();
    for (int i = 0; i < 600; i++) {
      try (var fds = Files.list(Path.of("/proc/" + waiter.pid() + "/fd"))) {
        for (Path fd : fds.toList()) {
          try {
            if (Files.readSymbolicLink(fd).toString().equals(lock)) return;
          } catch (java.io.IOException e) {
            // closed meanwhile
          }
        }
      } catch (java.io.IOException e) {
        // ended: reported below
      }
      if (!waiter.isAlive()) {
        throw new AssertionError("jbox wait ended early: " + new String(waiter.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("jbox wait never opened " + lock);
  }

  private static void oneLineError(Home.Run r, String contains) {
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  @Test
  void foregroundRmNamedRun_execTopNsInspectWork_stopByNameFromASecondProcessEndsItInTime_thenItIsGone() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Process p = foreground(j, "run", "--rm", "--name", "web", "--network=none", busybox, "sh", "-c", SERVE);
    try {
      Map<String, Object> e = awaitUp(j, "web", p);
      // waiting from the start: a `wait` whose JVM starts only beside the `stop` below may find
      // the --rm sandbox already gone (no such sandbox, 125) on a loaded machine
      Process waiter = j.start("wait", "web");
      long pid = ((Number) e.get("Pid")).longValue();
      var ps = j.run("ps");
      assertTrue(ps.out().lines().anyMatch(l -> l.endsWith("  web") && l.contains("Up ")), ps.out());

      var exec = j.launch("exec", "web", "sh", "-c", "echo in-$(hostname); cat /proc/1/cmdline | tr '\\0' ' '");
      assertEquals(0, exec.status(), exec.toString());
      assertTrue(exec.out().startsWith("in-"), exec.out());
      assertTrue(exec.out().contains("sh -c " + SERVE), exec.out());

      Map<String, Object> m = inspect(j, "web");
      assertEquals(pid, ((Number) ((Map<?, ?>) m.get("State")).get("Pid")).longValue());
      assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString(),
          "pid:[" + ((Map<?, ?>) ((Map<?, ?>) m.get("Jbox")).get("Namespaces")).get("pid") + "]");
      // the host pid of the sandbox's pid 1: NSpid's first field is its pid on the host, the last 1
      var fmt = j.run("inspect", "--format", "{{.State.Pid}}", "web");
      assertEquals(pid + "\n", fmt.out(), fmt.toString());
      String nspid = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("NSpid:"))
          .findFirst().orElseThrow();
      assertTrue(nspid.matches("NSpid:\\s+" + pid + "(\\s+\\d+)*\\s+1"), nspid);
      var top = j.run("top", "web");
      assertEquals(0, top.status(), top.toString());
      assertTrue(top.out().lines().anyMatch(l -> l.matches("1 +" + pid + " .*")), top.out());
      var ns = j.run("ns", "web");
      assertEquals(0, ns.status(), ns.toString());
      assertTrue(ns.out().lines().anyMatch(l -> l.startsWith("pid ") && l.endsWith("no")), ns.out());

      oneLineError(j.launch("attach", "web"), "runs in the foreground");
      oneLineError(j.run("logs", "web"), "was run in the foreground");

      var stop = j.run("stop", "-t", "20", "web");
      assertEquals(0, stop.status(), stop.toString());
      assertEquals("web\n", stop.out());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the foreground jbox ended");
      // 0, its TERM trap's status: the TERM reached it (a SIGKILL after the timeout would be 137)
      assertEquals(0, p.exitValue());
      assertTrue(waiter.waitFor(60, TimeUnit.SECONDS), "jbox wait returned when it ended");
      assertEquals(0, waiter.exitValue());

      assertEquals(List.of(), psJson(j), "a --rm sandbox is gone once stopped");
      assertEquals(List.of(), containers(j));
      oneLineError(j.run("inspect", "web"), "no such sandbox");
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * jbox wait on a foreground --rm sandbox printed -1 when the sandbox ended on its own: the
   * cleaner removed its lock file, which held the exit code, before the waiter read it.
   */
  @Test
  void waitOnAForegroundRmRun_printsTheExitCodeOfARunThatEndsOnItsOwn() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    for (int round = 0; round < 2; round++) {
      String name = "w" + round;
      // the go signal comes from the host through a bind mount: a `jbox exec` that made the file
      // was SIGKILLed (137) now and then under load, when pid 1 saw the file and exited before it
      Path signal = Files.createDirectories(j.home.resolve("go-" + round));
      Process p = foreground(j, "run", "--rm", "--name", name, "--network=none", "-v", signal + ":/w", busybox, "sh", "-c",
          "while [ ! -e /w/go ]; do sleep 0.05; done; exit 7");
      try {
        String id = (String) awaitUp(j, name, p).get("Id");
        Process waiter = j.start("wait", name);
        awaitWaiting(j, waiter, id); // the waiter's JVM finds the sandbox running first
        assertTrue(waiter.isAlive(), "still waiting");
        Files.createFile(signal.resolve("go"));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the foreground jbox ended");
        assertEquals(7, p.exitValue());
        assertTrue(waiter.waitFor(60, TimeUnit.SECONDS), "jbox wait returned when it ended");
        assertEquals("7", new String(waiter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(), "round " + round);
        assertEquals(List.of(), containers(j), "the --rm sandbox is gone");
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void foregroundKeptRun_killByName_thenListedExitedWithItsSignal() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Process p = foreground(j, "run", "--name", "k", "--network=none", busybox, "sh", "-c", SERVE);
    try {
      String id = (String) awaitUp(j, "k", p).get("Id");
      Process waiter = j.start("wait", "k");
      awaitWaiting(j, waiter, id); // the waiter's JVM finds the sandbox running first
      var kill = j.run("kill", "-s", "KILL", "k");
      assertEquals(0, kill.status(), kill.toString());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(137, p.exitValue());
      Map<String, Object> e = psJson(j).get(0);
      assertEquals("exited", e.get("State"));
      assertEquals(137L, ((Number) e.get("ExitCode")).longValue());
      assertTrue(waiter.waitFor(60, TimeUnit.SECONDS));
      assertEquals("137", new String(waiter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      oneLineError(j.run("kill", "k"), "is not running");
      oneLineError(j.launch("exec", "k", "true"), "is not running");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void detachedRmRun_leavesNoRecordOnceItEnds() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", "-d", "--network=none", busybox, "sh", "-c", "exit 4");
    assertEquals(0, r.status(), r.toString());
    String id = r.out().strip();
    Path runtime = j.home.resolve("run/jbox").resolve(id);
    for (int i = 0; i < 600 && Files.exists(j.storage.resolve("containers").resolve(id)); i++) Thread.sleep(100);
    assertEquals(List.of(), psJson(j), "ps -a does not list an ended --rm sandbox");
    assertFalse(Files.exists(runtime), "nor is its state kept");
    oneLineError(j.run("inspect", id), "no such sandbox");
  }

  @Test
  void rmForceOfAnUnknownName_exits0_withoutForce125() throws Exception {
    Home j = jbox();
    var f = j.run("rm", "-f", "nosuch");
    assertEquals(0, f.status(), f.toString());
    assertEquals("", f.out() + f.err());
    oneLineError(j.run("rm", "nosuch"), "no such sandbox: `nosuch`");
  }

  @Test
  void rmiUntagsASecondNameOfAnImageInUse_butKeepsTheImage() throws Exception {
    Home j = jbox();
    assertEquals(3, j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", "exit 3").status());
    assertEquals(0, j.run("tag", busybox, "extra:1").status());
    var untag = j.run("rmi", "extra:1");
    assertEquals(0, untag.status(), untag.toString());
    assertEquals("Untagged: localhost/extra:1\n", untag.out());
    var refused = j.run("rmi", busybox);
    assertEquals(125, refused.status(), refused.toString());
    assertTrue(refused.err().contains("in use by sandbox [k]"), refused.err());
    assertEquals(3, j.launch("start", "-a", "k").status(), "the image still runs it");
  }

  @Test
  void runsWhoseSetupFails_leaveNoCreatedEntry_noDirectory_noGeneratedFiles() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    for (List<String> how : List.of(List.of("--name", "bad"), List.of("-d", "--name", "bad"), List.of("--rm"))) {
      List<String> args = new java.util.ArrayList<>(List.of("run"));
      args.addAll(how);
      args.addAll(List.of("--network=none", "--uts=ns:/nonexistent/uts", busybox, "true"));
      var r = j.launch(args.toArray(new String[0]));
      assertEquals(125, r.status(), how + ": " + r);
      assertTrue(r.err().contains("/nonexistent/uts"), r.err());
      assertEquals(List.of(), psJson(j), how + ": no entry");
      assertEquals(List.of(), containers(j), how + ": no sandbox directory");
      Path files = j.home.resolve("run/jbox/files");
      if (Files.exists(files)) {
        try (var s = Files.list(files)) {
          assertEquals(List.of(), s.toList(), how + ": no generated /etc files");
        }
      }
      try (var s = Files.list(j.home.resolve("run/jbox"))) {
        assertEquals(List.of(), s.filter(d -> d.getFileName().toString().length() == 64).toList(), how + ": no state directory");
      }
    }
  }

  @Test
  void createRecordsWithoutRunning_startRunsIt_renameRenamesAnyKind() throws Exception {
    Home j = jbox();
    var c = j.run("create", "--name", "cr", "--network=none", busybox, "sh", "-c", "echo hi-$(hostname); exit 6");
    assertEquals(0, c.status(), c.toString());
    String id = c.out().strip();
    assertTrue(id.matches("[0-9a-f]{64}"), c.out());
    Map<String, Object> e = psJson(j).get(0);
    assertEquals("created", e.get("State"));
    assertEquals(List.of("cr"), e.get("Names"));
    assertEquals("", j.run("ps", "-q").out(), "not running");
    var start = j.launch("start", "-a", "cr");
    assertEquals(6, start.status(), start.toString());
    assertEquals("hi-" + id.substring(0, 12) + "\n", start.out());
    assertEquals("exited", psJson(j).get(0).get("State"));

    assertEquals(0, j.run("rename", "cr", "cr2").status());
    assertEquals(id + "\n", j.run("inspect", "--format", "{{.Id}}", "cr2").out());
    oneLineError(j.run("inspect", "cr"), "no such sandbox");
    assertEquals(3, j.launch("run", "--name", "other", "--network=none", busybox, "sh", "-c", "exit 3").status());
    oneLineError(j.run("rename", "cr2", "other"), "the name `other` is in use");
    oneLineError(j.run("rename", "cr2", "bad name"), "--name `bad name`");
    oneLineError(j.run("create", "-d", "--network=none", busybox, "true"), "-d is for jbox run");
    oneLineError(j.run("create", "--network=none", "--rootfs", "/nonexistent", "true"), "/nonexistent");
    assertEquals(2, psJson(j).size(), "the refused creates recorded nothing");
  }

  /**
   * An image sandbox's restart policy: each restart is a fresh run (new pid 1, its network helper
   * started again with the published port) on the same writable layer, and the monitor keeps the
   * sandbox's lock across the runs.
   */
  @Test
  void imageSandboxWithRestartOnFailure_runsAgainOnItsOwnLayer_withItsPortPublishedAgain() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    int port = freePort();
    var r = j.launch("run", "-d", "--name", "again", "--restart", "on-failure:2", "--network=pasta", "-p", port + ":80", busybox,
        "sh", "-c", "echo x >> /runs; wc -l < /runs; echo $$ >&2; sleep 1; exit 9");
    assertEquals(0, r.status(), r.toString());
    var w = j.run("wait", "again");
    assertEquals("9\n", w.out(), w.toString());
    var logs = j.run("logs", "again");
    assertEquals("1\n2\n3\n", logs.out(), "every run saw the file the runs before it wrote: " + logs);
    assertEquals("1\n1\n1\n", logs.err(), "each run is pid 1 of a new pid namespace");
    Map<String, Object> m = inspect(j, "again");
    assertEquals(2L, ((Number) m.get("RestartCount")).longValue(), m.toString());
    assertEquals("exited", ((Map<?, ?>) m.get("State")).get("Status"));
    // the last run's port forwarder is gone with it: the port is free again (polled: pasta may
    // hold it for a moment after the monitor recorded the exit, see SandboxService.restart)
    boolean free = false;
    for (int i = 0; i < 600 && !free; i++) {
      try (java.net.ServerSocket ss = new java.net.ServerSocket()) {
        ss.setReuseAddress(true);
        ss.bind(new java.net.InetSocketAddress("0.0.0.0", port));
        free = true;
      } catch (java.io.IOException e) {
        Thread.sleep(100);
      }
    }
    assertTrue(free, "port " + port + " is free again");
    assertEquals(0, j.run("rm", "again").status());
    assertEquals(List.of(), containers(j));
  }

  @Test
  void replaceRestartPortAndWaitForRunning() throws Exception {
    Home j = jbox();
    assertEquals(3, j.launch("run", "--name", "x", "--network=none", busybox, "sh", "-c", "exit 3").status());
    oneLineError(j.launch("run", "--name", "x", "--network=none", busybox, "true"), "is in use");
    var again = j.launch("run", "--replace", "--name", "x", "--network=none", busybox, "sh", "-c", "exit 4");
    assertEquals(4, again.status(), again.toString());
    List<Map<String, Object>> ps = psJson(j);
    assertEquals(1, ps.size(), ps.toString());
    assertEquals(4L, ((Number) ps.get(0).get("ExitCode")).longValue());
    oneLineError(j.launch("run", "--replace", "--network=none", busybox, "true"), "--replace needs --name");

    int port = freePort();
    var c = j.run("create", "--name", "r", "--network=pasta", "-p", port + ":80", busybox, "sh", "-c", "echo run; sleep 100");
    assertEquals(0, c.status(), c.toString());
    assertEquals("80/tcp -> 0.0.0.0:" + port + "\n", j.run("port", "r").out());
    assertEquals("0.0.0.0:" + port + "\n", j.run("port", "r", "80").out());
    oneLineError(j.run("port", "r", "81"), "does not publish 81");
    Process waiter = j.start("wait", "--condition", "running", "r");
    Thread.sleep(2000);
    assertTrue(waiter.isAlive(), "not running yet");
    assertEquals(0, j.launch("start", "r").status());
    assertTrue(waiter.waitFor(60, TimeUnit.SECONDS), "wait --condition running returned once it ran");
    assertEquals(0, waiter.exitValue());
    String pid1 = j.run("inspect", "--format", "{{.State.Pid}}", "r").out().strip();
    var restart = j.launch("restart", "-t", "1", "r");
    assertEquals(0, restart.status(), restart.toString());
    assertEquals("running", psJson(j).stream().filter(e -> List.of("r").equals(e.get("Names"))).findFirst().orElseThrow().get("State"));
    String pid2 = j.run("inspect", "--format", "{{.State.Pid}}", "r").out().strip();
    assertFalse(pid1.equals(pid2), "a new pid 1: " + pid1);
    for (int i = 0; i < 600 && !j.run("logs", "r").out().equals("run\nrun\n"); i++) Thread.sleep(100);
    assertEquals("run\nrun\n", j.run("logs", "r").out(), "it ran twice");
    assertEquals(0, j.run("rm", "-f", "r").status());
  }

  @Test
  void keptForegroundRun_saysWhereItsChangesStayWhenItEnds_butNotOnceRmForceRemovedIt() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Process kept = foreground(j, "run", "--name", "k1", "--network=none", busybox, "sh", "-c", SERVE);
    Process gone = foreground(j, "run", "--name", "k2", "--network=none", busybox, "sh", "-c", SERVE);
    try {
      awaitUp(j, "k1", kept);
      awaitUp(j, "k2", gone);
      assertEquals(0, j.run("stop", "k1").status());
      var rm = j.run("rm", "-f", "k2");
      assertEquals(0, rm.status(), rm.toString());
      assertEquals("k2\n", rm.out());
      assertTrue(kept.waitFor(60, TimeUnit.SECONDS) && gone.waitFor(60, TimeUnit.SECONDS));
      String keptErr = new String(kept.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      String goneErr = new String(gone.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(keptErr.contains("the sandbox's changes stay in ") && keptErr.contains(" removes them"), keptErr);
      assertFalse(goneErr.contains("changes stay"), "removed by rm -f: nothing stays\n" + goneErr);
      assertEquals(1, psJson(j).size());
    } finally {
      kept.destroyForcibly();
      gone.destroyForcibly();
    }
  }

  /** A TCP port nothing listens on now (other suites run beside this one). */
  static int freePort() throws Exception {
    try (var s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
