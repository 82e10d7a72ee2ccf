package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 4: with --init, pid 1 (which forwards signals and reaps) is a process of the
 * sandbox like the command and gets the same rules or tighter: no capability in any set,
 * no_new_privs, the seccomp filter, no host descriptor, and not dumpable, so that even a command
 * given CAP_SYS_PTRACE cannot attach to it, read its environment (the caller's host environment)
 * or its descriptors. Its command line names no host path.
 */
class InitConfinementTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    Jbox.installProbe(rootfs);
  }

  static final String LOOK_AT_PID1 = "grep -E '^(Uid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/1/status;"
      + " /probe ptrace1;"
      + " cat /proc/1/environ >/dev/null 2>&1 && echo ENVIRON-READABLE;"
      + " ls /proc/1/fd >/dev/null 2>&1 && echo FDS-LISTED;"
      + " echo \"cmdline=$(tr '\\0' ' ' </proc/1/cmdline)\"";

  static Map<String, String> fields(String out) {
    Map<String, String> m = new HashMap<>();
    for (String l : out.split("\n")) {
      int c = l.indexOf(':');
      if (c > 0 && !l.startsWith("cmdline=")) m.put(l.substring(0, c), l.substring(c + 1).strip());
    }
    return m;
  }

  @Test
  void pid1_hasNoCapabilitiesNoNewPrivsSeccomp_andCapSysPtraceCannotReachIt() {
    var r = Jbox.sh(rootfs, List.of("--init", "--cap-add", "SYS_PTRACE"), LOOK_AT_PID1);
    assertEquals(0, r.code(), r.toString());
    Map<String, String> s = fields(r.out());
    for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
      assertEquals("0000000000000000", s.get(set), set + " of pid 1: " + r);
    }
    assertEquals("1", s.get("NoNewPrivs"), r.toString());
    assertEquals("2", s.get("Seccomp"), r.toString());
    // the command holds CAP_SYS_PTRACE and is root of the same user namespace, yet pid 1 is out
    // of its reach (and would have nothing to give: the fields above)
    assertTrue(r.out().contains("ptrace1 EPERM"), r.toString());
    assertFalse(r.out().contains("ENVIRON-READABLE"), r.toString());
    assertFalse(r.out().contains("FDS-LISTED"), r.toString());
    String cmdline = r.out().substring(r.out().indexOf("cmdline=") + 8).strip();
    assertEquals("jbox:init", cmdline, "no host path of the helper, no jbox arguments: " + r);
  }

  @Test
  void pid1_takesTheCommandsUser_evenWithSeccompUnconfined() {
    var r = Jbox.sh(rootfs, List.of("--init", "-u", "1000:1000", "--security-opt", "seccomp=unconfined"), LOOK_AT_PID1);
    assertEquals(0, r.code(), r.toString());
    Map<String, String> s = fields(r.out());
    assertTrue(s.get("Uid").startsWith("1000"), r.toString());
    assertEquals("0000000000000000", s.get("CapBnd"), r.toString());
    assertEquals("2", s.get("Seccomp"), "pid 1 keeps the filter (tighter than the command): " + r);
  }

  @Test
  void pid1_stillForwardsSignalsToACommandOfAnotherUser() throws Exception {
    ProcessBuilder pb = Jbox.builder(List.of("run", "--init", "-u", "1000:1000", "--rootfs", rootfs.toString(), "sh", "-c",
        "trap 'echo GOT-TERM; exit 7' TERM; echo READY; while :; do sleep 0.1; done"));
    pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      StringBuilder seen = new StringBuilder();
      while ((line = in.readLine()) != null && !line.equals("READY")) seen.append(line).append('\n');
      assertEquals("READY", line, seen.toString());
      p.toHandle().destroy(); // SIGTERM to jbox (Process.destroy would also close our end of its stdout): stage 0 -> pid 1 (uid 1000, no capabilities) -> the command
      StringBuffer rest = new StringBuffer();
      Thread reader = new Thread(() -> {
        try {
          for (String l; (l = in.readLine()) != null; ) rest.append(l).append('\n');
        } catch (java.io.IOException e) {
          // the process is gone
        }
      });
      reader.start();
      boolean ended = p.waitFor(20, TimeUnit.SECONDS);
      reader.join(5_000);
      assertTrue(ended, "jbox ended after SIGTERM: " + rest);
      assertEquals(7, p.exitValue(), rest.toString());
      assertTrue(rest.toString().contains("GOT-TERM"), rest.toString());
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
