package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Answer;
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
 * `jbox top SANDBOX` without a JVM (helpers/read_fast.c) against the JVM (JBOX_TOP_NO_FAST=1), as
 * the unprivileged account, on real running sandboxes whose processes stay put between the two
 * calls: several processes, a command line with a tab and a control character (escaped), a
 * process of another user inside (named from the sandbox's /etc/passwd, or a number), found by
 * name and by id prefix. The launcher's answer must be the JVM's bytes and must have started no
 * JVM (a top-fast phase, no java-main); every other form (descriptors, options, a sandbox not
 * running or not found) must reach the JVM and answer as it does.
 */
class TopFastPathTest {
  static final FastPath TOP = FastPath.of("top");
  @TempDir static Path tmp;
  static Path rootfs;
  static FastPathStores stores;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    stores = new FastPathStores(tmp);
    rootfs = Jbox.rootfs(tmp);
  }

  /** The same answer both ways. */
  static Answer same(Map<String, String> env, List<String> args) {
    return TOP.same(env, args);
  }

  static void awaitProcesses(Map<String, String> env, String name, int n) throws Exception {
    for (int i = 0; i < 200; i++) {
      Jbox.Result r = Jbox.run(List.of("top", name), env);
      if (r.code() == 0 && r.out().lines().count() >= n + 1) return;
      Thread.sleep(50);
    }
    throw new AssertionError(name + " did not start its " + n + " processes");
  }

  @Test
  void top_printsTheJvmsTable_andEveryOtherFormGoesToTheJvm() throws Exception {
    Path base = stores.newStore("top");
    Map<String, String> env = FastPathStores.env(base);
    List<String> names = new ArrayList<>();
    Process execU = null;
    try {
      // three processes, arguments with a tab and a control character; one of them as uid 1000
      Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", "top1", "--network=none", "--rootfs", rootfs.toString(), "sh", "-c",
          "sleep 1000 & sleep 1001 & wait", "a\tb", "\u0001x"), env);
      assertEquals(0, r.code(), r.toString());
      names.add("top1");
      String id = r.out().strip();
      r = Jbox.run(List.of("run", "-d", "--name", "top2", "--network=none", "--rootfs", rootfs.toString(), "sleep", "1002"), env);
      assertEquals(0, r.code(), r.toString());
      names.add("top2");
      // a process of uid 1000 inside, joined by exec (running until the sandbox goes)
      ProcessBuilder pb = Jbox.builder(List.of("exec", "-u", "1000", "top2", "sleep", "1003"));
      pb.environment().putAll(env);
      pb.redirectErrorStream(true).redirectOutput(tmp.resolve("exec-u.log").toFile());
      execU = pb.start();
      r = Jbox.run(List.of("create", "--name", "created1", "--network=none", "--rootfs", rootfs.toString(), "true"), env);
      assertEquals(0, r.code(), r.toString());
      names.add("created1");
      awaitProcesses(env, "top1", 3);
      awaitProcesses(env, "top2", 2);
      assertTrue(execU.isAlive(), Files.readString(tmp.resolve("exec-u.log")));

      for (List<String> a : List.of(List.of("top", "top1"), List.of("top", id.substring(0, 12)), List.of("top", id), List.of("top", "top2"))) {
        Answer o = same(env, a);
        assertTrue(o.fast(), "no JVM for " + a + ": " + o);
        assertEquals(0, o.code(), o.toString());
      }
      Answer one = same(env, List.of("top", "top1"));
      assertTrue(one.out().startsWith("PID    HOSTPID  USER       COMMAND\n"), one.out());
      assertTrue(one.out().contains("sleep 1000\n") && one.out().contains("sleep 1001\n"), one.out());
      assertTrue(one.out().contains("a\\x09b \\x01x"), one.out());
      Answer two = same(env, List.of("top", "top2"));
      assertTrue(two.out().lines().anyMatch(l -> l.matches("[0-9]+ +[0-9]+ +1000 +sleep 1003|[0-9]+ +[0-9]+ +[a-z_][a-z0-9_-]* +sleep 1003")), two.out());
      // the JVM's: descriptors, options, a created sandbox (not running), an unknown one
      for (List<String> a : List.of(List.of("top", "top1", "pid"), List.of("top", "top1", "user", "args"), List.of("top", "-h"),
          List.of("top", "created1"), List.of("top", "nosuch"), List.of("top"), List.of("top", "--", "top1"))) {
        Answer o = same(env, a);
        assertFalse(o.fast(), "the JVM answers " + a + ": " + o);
      }
      // a JVM option variable asks for the JVM
      Map<String, String> opts = new HashMap<>(env);
      opts.put("JDK_JAVA_OPTIONS", "-Dx=y");
      assertFalse(TOP.answer(opts, List.of("top", "top1"), false).fast());
      assertTrue(Files.isDirectory(base));
    } finally {
      for (String n : names) Jbox.run(List.of("rm", "-f", n), env);
      if (execU != null) execU.destroyForcibly();
    }
  }
}
