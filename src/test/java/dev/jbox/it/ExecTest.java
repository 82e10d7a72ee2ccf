package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jbox exec: joins every namespace of a running sandbox, with its process rules; cannot reach the host. */
class ExecTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static String sh(Detached d, String id, String script) {
    Jbox.Result r = d.jbox("exec", id, "sh", "-c", script);
    assertEquals(0, r.code(), r.toString());
    return r.out();
  }

  @Test
  void exec_seesTheSandboxsHostnamePidNamespaceMountsAndNetwork() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start(List.of("--hostname", "boxy"), "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m 2>/dev/null; "
          + "touch /tmp/marker; ip link add dummy0 type dummy 2>/dev/null; exec sleep 1000");
      long pid = d.stateField(id, "pid");
      // the script's set-up is done once pid 1 is `sleep 1000` (exec no longer waits for a JVM to
      // start, whose 170 ms used to hide that it may still be running)
      assertTrue(Detached.eventually(() -> {
        try {
          return Files.readString(Path.of("/proc/" + pid + "/cmdline")).equals("sleep\0" + "1000\0");
        } catch (java.io.IOException gone) {
          return false;
        }
      }), "the script reached exec sleep");
      assertEquals("boxy\n", sh(d, id, "hostname"));
      assertEquals("sleep 1000\n", sh(d, id, "tr '\\0' ' ' < /proc/1/cmdline; echo").replace(" \n", "\n"));
      assertEquals("yes\n", sh(d, id, "[ -e /tmp/marker ] && echo yes"));
      // the same namespaces as pid 1, every type, by inode
      for (String t : List.of("user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time")) {
        String inside = sh(d, id, "readlink /proc/self/ns/" + t).strip();
        assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + t)).toString(), inside, t);
      }
      assertEquals(sh(d, id, "cat /proc/1/mountinfo"), sh(d, id, "cat /proc/self/mountinfo"));
      assertEquals(sh(d, id, "cat /proc/1/net/dev | cut -d: -f1"), sh(d, id, "cat /proc/self/net/dev | cut -d: -f1"));
    }
  }

  @Test
  void exec_pidInsideMatchesNSpidOfItsHostPid() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start("exec sleep 1000");
      long pid1 = d.stateField(id, "pid");
      ProcessBuilder pb = Jbox.builder(List.of("exec", id, "sh", "-c", "echo $$; exec sleep 3000")).redirectErrorStream(true);
      pb.environment().putAll(d.env());
      Process p = pb.start();
      String inside = SignalsAndLifetimeTest.readLine(p.getInputStream()).strip();
      try {
        // find the host pid: in the sandbox's pid namespace, running "sleep 3000"
        String pidns = Files.readSymbolicLink(Path.of("/proc/" + pid1 + "/ns/pid")).toString();
        long host = -1;
        for (int i = 0; i < 600 && host < 0; i++) { // the pid is printed just before the exec
          for (long c : Lifetimes.withCmdline("sleep 3000")) {
            try {
              if (Files.readSymbolicLink(Path.of("/proc/" + c + "/ns/pid")).toString().equals(pidns)) host = c;
            } catch (java.io.IOException notOurs) {
              // another account's "sleep 3000..." (or one that just exited): not the one we look for
            }
          }
          if (host < 0) Thread.sleep(100);
        }
        assertTrue(host > 0, "found the exec'd process on the host");
        String nspid = Files.readAllLines(Path.of("/proc/" + host + "/status")).stream()
            .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        String[] f = nspid.substring(6).strip().split("\\s+");
        assertEquals(inside, f[f.length - 1], nspid);
        assertEquals(Long.toString(host), f[0]);
        Jbox.Result top = d.jbox("top", id);
        final long h = host;
        assertTrue(top.out().lines().anyMatch(l -> l.matches(inside + " +" + h + " +root +sleep 3000")), top.out());
        assertTrue(top.out().lines().anyMatch(l -> l.matches("1 +" + pid1 + " +root +sleep 1000")), top.out());
      } finally {
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  @Test
  void exec_appliesTheSandboxsRules_andPassesExitStatus() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start(List.of("--cap-drop", "all", "-e", "FOO=bar"), "exec sleep 1000");
      String s = sh(d, id, "grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status; echo FOO=$FOO");
      assertTrue(s.contains("CapBnd:\t0000000000000000"), s);
      assertTrue(s.contains("NoNewPrivs:\t1"), s);
      assertTrue(s.contains("Seccomp:\t2"), s);
      assertTrue(s.contains("FOO=bar"), s);
      assertEquals("65534 /tmp\n", d.jbox("exec", "-u", "nobody", "-w", "/tmp", "-e", "X=1", id, "sh", "-c", "echo $(id -u) $(pwd)").out());
      assertEquals(7, d.jbox("exec", id, "sh", "-c", "exit 7").code());
      assertEquals(127, d.jbox("exec", id, "no-such-command").code());
      assertEquals(128 + 9, d.jbox("exec", id, "sh", "-c", "kill -9 $$").code());
    }
  }

  @Test
  void exec_leaksNoFdAndNoHostDirectory() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start("exec sleep 1000");
      // only 0, 1, 2 and the fd ls itself opens for the directory
      String fds = sh(d, id, "ls /proc/self/fd | sort -n | tr '\\n' ' '");
      assertEquals("0 1 2 3 ", fds);
      assertEquals("/\n", sh(d, id, "readlink /proc/self/cwd"));
      assertEquals("/\n", sh(d, id, "readlink /proc/self/root"));
      // the process that entered is not visible inside (it stays outside the pid namespace)
      String ps = sh(d, id, "ps -o pid,comm");
      assertTrue(!ps.contains("jbox"), ps);
    }
  }

  @Test
  void anAtWord_isPassedAsItIs_notReplacedByTheFilesWords() throws Exception {
    // picocli replaced @FILE by FILE's words (podman and runc do not): the JVM's exec, inspect
    // (a sandbox "named" by a file holding its id) and jbox-oci
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start("exec sleep 1000");
      Path words = Files.writeString(tmp.resolve("at-words"), "secret words\n");
      Path idFile = Files.writeString(tmp.resolve("at-id"), id + "\n");
      for (boolean jvm : new boolean[] {true, false}) {
        Map<String, String> env = new java.util.HashMap<>(d.env());
        if (jvm) env.put("JBOX_EXEC_NO_FAST", "1");
        Jbox.Result r = Jbox.run(List.of("exec", id, "echo", "@" + words, "@" + idFile), env);
        assertEquals(0, r.code(), r.toString());
        assertEquals("@" + words + " @" + idFile + "\n", r.out(), "jvm=" + jvm);
      }
      for (List<String> cmd : List.of(List.of("inspect", "@" + idFile), List.of("stop", "@" + idFile), List.of("ps", "@" + idFile))) {
        Jbox.Result r = d.jbox(cmd);
        assertEquals(125, r.code(), cmd + ": " + r);
        assertTrue(r.err().contains("@" + idFile) && !r.err().contains(id.substring(0, 12)), cmd + ": " + r);
        assertEquals(1, r.err().lines().count(), r.toString());
      }
      assertEquals("running", d.jbox("inspect", "--format", "{{.State.Status}}", id).out().strip());
    }
  }

  @Test
  void execFromInsideASandbox_intoASibling_isImpossible() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String b = d.start("exec sleep 1000");
      long bpid = d.stateField(b, "pid");
      String a = d.start("exec sleep 1000");
      Jbox.Result r = d.jbox("exec", a, "sh", "-c",
          "ls /proc/" + bpid + "/ns 2>&1 >/dev/null && echo visible; nsenter -t " + bpid + " -n -u true 2>/dev/null && echo joined; "
              + "nsenter --net=/proc/" + bpid + "/ns/net true 2>/dev/null && echo joined-by-path; echo done");
      assertEquals(0, r.code(), r.toString());
      assertTrue(!r.out().contains("visible") || !r.out().contains("\nvisible"), r.out());
      assertTrue(!r.out().contains("joined"), r.out());
      assertTrue(r.out().endsWith("done\n"), r.out());
      assertNotEquals(Files.readSymbolicLink(Path.of("/proc/" + bpid + "/ns/net")).toString(),
          sh(d, a, "readlink /proc/self/ns/net").strip());
    }
  }

  @Test
  void execIt_givesATerminalFromTheSandboxsDevpts_resizesAndPassesStatus() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start("exec sleep 1000");
      long pid = d.stateField(id, "pid");
      Path drv = tmp.resolve("exec-ptydriver.py");
      Files.writeString(drv, TerminalTest.DRIVER);
      ProcessBuilder jb = Jbox.builder(List.of("exec", "-it", id, "sh"));
      List<String> cmd = new java.util.ArrayList<>(List.of("python3", drv.toString(), "tty; stty size; echo SIZE$((0+1))"));
      cmd.addAll(jb.command());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(jb.environment());
      pb.environment().putAll(d.env());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(out.contains("/dev/pts/0"), "a pty of the sandbox's devpts: " + out);
      assertTrue(out.contains("33 111") && out.contains("44 122"), "window size and SIGWINCH: " + out);
      assertTrue(out.contains("STATUS 3"), out);
      // the pty belongs to the sandbox's devpts instance, not the host's
      assertTrue(Files.exists(Path.of("/proc/" + pid)), "the sandbox still runs");
    }
  }
}
