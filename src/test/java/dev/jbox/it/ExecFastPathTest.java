package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Planned;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox exec` without a JVM (helpers/exec_fast.c): the launcher parses the common forms, finds the
 * sandbox and completes the exec template the store wrote beside its record. A differential test
 * runs every form both ways (JBOX_EXEC_NO_FAST=1 is the JVM's path) with JBOX_DEBUG_PLAN_FILE and
 * compares the plan bytes, exit code and error; the common forms must take the fast path (no
 * java-main phase in JBOX_TRACE). Then the behaviour of the fast path on a real sandbox, as users
 * call it: from bash with extra descriptors open, stdin through a pipe, a real pty.
 */
class ExecFastPathTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  /** One jbox command with JBOX_TRACE; the plan it would run (null: none) when dump is set. */
  static Planned jbox(Map<String, String> env, List<String> args, boolean jvm, boolean dump) throws Exception {
    return FastPath.of("exec").planned(tmp, env, jvm, dump, e -> Jbox.run(args, e));
  }

  static List<String> exec(String... words) {
    List<String> a = new ArrayList<>(List.of("exec"));
    a.addAll(List.of(words));
    return a;
  }

  @Test
  void everyForm_parsesAndPlansAsPicocliDoes_andTheCommonFormsStartNoJvm() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      List<String> run = new ArrayList<>(List.of("run", "-d", "--name", "dx", "-e", "FOO=rec", "-w", "/srv", "--rootfs",
          rootfs.toString(), "sh", "-c", "exec sleep 1000"));
      Jbox.Result r = Jbox.run(run, env);
      assertEquals(0, r.code(), r.toString());
      String id = r.out().strip();
      assertTrue(Files.exists(d.dir(id).resolve("exec.plan")), "the store wrote the exec template beside the record");
      String n = "dx";
      List<List<String>> fast = List.of(
          exec(n, "true"), exec(id.substring(0, 12), "sh", "-c", "exit 3"), exec(id, "true"), exec(id.substring(0, 1), "true"),
          exec("-i", n, "cat"), exec("-t", n, "sh"), exec("-it", n, "sh"), exec("-ti", n, "sh"),
          exec("--interactive", "--tty", n, "x"), exec("-e", "K=V", n, "env"), exec("-eK=V", n, "env"),
          exec("--env=K=V", n, "env"), exec("--env", "K=V", n, "env"), exec("-e", "FOO=over", "-e", "A=1", n, "env"),
          exec("-e", "FROMENV", n, "env"), exec("-e", "NOT_SET_ANYWHERE", n, "env"), exec("-e", "K=", n, "env"),
          exec("-e", "K=café ☕", n, "x"), exec("-w", "/tmp", n, "pwd"), exec("-w/tmp", n, "pwd"),
          exec("--workdir=/tmp", n, "pwd"), exec("--workdir", "/tmp", n, "pwd"), exec("-u", "1000", n, "id"),
          exec("-u", "1:2", n, "id"), exec("-u", "nobody", n, "id"), exec("--user=0", n, "id"), exec("-u1", n, "id"),
          exec("--user", "1", "-u", "2", n, "id"), exec("-w", "/a", "-w", "/b", n, "pwd"), exec("-ie", "K=V", n, "x"),
          exec("-tu", "1", n, "x"), exec(n, "-i", "x"), exec(n, "ls", "-l", "--", "x"), exec("-t", "-e", "TERM=vt100", n, "x"),
          exec("-it", "-e", "K=V", "-w", "/tmp", "-u", "1:2", n, "sh", "-c", "echo hi"), exec(n, ""),
          exec(n, "echo", "@" + rootfs.resolve("etc/passwd")), exec(n, "echo", "@/no/such/file"));
      List<List<String>> other = List.of(
          exec(n), exec(), exec("-x", n, "true"), exec("-e", "=x", n, "true"), exec("-w", "rel", n, "true"),
          exec("-u", "", n, "true"), exec("nosuch", "true"), exec("--preserve-fds", "0", n, "true"),
          exec("--tty=true", n, "true"), exec("-e=K=V", n, "true"), exec("--", n, "true"), exec(n, "--", "true"),
          exec("-e", "-i", n, "true"), exec("", "true"), exec("-i"), exec("--help"), exec("-e", "JBOX_HOME", n, "env"),
          exec("fffffffffffff", "true"), exec("DX", "true"));
      for (List<String> a : fast) {
        Planned f = jbox(env, a, false, true);
        Planned j = jbox(env, a, true, true);
        assertTrue(f.fast(), "no JVM for " + a + ": " + f);
        assertFalse(j.fast(), a.toString());
        assertEquals(j.code(), f.code(), a + ": " + f.err() + " / " + j.err());
        assertEquals(0, f.code(), a + ": " + f.err());
        assertTrue(j.plan() != null && f.plan() != null, a.toString());
        assertArrayEquals(j.plan(), f.plan(), "the plan of " + a);
      }
      for (List<String> a : other) {
        Planned f = jbox(env, a, false, true);
        Planned j = jbox(env, a, true, true);
        assertEquals(j.code(), f.code(), a + ": " + f.err() + " / " + j.err());
        assertEquals(j.err(), f.err(), a.toString());
        assertEquals(j.out(), f.out(), a.toString());
        if (j.plan() == null) assertEquals(null, f.plan(), a.toString());
        else assertArrayEquals(j.plan(), f.plan(), "the plan of " + a);
      }
    }
  }

  @Test
  void fastExec_behavesAsTheJvmPath_envWorkdirUserStatusCapabilitiesSeccomp() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", "bx", "--cap-drop", "all", "--cap-add", "chown", "-e", "FOO=rec",
          "--rootfs", rootfs.toString(), "sh", "-c", "exec sleep 1000"), env);
      assertEquals(0, r.code(), r.toString());
      String script = "id; pwd; env | sort; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; exit 7";
      List<String> a = exec("-e", "X=1", "-e", "FOO=call", "-w", "/tmp", "-u", "1:2", "bx", "sh", "-c", script);
      Planned f = jbox(env, a, false, false);
      Planned j = jbox(env, a, true, false);
      assertTrue(f.fast() && !j.fast(), f.toString());
      assertEquals(7, f.code(), f.toString());
      assertEquals(j.code(), f.code());
      assertEquals(j.out(), f.out());
      assertTrue(f.out().startsWith("uid=1 gid=2"), f.out());
      assertTrue(f.out().contains("\n/tmp\n") && f.out().contains("FOO=call\n") && f.out().contains("X=1\n"), f.out());
      assertTrue(f.out().contains("CapBnd:\t0000000000000001") && f.out().contains("NoNewPrivs:\t1")
          && f.out().contains("Seccomp:\t2"), f.out());
      // the record's environment and working directory, by id prefix
      Planned rec = jbox(env, exec(r.out().strip().substring(0, 6), "sh", "-c", "echo $FOO; pwd; exit 0"), false, false);
      assertTrue(rec.fast(), rec.toString());
      assertEquals("rec\n/\n", rec.out());
      assertEquals(127, jbox(env, exec("bx", "no-such-command"), false, false).code());
      assertEquals(128 + 9, jbox(env, exec("bx", "sh", "-c", "kill -9 $$"), false, false).code());
    }
  }

  /** bash -c SCRIPT with jbox on PATH as `jbox` and env; stdout, with stderr's trace lines checked. */
  static String bash(Map<String, String> env, String script) throws Exception {
    ProcessBuilder jb = Jbox.builder(List.of());
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "jbox() { \"$JBOX\" \"$@\"; }; " + script);
    pb.environment().putAll(jb.environment());
    pb.environment().putAll(env);
    pb.environment().put("JBOX", jb.command().get(0));
    pb.environment().put("JBOX_TRACE", "1");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Jbox.Result r = Jbox.collect(pb, "bash -c " + script, 60);
    String e = r.err();
    assertTrue(e.contains("jbox-trace exec-fast") && !e.contains("java-main"), "took the fast path: " + e);
    return r.out();
  }

  @Test
  void fastExec_fromAShellWithDescriptorsOpen_passesStdinWithDashI_andLeaksNoDescriptor() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      String id = d.start("exec sleep 1000");
      assertEquals(0, Jbox.run(List.of("rename", id, "sx"), env).code(), "the template follows the new name");
      assertEquals("piped\n", bash(env, "printf 'piped\\n' | jbox exec -i sx cat"));
      assertEquals("", bash(env, "printf 'piped\\n' | jbox exec sx cat"), "stdin is /dev/null without -i");
      String fds = bash(env, "exec 7</etc/hostname 9<>" + tmp.resolve("fd9") + " 12<.; jbox exec " + id.substring(0, 8)
          + " sh -c 'ls /proc/self/fd | sort -n | tr \"\\n\" \" \"; readlink /proc/self/cwd; readlink /proc/self/root'");
      assertEquals("0 1 2 3 /\n/\n", fds);
    }
  }

  @Test
  void fastExecIt_givesAPtyOfTheSandbox_andPassesTheStatus() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      String id = d.start("exec sleep 1000");
      Path drv = tmp.resolve("fast-ptydriver.py");
      Files.writeString(drv, TerminalTest.DRIVER);
      Map<String, String> e = new HashMap<>(env);
      e.put("JBOX_TRACE", "1");
      String out = ShellPty.run(List.of(drv.toString(), "tty; stty size; echo SIZE$((0+1))"), List.of("exec", "-it", id.substring(0, 10), "sh"),
          null, e);
      assertTrue(out.contains("jbox-trace exec-fast") && !out.contains("java-main"), "the fast path: " + out);
      assertTrue(out.contains("/dev/pts/0"), "a pty of the sandbox's devpts: " + out);
      assertTrue(out.contains("33 111") && out.contains("44 122"), "window size and SIGWINCH: " + out);
      assertTrue(out.contains("STATUS 3"), out);
    }
  }

  @Test
  void aRecordOfAnOlderJboxWithoutTemplate_isExecdByTheJvmOnce_andHidesNoOtherSandbox() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      List<String> ids = new ArrayList<>();
      for (String name : List.of("old", "young")) {
        Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", name, "--rootfs", rootfs.toString(), "sh", "-c", "exec sleep 1000"), env);
        assertEquals(0, r.code(), r.toString());
        ids.add(r.out().strip());
      }
      Path template = d.dir(ids.get(0)).resolve("exec.plan");
      Files.delete(template);
      Planned young = jbox(env, exec("young", "true"), false, false);
      assertTrue(young.fast() && young.code() == 0, "the other record's name read from its config.json: " + young);
      Planned old = jbox(env, exec("old", "true"), false, false);
      assertTrue(!old.fast() && old.code() == 0, old.toString());
      assertTrue(Files.exists(template), "the JVM's exec wrote the template");
      Planned again = jbox(env, exec("old", "true"), false, false);
      assertTrue(again.fast() && again.code() == 0, again.toString());
    }
  }

  /**
   * A variable that gives the JVM options sends exec to the JVM, as it sends a shell join: the JVM
   * they configure is not the one the fast path matches (-Dfile.encoding=ISO-8859-1 decodes the
   * caller's "café" of `-e NAME` into other characters; the JDK says "Picked up ..." on stderr),
   * and whoever sets them wants that JVM (-Xlog, a debugger). With each set, both ways give the
   * same plan, status and stderr, and no fast path is taken.
   */
  @Test
  void jvmOptionVariables_sendExecToTheJvm() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", "ox", "--rootfs", rootfs.toString(), "sh", "-c", "exec sleep 1000"), env);
      assertEquals(0, r.code(), r.toString());
      env.put("CAFE", "café");
      List<String> a = exec("-e", "CAFE", "ox", "true");
      Planned plain = jbox(env, a, false, true);
      assertTrue(plain.fast() && plain.code() == 0, "without them the fast path: " + plain);
      for (String var : List.of("JBOX_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
        Map<String, String> with = new HashMap<>(env);
        with.put(var, "-Dfile.encoding=ISO-8859-1");
        Planned f = jbox(with, a, false, true);
        Planned j = jbox(with, a, true, true);
        assertFalse(f.fast(), var + " set: " + f);
        assertEquals(j.code(), f.code(), var + ": " + f.err() + " / " + j.err());
        assertEquals(j.err(), f.err(), var);
        assertTrue(j.plan() != null && f.plan() != null, var);
        assertArrayEquals(j.plan(), f.plan(), var + ": the plan");
      }
    }
  }

  @Test
  void stoppedOrUnknownSandbox_theSameOneLineErrorAsBefore() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", "gone", "--rootfs", rootfs.toString(), "sh", "-c",
          "exec sleep 1000"), env);
      assertEquals(0, r.code(), r.toString());
      assertEquals(0, Jbox.run(List.of("stop", "-t", "1", "gone"), env).code());
      for (List<String> a : List.of(exec("gone", "true"), exec("-it", "gone", "sh"), exec("nosuch", "true"))) {
        Planned f = jbox(env, a, false, false);
        Planned j = jbox(env, a, true, false);
        assertEquals(125, f.code(), f.toString());
        assertEquals(j.err(), f.err());
        assertEquals(1, f.err().lines().count(), f.err());
      }
      assertEquals("jbox: exec: sandbox gone is not running\n", jbox(env, exec("gone", "true"), false, false).err());
    }
  }
}
