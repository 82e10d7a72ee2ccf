package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detached sandboxes: state, ps, logs, stop, kill, rm, wait, stale state, parallel starts, bad input. */
class LifecycleTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static Detached box() {
    return new Detached(tmp, rootfs);
  }

  @Test
  void detachedRun_survivesTheJboxThatStartedIt_andPsShowsIt() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("--name", "web"), "echo ready; exec sleep 1000");
      // the jbox process has exited (Jbox.run waited for it); the sandbox runs on under its monitor
      long pid = d.stateField(id, "pid");
      long monitor = d.stateField(id, "monitorPid");
      assertTrue(Files.exists(Path.of("/proc/" + pid)), "sandbox pid 1 runs");
      assertEquals("jbox:monitor", Files.readString(Path.of("/proc/" + monitor + "/comm")).strip());
      Jbox.Result ps = d.jbox("ps");
      assertEquals(0, ps.code(), ps.toString());
      String[] lines = ps.out().split("\n");
      assertTrue(lines[0].matches("CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES"), ps.out());
      assertTrue(lines[1].startsWith(id.substring(0, 12) + "  " + rootfs) && lines[1].endsWith("  web"), ps.out());
      assertTrue(lines[1].contains("Up "), ps.out());
      assertEquals(id.substring(0, 12) + "\n", d.jbox("ps", "-q").out());
      Map<String, Object> j = Json.parseObject(Json.write(((List<?>) Json.parse(d.jbox("ps", "--format", "json").out())).get(0)));
      assertEquals(id, j.get("Id"));
      assertEquals("running", j.get("State"));
      assertEquals(pid, ((Number) j.get("Pid")).longValue());
      assertEquals(List.of("web"), j.get("Names"));
      // the monitor is the small C helper, not a JVM
      long rssKb = Long.parseLong(Files.readAllLines(Path.of("/proc/" + monitor + "/status")).stream()
          .filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow().replaceAll("\\D", ""));
      assertTrue(rssKb <= 2048, "monitor RSS " + rssKb + " kB");
    }
  }

  @Test
  void stateDir_isPrivate_andInspectShowsStatePidsNamespacesMounts() throws Exception {
    try (Detached d = box()) {
      String id = d.start("exec sleep 1000");
      assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(d.xdg.resolve("jbox"))));
      Jbox.Result r = d.jbox("inspect", id.substring(0, 8));
      assertEquals(0, r.code(), r.toString());
      Map<String, Object> m = Json.parseObject(Json.write(((List<?>) Json.parse(r.out())).get(0)));
      long pid = d.stateField(id, "pid");
      assertEquals(id, m.get("Id"));
      assertEquals(Boolean.TRUE, ((Map<?, ?>) m.get("State")).get("Running"));
      assertEquals(pid, ((Number) ((Map<?, ?>) m.get("State")).get("Pid")).longValue());
      Map<?, ?> jbox = (Map<?, ?>) m.get("Jbox");
      Map<?, ?> ns = (Map<?, ?>) jbox.get("Namespaces");
      String net = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString();
      assertEquals(net, "net:[" + ns.get("net") + "]");
      assertTrue(((List<?>) jbox.get("MountInfo")).stream().anyMatch(x -> "/proc".equals(((Map<?, ?>) x).get("mountPoint"))), r.out());
      assertEquals("none", ((Map<?, ?>) m.get("HostConfig")).get("NetworkMode"));
      assertEquals(Long.toString(pid) + "\n", d.jbox("inspect", "--format", "{{.State.Pid}}", id).out());
    }
  }

  @Test
  void logs_captureBothStreams_tailAndFollow() throws Exception {
    try (Detached d = box()) {
      // the last line waits for a file the test makes (through a bind mount), not for a time: a
      // `sleep` here was outrun by the test's own jbox calls on a loaded machine
      Path go = Files.createDirectories(d.xdg.resolve("go"));
      String id = d.start(List.of("-v", go + ":/w"), "echo one; echo two >&2; echo three; while [ ! -e /w/go ]; do sleep 0.05; done; echo four");
      assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().contains("three")));
      Jbox.Result r = d.jbox("logs", id);
      assertEquals("one\nthree\n", r.out(), r.toString());
      assertEquals("two\n", r.err(), r.toString());
      // the two streams are two pipes: "one" comes first, "two" and "three" in either order
      Jbox.Result t = d.jbox("logs", "--tail", "2", id);
      assertEquals("three\n", t.out(), t.toString());
      assertEquals("two\n", t.err(), t.toString());
      // -f prints what is there, then follows until the sandbox exits
      ProcessBuilder pb = Jbox.builder(List.of("logs", "-f", id)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(d.env());
      Process f = pb.start();
      try {
        var ferr = java.util.concurrent.CompletableFuture.supplyAsync(() -> new String(Jbox.readAll(f.getErrorStream()), StandardCharsets.UTF_8));
        java.io.InputStream fin = f.getInputStream();
        StringBuilder fout = new StringBuilder();
        for (int c; !fout.toString().endsWith("three\n") && (c = fin.read()) >= 0; ) fout.append((char) c);
        assertEquals("one\nthree\n", fout.toString(), "logs -f printed what was there");
        Files.createFile(go.resolve("go"));
        fout.append(new String(fin.readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(f.waitFor(60, TimeUnit.SECONDS), "logs -f returned when the sandbox exited");
        assertEquals(0, f.exitValue());
        assertEquals("one\nthree\nfour\n", fout.toString());
        assertEquals("two\n", ferr.get());
      } finally {
        f.destroyForcibly();
      }
      assertEquals("0\n", d.jbox("wait", id).out());
    }
  }

  @Test
  void stop_honoursTheTimeout_thenSigkill_andRecords137() throws Exception {
    try (Detached d = box()) {
      String id = d.start("trap 'echo got-term' TERM; echo ready; while :; do sleep 0.1; done");
      assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().contains("ready")), "the trap is set");
      long t0 = System.nanoTime();
      Jbox.Result r = d.jbox("stop", "-t", "2", id);
      double secs = (System.nanoTime() - t0) / 1e9;
      assertEquals(0, r.code(), r.toString());
      // at least the timeout (no upper bound: a loaded machine may take any time to start jbox)
      assertTrue(secs >= 2, "stop took " + secs + " s");
      assertTrue(d.jbox("logs", id).out().contains("got-term"), "TERM reached the sandbox first");
      assertTrue(d.jbox("ps", "-a").out().contains("Exited (137)"), d.jbox("ps", "-a").out());
      assertEquals("137\n", d.jbox("wait", id).out());
    }
  }

  @Test
  void stop_ofACommandThatExitsOnTerm_records143_andKillSendsSignals() throws Exception {
    try (Detached d = box()) {
      String id = d.start("trap 'exit 143' TERM; trap 'echo usr1' USR1; echo ready; while :; do sleep 0.1; done");
      assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().contains("ready")), "the traps are set");
      Jbox.Result k = d.jbox("kill", "-s", "USR1", id);
      assertEquals(0, k.code(), k.toString());
      assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().contains("usr1")));
      // TERM ended it (143, its trap's status): SIGKILL after stop's 10 s would have recorded 137
      assertEquals(0, d.jbox("stop", id).code());
      assertEquals("143\n", d.jbox("wait", id).out());
    }
  }

  @Test
  void sigkillOfTheMonitor_takesTheSandboxDown_psReportsIt_rmCleans() throws Exception {
    try (Detached d = box()) {
      String id = d.start("exec sleep 1000");
      long pid = d.stateField(id, "pid");
      long monitor = d.stateField(id, "monitorPid");
      assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(monitor)).start().waitFor());
      assertTrue(Detached.eventually(() -> !Files.exists(Path.of("/proc/" + pid))), "sandbox died with its monitor");
      Jbox.Result ps = d.jbox("ps", "-a");
      assertTrue(ps.out().contains("Exited (unknown)"), ps.toString());
      assertEquals("", d.jbox("ps", "-q").out(), "not running");
      Jbox.Result rm = d.jbox("rm", id);
      assertEquals(0, rm.code(), rm.toString());
      assertFalse(Files.exists(d.dir(id)));
    }
  }

  @Test
  void rm_refusesARunningSandbox_rmForceStopsIt() throws Exception {
    try (Detached d = box()) {
      String id = d.start("exec sleep 1000");
      long pid = d.stateField(id, "pid");
      Jbox.Result r = d.jbox("rm", id);
      assertEquals(125, r.code());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains("is running"), r.err());
      Jbox.Result f = d.jbox("rm", "-f", id);
      assertEquals(0, f.code(), f.toString());
      assertFalse(Files.exists(d.dir(id)));
      assertFalse(Files.exists(Path.of("/proc/" + pid)));
    }
  }

  @Test
  void parallelStarts_allRun_allRemovable_andAmbiguousPrefixIsRefused() throws Exception {
    int n = 20;
    try (Detached d = box()) {
      ExecutorService pool = Executors.newFixedThreadPool(n);
      List<Future<String>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        fs.add(pool.submit(() -> d.start(List.of("--name", "p" + k), "exec sleep 1000")));
      }
      List<String> ids = new ArrayList<>();
      for (Future<String> f : fs) ids.add(f.get());
      pool.shutdown();
      Jbox.Result q = d.jbox("ps", "-q");
      assertEquals(n, q.out().strip().lines().count(), q.toString());
      // 20 ids over 16 first digits: two share one
      Map<Character, String> seen = new HashMap<>();
      String prefix = null;
      for (String id : ids) if (seen.put(id.charAt(0), id) != null) prefix = id.substring(0, 1);
      Jbox.Result amb = d.jbox("inspect", prefix);
      assertEquals(125, amb.code());
      assertTrue(amb.err().contains("ambiguous") && amb.err().strip().lines().count() == 1, amb.err());
      List<String> rm = new ArrayList<>(List.of("rm", "-f"));
      rm.addAll(ids);
      Jbox.Result r = d.jbox(rm);
      assertEquals(0, r.code(), r.toString());
      assertEquals("", d.jbox("ps", "-a", "-q").out());
    }
  }

  @Test
  void badInput_oneLineAndExit125() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("--name", "dup"), "exec sleep 1000");
      String stopped = d.start("exit 3");
      assertTrue(Detached.eventually(() -> d.jbox("wait", stopped).out().equals("3\n")));
      List<List<String>> cases = List.of(
          List.of("logs", "nosuch"),
          List.of("stop", "0000000000"),
          List.of("exec", stopped, "true"),
          List.of("exec", "nosuch", "true"),
          List.of("run", "-d", "--name", "dup", "--rootfs", rootfs.toString(), "true"),
          List.of("run", "-d", "--name", "-bad", "--rootfs", rootfs.toString(), "true"),
          List.of("run", "--name", "fg", "--rootfs", rootfs.toString(), "true"),
          List.of("start", id),
          List.of("kill", "-s", "NOPE", id),
          List.of("kill", stopped),
          List.of("ns", "nosuch"),
          List.of("top", stopped));
      for (List<String> c : cases) {
        Jbox.Result r = d.jbox(c);
        assertEquals(125, r.code(), c + ": " + r);
        assertEquals(1, r.err().strip().lines().count(), c + ": " + r.err());
        assertTrue(r.err().startsWith("jbox: "), c + ": " + r.err());
      }
      // a failed detached start leaves no state behind
      Jbox.Result nf = d.jbox("run", "-d", "--rootfs", rootfs.toString(), "no-such-command");
      assertEquals(127, nf.code(), nf.toString());
      assertEquals(2, d.jbox("ps", "-a", "-q").out().strip().lines().count());
    }
  }

  @Test
  void withoutXdgRuntimeDir_stateGoesToAPrivateTmpDir_withAWarning() throws Exception {
    Jbox.Result r = Jbox.run(List.of("ps", "-a"), Map.of("XDG_RUNTIME_DIR", ""));
    assertEquals(0, r.code(), r.toString());
    long uid = dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0];
    assertEquals("jbox: warning: XDG_RUNTIME_DIR is unset; sandbox state is kept in /tmp/jbox-run-" + uid + "\n", r.err());
    Path dir = Path.of("/tmp/jbox-run-" + uid);
    assertFalse(Files.isSymbolicLink(dir));
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
  }

  @Test
  void logs_areCappedAt10MiB_withOneOlderFileKept() throws Exception {
    try (Detached d = box()) {
      String id = d.start("head -c 11000000 /dev/zero | tr '\\0' x; echo; echo end");
      assertEquals("0\n", d.jbox("wait", id).out());
      byte[] older = Files.readAllBytes(d.dir(id).resolve("log.1"));
      byte[] newer = Files.readAllBytes(d.dir(id).resolve("log"));
      assertTrue(older.length <= 10 << 20 && newer.length <= 10 << 20, older.length + " + " + newer.length);
      // every record is `TIME stdout F|P DATA\n`: 40 bytes of head and a newline around its data,
      // and the data is the output less its two newlines; how many records depends on how the
      // monitor's reads fell (at most 16 KiB each), so count them rather than guess
      long records = 0;
      for (byte[] f : List.of(older, newer)) {
        for (byte b : f) if (b == '\n') records++;
      }
      assertTrue(records >= 11000000 / 16384 + 2, records + " records");
      assertEquals(11000000 + 3 + 41 * records, older.length + newer.length, "nothing lost, nothing added but the record heads");
      assertEquals("end\n", d.jbox("logs", "--tail", "1", id).out());
      Jbox.Result all = d.jbox("logs", id);
      assertEquals(11000000 + 5, all.out().length(), "the parts of the long line, across the two files, make it whole");
      assertTrue(all.out().endsWith("x\nend\n"));
    }
  }

  @Test
  void twoRemovalsAtOnce_removeItOnce() throws Exception {
    try (Detached d = box()) {
      String id = d.start("exec sleep 1000");
      ExecutorService pool = Executors.newFixedThreadPool(2);
      Future<Jbox.Result> a = pool.submit(() -> d.jbox("rm", "-f", id));
      Future<Jbox.Result> b = pool.submit(() -> d.jbox("rm", "-f", id));
      List<Jbox.Result> rs = List.of(a.get(), b.get());
      pool.shutdown();
      assertTrue(rs.stream().anyMatch(r -> r.code() == 0), rs.toString());
      for (Jbox.Result r : rs) {
        assertTrue(r.code() == 0 || r.err().contains("no such sandbox"), r.toString());
      }
      assertFalse(Files.exists(d.dir(id)));
    }
  }
}
