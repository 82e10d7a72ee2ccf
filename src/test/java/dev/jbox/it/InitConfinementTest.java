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
 * no_new_privs, the seccomp filter, no descriptor but /dev/null, none of the caller's host
 * environment, no host path in its command line. A command given CAP_SYS_PTRACE that makes pid 1
 * run system calls through ptrace (the attack of the issue: keyctl, unshare, umount of the masked
 * paths) gets nothing more than it could do itself.
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
      + " /probe inject1;"
      + " for f in /proc/1/fd/*; do echo \"fd ${f#/proc/1/fd/} $(readlink $f)\"; done;"
      + " echo \"environ=$(tr '\\0' '\\n' </proc/1/environ | grep -c =)\";"
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
  void pid1_hasNoCapabilitiesNoFdNoHostEnv_andPtraceMakesItDoNothingMore() {
    var r = Jbox.sh(rootfs, List.of("--init", "--cap-add", "SYS_PTRACE"), LOOK_AT_PID1);
    assertEquals(0, r.code(), r.toString());
    Map<String, String> s = fields(r.out());
    for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
      assertEquals("0000000000000000", s.get(set), set + " of pid 1: " + r);
    }
    assertEquals("1", s.get("NoNewPrivs"), r.toString());
    assertEquals("2", s.get("Seccomp"), r.toString());
    // the command holds CAP_SYS_PTRACE and is root of the same user namespace: it may make pid 1
    // run system calls, which pid 1's rules refuse as they refuse the command's own
    if (System.getProperty("os.arch").equals("amd64")) {
      assertTrue(r.out().contains("inject1 keyctl EPERM unshare EPERM\n"), r.toString());
    }
    List<String> fds = r.out().lines().filter(l -> l.startsWith("fd ")).toList();
    assertEquals(List.of("fd 0 /dev/null", "fd 1 /dev/null", "fd 2 /dev/null"), fds, r.toString());
    assertTrue(r.out().contains("environ=0\n"), "none of the caller's environment: " + r);
    String cmdline = r.out().substring(r.out().indexOf("cmdline=") + 8).strip();
    assertEquals("jbox:init", cmdline, "no host path of the helper, no jbox arguments: " + r);
  }

  /**
   * The command is forked by pid 1 before pid 1 confines itself (the command still needs its
   * capabilities to become itself): it must not run until pid 1 is confined, or for a moment it
   * shares the sandbox with a pid 1 that holds every capability. The command's first act here is
   * to read pid 1's status; repeated, since a lost race shows only now and then (under load it
   * did, in whole-suite runs).
   */
  @Test
  void theCommandRunsOnlyOncePid1IsConfined() {
    for (int i = 0; i < 20; i++) {
      var r = Jbox.sh(rootfs, List.of("--init", "--cap-add", "SYS_PTRACE"), "exec grep -E '^(Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/1/status");
      assertEquals(0, r.code(), r.toString());
      Map<String, String> s = fields(r.out());
      for (String set : List.of("CapPrm", "CapEff", "CapBnd")) {
        assertEquals("0000000000000000", s.get(set), set + " of pid 1 in run " + i + ": " + r);
      }
      assertEquals("1", s.get("NoNewPrivs"), "run " + i + ": " + r);
      assertEquals("2", s.get("Seccomp"), "run " + i + ": " + r);
    }
  }

  @Test
  void pid1_takesTheCommandsUser_evenWithSeccompUnconfined() {
    var r = Jbox.sh(rootfs, List.of("--init", "-u", "1000:1000", "--security-opt", "seccomp=unconfined"), LOOK_AT_PID1);
    assertEquals(0, r.code(), r.toString());
    Map<String, String> s = fields(r.out());
    assertTrue(s.get("Uid").startsWith("1000"), r.toString());
    assertEquals("0000000000000000", s.get("CapBnd"), r.toString());
    assertEquals("2", s.get("Seccomp"), "pid 1 keeps the filter (tighter than the command): " + r);
    if (System.getProperty("os.arch").equals("amd64")) {
      assertTrue(r.out().contains("inject1 keyctl EPERM unshare EPERM\n"), r.toString());
    }
  }

  /** jbox exec, ns and top open /proc/PID/ns of pid 1 as the caller: a confined pid 1 must allow it. */
  @Test
  void execAndNs_stillReachAnInitSandbox_alsoOfAnotherUser() {
    try (Detached d = new Detached(tmp, rootfs)) {
      for (String user : List.of("0", "1000:1000")) {
        String id = d.start(List.of("--init", "-u", user), "exec sleep 1000");
        var ex = d.jbox("exec", id, "id", "-u");
        assertEquals(0, ex.code(), ex.toString());
        assertEquals(user.split(":")[0] + "\n", ex.out(), ex.toString());
        var ns = d.jbox("ns", id);
        assertEquals(0, ns.code(), ns.toString());
        assertTrue(ns.out().contains("\nuser "), ns.toString());
      }
    }
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
      boolean ended = p.waitFor(60, TimeUnit.SECONDS);
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
