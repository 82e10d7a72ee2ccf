package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jbox start: an exited sandbox runs again from its recorded plan; -a follows or attaches; refusals. */
class StartTest {
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

  static String ps(Detached d, String name) {
    return d.jbox("ps", "-a").out().lines().filter(l -> l.endsWith("  " + name)).findFirst().orElse("");
  }

  @Test
  void start_ofAnExitedSandbox_runsItAgain_sameIdAndName_andRecordsTheExitAgain() throws Exception {
    try (Detached d = box()) {
      // the first run ends at once; the second waits for a file the test makes (through a bind
      // mount), so that it surely still runs when ps looks (a `sleep 3` did not on a loaded machine)
      Path w = Files.createDirectories(d.xdg.resolve("w"));
      String id = d.start(List.of("--name", "s1", "--hostname", "again", "-v", w + ":/w"),
          "echo ran-$(hostname); if [ -e /w/first ]; then while [ ! -e /w/go ]; do sleep 0.05; done; fi; touch /w/first; exit 4");
      assertTrue(Detached.eventually(() -> d.jbox("wait", "s1").out().equals("4\n")));
      long firstPid = d.stateField(id, "pid");
      Jbox.Result r = d.jbox("start", "s1");
      assertEquals(0, r.code(), r.toString());
      assertEquals(id + "\n", r.out());
      assertTrue(ps(d, "s1").contains("Up "), d.jbox("ps", "-a").out());
      assertTrue(d.stateField(id, "pid") != firstPid);
      assertEquals(1, d.jbox("ps", "-a", "-q").out().strip().lines().count());
      Files.createFile(w.resolve("go"));
      assertEquals("4\n", d.jbox("wait", "s1").out());
      assertTrue(ps(d, "s1").contains("Exited (4)"), d.jbox("ps", "-a").out());
      String log = d.jbox("logs", "s1").out();
      assertEquals(2, log.lines().filter(l -> l.equals("ran-again")).count(), log);
    }
  }

  @Test
  void startA_followsTheOutputOfAPlainSandbox_andExitsWithItsStatus() throws Exception {
    try (Detached d = box()) {
      d.start(List.of("--name", "s2"), "echo out-$((6*7)); exit 5");
      assertTrue(Detached.eventually(() -> d.jbox("wait", "s2").out().equals("5\n")));
      Jbox.Result r = d.jbox("start", "-a", "s2");
      assertEquals(5, r.code(), r.toString());
      assertEquals("out-42\n", r.out(), "all of it, from the first byte, and nothing else: " + r);
      assertTrue(ps(d, "s2").contains("Exited (5)"));
    }
  }

  @Test
  void startA_ofATtySandbox_attachesThroughThePty() throws Exception {
    try (Detached d = box()) {
      d.start(List.of("-it", "--name", "s3"), "exec sh");
      String out = AttachDriver.drive(tmp, d.env(), "exit 2", "", "", "attach", "s3");
      assertTrue(out.contains("STATUS 2"), out);
      out = AttachDriver.drive(tmp, d.env(), "echo X$((2+3))", "X5", AttachDriver.DETACH, "start", "-a", "s3");
      assertTrue(out.contains("X5") && out.contains("STATUS 0"), out);
      assertTrue(ps(d, "s3").contains("Up "), d.jbox("ps", "-a").out());
      out = AttachDriver.drive(tmp, d.env(), "exit 6", "", "", "attach", "s3");
      assertTrue(out.contains("STATUS 6"), out);
      assertTrue(ps(d, "s3").contains("Exited (6)"));
    }
  }

  @Test
  void badInput_runningUnknownGoneRootfs_oneLineAndExit125() throws Exception {
    Path gone = Jbox.rootfs(tmp.resolve("gone"));
    try (Detached d = box(); Detached g = new Detached(tmp, gone)) {
      d.start(List.of("--name", "up"), "exec sleep 1000");
      String lost = g.start(List.of("--name", "lost"), "exit 0");
      assertTrue(Detached.eventually(() -> g.jbox("wait", lost).out().equals("0\n")));
      deleteTree(gone);
      for (List<String> c : List.of(List.of("start", "up"), List.of("start", "nosuch"), List.of("start", "-a", "--detach-keys", "bad", "up"))) {
        Jbox.Result r = d.jbox(c);
        assertEquals(125, r.code(), c + ": " + r);
        assertEquals(1, r.err().strip().lines().count(), c + ": " + r.err());
        assertTrue(r.err().startsWith("jbox: "), c + ": " + r.err());
      }
      Jbox.Result r = g.jbox("start", "lost");
      assertEquals(125, r.code(), r.toString());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains("is gone"), r.err());
      assertTrue(ps(g, "lost").contains("Exited (0)"), "a refused start changes nothing");
    }
  }

  static void deleteTree(Path p) throws java.io.IOException {
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }
}
