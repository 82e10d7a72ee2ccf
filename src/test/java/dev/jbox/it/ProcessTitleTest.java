package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, "also fix": /proc/PID/cmdline is readable by every local user, and jbox's processes
 * that live as long as the sandbox (the monitor, the cleaner, --init's pid 1) are forks of the
 * helper: they showed jbox's whole command line, `-e API_TOKEN=...` included. Their titles are
 * now "NAME ID". (tests/system/otheruser.sh checks the same through ps as another account.)
 */
class ProcessTitleTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Every process whose command line holds s (this JVM's own aside), once jbox's own JVM, which
   * has the arguments for the moment it parses them and exits in parallel with the sandbox's
   * start, is gone: polled for up to 60 s (a bound for a failing test; a loaded machine takes long).
   */
  static List<String> showingAfterStart(String s) throws InterruptedException {
    long end = System.currentTimeMillis() + 60_000;
    List<String> l = showing(s);
    while (!l.isEmpty() && System.currentTimeMillis() < end) {
      Thread.sleep(50);
      l = showing(s);
    }
    return l;
  }

  /** Every process whose command line holds s (this JVM's own aside). */
  static List<String> showing(String s) {
    List<String> out = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : dirs.toList()) {
        String n = d.getFileName().toString();
        if (!n.chars().allMatch(Character::isDigit) || Long.parseLong(n) == self) continue;
        String c = cmdline(Long.parseLong(n));
        if (c.contains(s)) out.add(n + ": " + c.replace('\0', ' '));
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  @Test
  void detachedMonitor_showsNameAndId_notTheSecret() throws Exception {
    String secret = "secret-" + System.nanoTime();
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start(List.of("-e", "API_TOKEN=" + secret, "--init"), "exec sleep 1000");
      long monitor = d.stateField(id, "monitorPid");
      String title = cmdline(monitor);
      assertEquals("jbox:monitor " + id.substring(0, 12), title.replace("\0", ""), title);
      assertEquals(List.of(), showingAfterStart(secret), "no process shows the -e value");
      // the sandbox's pid 1 (--init) as the host sees it: the same, no host path either
      long pid1 = d.stateField(id, "pid");
      assertEquals("jbox:init " + id.substring(0, 12), cmdline(pid1).replace("\0", ""));
    }
  }

  @Test
  void foregroundMonitor_doesNotShowTheSecret() throws Exception {
    String secret = "secret-" + System.nanoTime();
    ProcessBuilder pb = Jbox.builder(List.of("run", "-e", "API_TOKEN=" + secret, "--rootfs", rootfs.toString(),
        "sh", "-c", "echo READY; exec sleep 60"));
    pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("READY", in.readLine());
      assertEquals(List.of(), showingAfterStart(secret), "no process shows the -e value");
      assertTrue(cmdline(p.pid()).startsWith("jbox:monitor"), cmdline(p.pid()));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
    }
  }
}
