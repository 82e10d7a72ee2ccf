package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jbox run -dit / -di and jbox attach: relay through a real pty, detach keys, exit status, log, bad input. */
class AttachTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static String ps(Detached d, String name) {
    return d.jbox("ps", "-a").out().lines().filter(l -> l.endsWith("  " + name)).findFirst().orElse("");
  }

  @Test
  void dit_attachTypeDetach_runsOn_attachAgainExit3_exitsWith3_andTheLogHasTheSession() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("-it", "--name", "a1"), "exec sh");
      assertTrue(Files.exists(d.dir(id).resolve("attach.sock")));
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(d.dir(id).resolve("attach.sock"))));
      String out = AttachDriver.drive(tmp, d.env(), "stty size; echo HEL''LO$((1+1))", "HELLO2", AttachDriver.DETACH, "attach", "a1");
      assertTrue(out.contains("HELLO2"), out);
      assertTrue(out.contains("33 111"), "the attaching terminal's size reaches the pty: " + out);
      assertTrue(out.contains("STATUS 0"), "detach exits 0: " + out);
      assertTrue(ps(d, "a1").contains("Up "), d.jbox("ps", "-a").out());

      out = AttachDriver.drive(tmp, d.env(), "echo AG''AIN; exit 3", "", "", "attach", "a1");
      assertTrue(out.contains("AGAIN"), out);
      assertTrue(out.contains("STATUS 3"), out);
      assertTrue(ps(d, "a1").contains("Exited (3)"), d.jbox("ps", "-a").out());

      String log = d.jbox("logs", "a1").out();
      assertTrue(log.contains("HELLO2") && log.contains("AGAIN"), log);
    }
  }

  @Test
  void customDetachKeys_andOutputWhileDetachedGoesToTheLogOnly() throws Exception {
    try (Detached d = box()) {
      String id = d.start(List.of("-it", "--name", "a2"), "exec sh");
      // ctrl-p ctrl-q is no longer special: typed through to the shell, which ignores them
      String out = AttachDriver.drive(tmp, d.env(), "(sleep 2; echo LA''TE) &", "TE) &", "18" + "78",
          "attach", "--detach-keys", "ctrl-x,x", "a2");
      assertTrue(out.contains("STATUS 0"), out);
      assertTrue(Detached.eventually(() -> d.jbox("logs", "a2").out().contains("LATE")));
      out = AttachDriver.drive(tmp, d.env(), "echo NO''W", "NOW", AttachDriver.DETACH, "attach", "a2");
      assertTrue(out.contains("NOW") && !out.contains("LATE"), "what came while detached is not replayed: " + out);
      long monitor = d.stateField(id, "monitorPid");
      long rssKb = Long.parseLong(Files.readAllLines(Path.of("/proc/" + monitor + "/status")).stream()
          .filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow().replaceAll("\\D", ""));
      assertTrue(rssKb <= 2048, "monitor RSS " + rssKb + " kB");
    }
  }

  @Test
  void di_attachRelaysStdinWithoutATerminal_eofClosesIt_andTheExitStatusPasses() throws Exception {
    try (Detached d = box()) {
      d.start(List.of("-i", "--name", "a3"), "read x; echo got-$x; cat >/dev/null; exit 9");
      ProcessBuilder pb = Jbox.builder(List.of("attach", "a3"));
      pb.environment().putAll(d.env());
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        in.write("hello\nmore\n".getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals("got-hello\n", out);
      assertEquals(9, p.exitValue());
      assertTrue(ps(d, "a3").contains("Exited (9)"));
    }
  }

  @Test
  void badInput_oneLineAndExit125() throws Exception {
    try (Detached d = box()) {
      d.start(List.of("-it", "--name", "live"), "exec sh");
      String done = d.start(List.of("--name", "done"), "exit 0");
      assertTrue(Detached.eventually(() -> d.jbox("wait", done).out().equals("0\n")));
      for (List<String> c : List.of(
          List.of("attach", "done"),
          List.of("attach", "nosuch"),
          List.of("attach", "--detach-keys", "ctrl-1", "live"),
          List.of("attach", "--detach-keys", "ctrl-p,,ctrl-q", "live"),
          List.of("attach"))) {
        Jbox.Result r = d.jbox(c);
        assertEquals(125, r.code(), c + ": " + r);
        assertEquals(1, r.err().strip().lines().count(), c + ": " + r.err());
        assertTrue(r.err().startsWith("jbox: "), c + ": " + r.err());
      }
    }
  }

  static Detached box() {
    return new Detached(tmp, rootfs);
  }
}
