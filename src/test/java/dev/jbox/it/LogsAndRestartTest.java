package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detached sandboxes' logs with stdout and stderr kept apart (timestamps, --since/--until, --tail,
 * -n, a -t sandbox's one stream, a log of an older jbox) and the monitor's restart policies
 * (on-failure:N, always, unless-stopped; stop and kill end them; --rm with --restart refused).
 */
class LogsAndRestartTest {
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

  private static final String STAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z";

  @SuppressWarnings("unchecked")
  private static Map<String, Object> inspect(Detached d, String id) {
    Jbox.Result r = d.jbox("inspect", id);
    assertEquals(0, r.code(), r.toString());
    return (Map<String, Object>) ((List<Object>) Json.parse(r.out())).get(0);
  }

  private static long restartCount(Detached d, String id) {
    return ((Number) inspect(d, id).get("RestartCount")).longValue();
  }

  private static void waitExited(Detached d, String id) throws Exception {
    Jbox.Result w = d.jbox("wait", id);
    assertEquals(0, w.code(), w.toString());
  }

  @Test
  void logs_giveStdoutAndStderrBackApart_fromARealShellToo() throws Exception {
    try (Detached d = box()) {
      String id = d.start("echo one; echo two >&2; printf 'no newline'; echo three >&2");
      waitExited(d, id);
      Jbox.Result r = d.jbox("logs", id);
      assertEquals(0, r.code(), r.toString());
      assertEquals("one\nno newline", r.out(), r.toString());
      assertEquals("two\nthree\n", r.err(), r.toString());
      // a real shell's redirections: each stream to its own file
      Path o = d.xdg.resolve("o");
      Path e = d.xdg.resolve("e");
      ProcessBuilder pb = Jbox.builder(List.of());
      String launcher = pb.command().get(0);
      pb.command().clear();
      pb.command().addAll(List.of("sh", "-c", "\"$0\" logs \"$1\" >\"$2\" 2>\"$3\"", launcher, id, o.toString(), e.toString()));
      pb.environment().putAll(d.env());
      assertEquals(0, pb.start().waitFor());
      assertEquals("one\nno newline", Files.readString(o));
      assertEquals("two\nthree\n", Files.readString(e));
    }
  }

  @Test
  void logs_timestamps_sinceUntil_tail_names() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("--name", "stamps"), "echo a; echo b >&2; sleep 2; echo c; echo d >&2");
      waitExited(d, id);
      Jbox.Result t = d.jbox("logs", "-t", id);
      assertEquals(0, t.code(), t.toString());
      List<String> out = t.out().lines().toList();
      List<String> err = t.err().lines().toList();
      assertEquals(2, out.size(), t.toString());
      assertEquals(2, err.size(), t.toString());
      assertTrue(out.get(0).matches(STAMP + " a") && out.get(1).matches(STAMP + " c"), t.out());
      assertTrue(err.get(0).matches(STAMP + " b") && err.get(1).matches(STAMP + " d"), t.err());
      String late = out.get(1).substring(0, out.get(1).indexOf(' ')); // c's time, 2 s after a and b
      Jbox.Result since = d.jbox("logs", "--since", late, id);
      assertEquals("c\n", since.out(), since.toString());
      assertEquals("d\n", since.err(), since.toString());
      Jbox.Result until = d.jbox("logs", "--until", late, id);
      assertEquals("a\n", until.out(), until.toString());
      assertEquals("b\n", until.err(), until.toString());
      // unix seconds and durations, as podman takes them
      long cSecond = java.time.Instant.parse(late).getEpochSecond();
      Jbox.Result unix = d.jbox("logs", "--since", Long.toString(cSecond - 100), "--until", Long.toString(cSecond - 50), id);
      assertEquals("", unix.out() + unix.err(), unix.toString());
      Jbox.Result hour = d.jbox("logs", "--since", "1h30m", id);
      assertEquals("a\nc\n", hour.out(), hour.toString());
      Jbox.Result future = d.jbox("logs", "--until", "10m", id);
      assertEquals("", future.out() + future.err(), future.toString());
      // --tail counts lines of both streams
      Jbox.Result tail = d.jbox("logs", "--tail", "1", id);
      assertEquals("", tail.out(), tail.toString());
      assertEquals("d\n", tail.err(), tail.toString());
      Jbox.Result tail2 = d.jbox("logs", "--tail", "2", id);
      assertEquals("c\n", tail2.out(), tail2.toString());
      assertEquals("d\n", tail2.err(), tail2.toString());
      Jbox.Result names = d.jbox("logs", "-n", id);
      assertEquals("stamps a\nstamps c\n", names.out(), names.toString());
      Jbox.Result bad = d.jbox("logs", "--since", "yesterday", id);
      assertEquals(125, bad.code(), bad.toString());
      assertEquals(1, bad.err().strip().lines().count(), bad.err());
      assertTrue(bad.err().contains("--since `yesterday`"), bad.err());
    }
  }

  @Test
  void logs_ofATtySandbox_areOneStream_andFollowEndsWithTheSandbox() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("-t"), "echo out; echo err >&2; sleep 2; echo last");
      Jbox.Result f = d.jbox("logs", "-f", id); // returns when the sandbox exits
      assertEquals(0, f.code(), f.toString());
      assertEquals("out\r\nerr\r\nlast\r\n", f.out(), f.toString());
      assertEquals("", f.err(), f.toString());
      Jbox.Result t = d.jbox("logs", "-t", id);
      assertEquals(0, t.code(), t.toString());
      List<String> lines = List.of(t.out().split("\n")); // (String.lines would take the \r as a line end)
      assertEquals(3, lines.size(), t.toString());
      assertTrue(lines.get(1).matches(STAMP + " err\r"), t.out());
      assertEquals("", t.err(), t.toString());
    }
  }

  @Test
  void logs_ofAnOlderJbox_arePrintedAsStdout_withAOneLineWarning() throws Exception {
    try (Detached d = box()) {
      String id = d.start("echo new");
      waitExited(d, id);
      Files.writeString(d.dir(id).resolve("log.1"), "old one\nold two\n"); // before the streams were kept apart
      Jbox.Result r = d.jbox("logs", id);
      assertEquals(0, r.code(), r.toString());
      assertEquals("old one\nold two\nnew\n", r.out(), r.toString());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains("written by an older jbox"), r.err());
    }
  }

  @Test
  void restartOnFailure2_endsExited3_afterExactlyTwoRestarts_logsOfEveryRunAppended() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("--restart=on-failure:2"), "echo run; exit 3");
      assertEquals("3\n", d.jbox("wait", id).out());
      Map<String, Object> m = inspect(d, id);
      assertEquals(2L, ((Number) m.get("RestartCount")).longValue(), m.toString());
      Map<?, ?> state = (Map<?, ?>) m.get("State");
      assertEquals("exited", state.get("Status"));
      assertEquals(3L, ((Number) state.get("ExitCode")).longValue());
      Map<?, ?> policy = (Map<?, ?>) ((Map<?, ?>) m.get("HostConfig")).get("RestartPolicy");
      assertEquals("on-failure", policy.get("Name"));
      assertEquals(2L, ((Number) policy.get("MaximumRetryCount")).longValue());
      assertEquals("run\nrun\nrun\n", d.jbox("logs", id).out());
      assertTrue(d.jbox("ps", "-a").out().contains("Exited (3)"));
      Thread.sleep(2000);
      assertEquals(2L, restartCount(d, id), "no third restart");
      // a success is not a failure: no restart
      String ok = d.start(List.of("--restart", "on-failure"), "echo once");
      assertEquals("0\n", d.jbox("wait", ok).out());
      assertEquals(0L, restartCount(d, ok));
      Map<?, ?> none = (Map<?, ?>) ((Map<?, ?>) inspect(d, d.start("true")).get("HostConfig")).get("RestartPolicy");
      assertEquals("", none.get("Name"), "no policy: an empty name, as podman shows it");
      assertEquals(0L, ((Number) none.get("MaximumRetryCount")).longValue());
    }
  }

  @Test
  void restartAlways_restartsUntilStop_whichEndsIt_andItStaysStopped() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("--restart", "always", "--name", "again"), "echo run; sleep 1");
      assertTrue(Detached.eventually(() -> restartCount(d, id) >= 2), "restarted twice");
      assertTrue(Detached.eventually(() -> d.jbox("ps").out().lines().anyMatch(l -> l.endsWith("again") && l.contains("Up "))),
          "ps shows it Up again");
      // (no bound on how long it took: a loaded machine takes any time to start jbox; a stop that
      // lost its race with the restarts fails, and the sandbox would not stay exited below)
      Jbox.Result stop = d.jbox("stop", "-t", "3", "again");
      assertEquals(0, stop.code(), stop.toString());
      long count = restartCount(d, id);
      assertEquals("exited", ((Map<?, ?>) inspect(d, id).get("State")).get("Status"));
      Thread.sleep(3000);
      assertEquals(count, restartCount(d, id), "no restart after stop");
      assertEquals("exited", ((Map<?, ?>) inspect(d, id).get("State")).get("Status"));
      assertFalse(d.jbox("ps").out().contains("again"), "not running");
      long monitor = d.stateField(id, "monitorPid");
      assertFalse(Files.exists(Path.of("/proc/" + monitor)), "its monitor is gone");
      // jbox start runs it again, with its policy
      assertEquals(0, d.jbox("start", id).code());
      assertTrue(Detached.eventually(() -> restartCount(d, id) >= 1), "restarted after jbox start");
      assertEquals(0, d.jbox("stop", id).code());
    }
  }

  @Test
  void restartUnlessStopped_restartsAProcessKilledInside_butNotOneKilledByJboxKill() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("--restart", "unless-stopped"), "echo run; exec sleep 1000");
      // killed only once the first run has written its line: "running" is recorded at its
      // execve, so a kill at once could end it before its echo and leave one line in the log
      assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().equals("run\n")), d.jbox("logs", id).toString());
      long pid = d.stateField(id, "pid");
      assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor());
      assertTrue(Detached.eventually(() -> restartCount(d, id) == 1 && d.jbox("ps", "-q").out().contains(id.substring(0, 12))),
          "restarted after its pid 1 was killed");
      assertTrue(d.stateField(id, "pid") != pid, "a new pid 1");
      // the new run has written its line (it is "running" from its execve on)
      assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().equals("run\nrun\n")), d.jbox("logs", id).toString());
      Jbox.Result k = d.jbox("kill", id);
      assertEquals(0, k.code(), k.toString());
      assertEquals("137\n", d.jbox("wait", id).out());
      Thread.sleep(2000);
      assertEquals(1L, restartCount(d, id));
      assertEquals("", d.jbox("ps", "-q").out());
      assertEquals("run\nrun\n", d.jbox("logs", id).out());
    }
  }

  @Test
  void aRestartWhoseSetupFails_endsIt_withTheErrorInTheLogAndExit125() throws Exception {
    try (Detached d = box()) {
      Path vol = Files.createDirectories(d.xdg.resolve("vol"));
      String id = d.start(List.of("--restart", "always", "-v", vol + ":/v"), "echo run; sleep 1; exit 1");
      Files.delete(vol); // the next run's bind mount fails
      assertEquals("125\n", d.jbox("wait", id).out());
      Jbox.Result logs = d.jbox("logs", id);
      assertEquals("run\n", logs.out(), logs.toString());
      assertTrue(logs.err().matches("jbox: bind source `" + java.util.regex.Pattern.quote(vol.toString()) + "`: .*\n"), logs.err());
      assertEquals(1L, restartCount(d, id));
      assertEquals("", d.jbox("ps", "-q").out());
    }
  }

  @Test
  void createWithRestart_startRunsItWithThePolicy() throws Exception {
    try (Detached d = box()) {
      Jbox.Result c = d.jbox("create", "--restart", "on-failure:1", "--rootfs", rootfs.toString(), "sh", "-c", "exit 4");
      assertEquals(0, c.code(), c.toString());
      String id = c.out().strip();
      Map<?, ?> policy = (Map<?, ?>) ((Map<?, ?>) inspect(d, id).get("HostConfig")).get("RestartPolicy");
      assertEquals(Map.of("Name", "on-failure", "MaximumRetryCount", 1L), Map.of("Name", policy.get("Name"),
          "MaximumRetryCount", ((Number) policy.get("MaximumRetryCount")).longValue()));
      try {
        assertEquals(0, d.jbox("start", id).code());
        assertEquals("4\n", d.jbox("wait", id).out());
        assertEquals(1L, restartCount(d, id));
      } finally {
        d.jbox("rm", "-f", id);
      }
    }
  }

  @Test
  void rmWithRestart_isRefusedInOneLine_andLeavesNothing() throws Exception {
    try (Detached d = box()) {
      for (List<String> verb : List.of(List.of("run", "-d"), List.of("create"))) {
        List<String> a = new ArrayList<>(verb);
        a.addAll(List.of("--rm", "--restart", "always", "--rootfs", rootfs.toString(), "true"));
        Jbox.Result r = d.jbox(a);
        assertEquals(125, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--rm conflicts with --restart"), r.err());
        assertEquals("", r.out());
      }
      Jbox.Result fg = d.jbox("run", "--restart", "always", "--rootfs", rootfs.toString(), "true");
      assertEquals(125, fg.code(), fg.toString());
      assertTrue(fg.err().contains("needs -d"), fg.err());
      Jbox.Result bad = d.jbox("run", "-d", "--restart", "sometimes", "--rootfs", rootfs.toString(), "true");
      assertEquals(125, bad.code(), bad.toString());
      assertEquals(1, bad.err().strip().lines().count(), bad.err());
      Jbox.Result ok = d.jbox("run", "-d", "--rm", "--restart=no", "--rootfs", rootfs.toString(), "true");
      assertEquals(0, ok.code(), ok.toString());
      assertTrue(Detached.eventually(() -> d.jbox("ps", "-a", "-q").out().isEmpty()));
      String[] left = d.xdg.resolve("jbox").toFile().list((dir, n) -> n.matches("[0-9a-f]{64}"));
      assertTrue(left == null || left.length == 0, "nothing left: " + java.util.Arrays.toString(left));
    }
  }
}
