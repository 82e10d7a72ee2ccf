package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Outcome;
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
 * `jbox kill` without a JVM (helpers/kill_fast.c): every form runs both ways (JBOX_KILL_NO_FAST=1
 * is the JVM's path) on a real detached sandbox whose pid 1 traps the signals into a file; the
 * usual forms must take the fast path (a kill-fast phase and no java-main in JBOX_TRACE), print
 * and exit as the JVM does and deliver the same signal; every other form (unknown, ambiguous, not
 * running, a restart policy, bad signals, help) goes to the JVM and says the same.
 */
class KillFastPathTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static Outcome jbox(Map<String, String> env, List<String> args, boolean jvm) {
    return FastPath.of("kill").run(env, args, jvm);
  }

  static List<String> kill(String... words) {
    List<String> a = new ArrayList<>(List.of("kill"));
    a.addAll(List.of(words));
    return a;
  }

  /** The lines the sandbox's traps wrote, once there are n of them (or after 10 s). */
  static List<String> awaitLines(Path file, int n) throws Exception {
    for (int i = 0; i < 200; i++) {
      List<String> l = Files.exists(file) ? Files.readAllLines(file) : List.of();
      if (l.size() >= n) return l;
      Thread.sleep(50);
    }
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  static String start(Map<String, String> env, List<String> options, String script) {
    List<String> a = new ArrayList<>(List.of("run", "-d", "--network=none"));
    a.addAll(options);
    a.addAll(List.of("--rootfs", rootfs.toString(), "sh", "-c", script));
    Jbox.Result r = Jbox.run(a, env);
    assertEquals(0, r.code(), r.toString());
    return r.out().strip();
  }

  @Test
  void everyForm_signalsAndAnswersAsTheJvm_andTheUsualFormsStartNoJvm() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path out = Files.createDirectories(tmp.resolve("sigs-" + System.nanoTime()));
      String traps = "for s in HUP USR1 USR2 TERM; do trap \"echo $s >> /out/sigs\" $s; done; touch /out/ready; "
          + "while :; do sleep 0.1; done";
      List<String> names = new ArrayList<>();
      try {
        String id = start(env, List.of("--name", "kx", "-v", out + ":/out"), traps);
        names.add("kx");
        for (int i = 0; i < 200 && !Files.exists(out.resolve("ready")); i++) Thread.sleep(50);
        assertTrue(Files.exists(out.resolve("ready")), "the traps are set");
        Path sigs = out.resolve("sigs");
        // each usual form both ways: the same answer, and the same signal delivered once each time
        // {the line, the signal the traps see, the sandbox as given (what kill prints)}
        List<Object[]> forms = List.of(
            new Object[] {kill("-s", "HUP", "kx"), "HUP", "kx"},
            new Object[] {kill("--signal=USR1", id.substring(0, 12)), "USR1", id.substring(0, 12)},
            new Object[] {kill("--signal", "usr2", id), "USR2", id}, new Object[] {kill("-s", "1", "kx"), "HUP", "kx"},
            new Object[] {kill("-s", "SIGTERM", "kx"), "TERM", "kx"}, new Object[] {kill("kx", "-s", "10"), "USR1", "kx"},
            new Object[] {kill("-s", "KILL", "-s", "sigusr2", id.substring(0, 1)), "USR2", id.substring(0, 1)});
        int lines = 0;
        for (Object[] f : forms) {
          @SuppressWarnings("unchecked")
          List<String> a = (List<String>) f[0];
          for (boolean jvm : new boolean[] {false, true}) {
            Outcome o = jbox(env, a, jvm);
            assertEquals(!jvm, o.fast(), (jvm ? "the JVM's path: " : "no JVM for ") + a + ": " + o);
            assertEquals(0, o.code(), a + ": " + o);
            assertEquals(f[2] + "\n", o.out(), a.toString());
            assertEquals("", o.err(), a.toString());
            List<String> got = awaitLines(sigs, ++lines);
            assertEquals(lines, got.size(), a + " delivered once: " + got);
            assertEquals(f[1], got.get(lines - 1), a.toString());
          }
        }
        // a JVM option variable asks for the JVM, as it does for exec and a shell's join
        for (String var : List.of("JBOX_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
          Map<String, String> withOpts = new HashMap<>(env);
          withOpts.put(var, "-Dx=y");
          Outcome o = jbox(withOpts, kill("-s", "HUP", "kx"), false);
          assertFalse(o.fast(), var + ": " + o);
          assertEquals(0, o.code(), var + ": " + o);
          assertEquals("HUP", awaitLines(sigs, ++lines).get(lines - 1), var);
        }

        // an ended sandbox, one with a restart policy, and every other form: the JVM's answer
        String ended = start(env, List.of("--name", "kended"), "true");
        names.add("kended");
        for (int i = 0; i < 200 && !Jbox.run(List.of("ps", "-a", "--format", "{{.Names}} {{.Status}}"), env).out()
            .contains("kended Exited"); i++) {
          Thread.sleep(50);
        }
        Path out2 = Files.createDirectories(tmp.resolve("sigs2-" + System.nanoTime()));
        start(env, List.of("--name", "krestart", "--restart=always", "-v", out2 + ":/out"), traps);
        names.add("krestart");
        for (int i = 0; i < 200 && !Files.exists(out2.resolve("ready")); i++) Thread.sleep(50);
        for (List<String> a : List.of(kill("nosuch"), kill("kended"), kill(ended.substring(0, 12)), kill("-s", "bogus", "kx"),
            kill("-s", "0", "kx"), kill("-s", "65", "kx"), kill("-s", "+1", "kx"), kill("-s"), kill(), kill("KX"),
            kill("nosuch", "other"), kill("--", "nosuch"), kill("-x", "kx"), kill("@f"), kill("-s", "HUP", "krestart"))) {
          Outcome f = jbox(env, a, false);
          // (the restart sandbox's shell runs a trap once a `sleep 0.1` ends: two HUPs within one
          // sleep are one trap, so the second goes once the first has been written)
          if (a.contains("krestart")) awaitLines(out2.resolve("sigs"), 1);
          Outcome j = jbox(env, a, true);
          assertFalse(f.fast(), "the JVM decides " + a + ": " + f);
          assertEquals(j, new Outcome(f.code(), f.out(), f.err(), j.fast()), a.toString());
        }
        // the restart sandbox got its HUP from the JVM both times (it holds its restarts first)
        assertEquals(List.of("HUP", "HUP"), awaitLines(out2.resolve("sigs"), 2));

        // the default signal, KILL, on the fast path: the sandbox ends
        Outcome k = jbox(env, kill("kx"), false);
        assertTrue(k.fast() && k.code() == 0 && k.out().equals("kx\n"), k.toString());
        boolean exited = false;
        for (int i = 0; i < 200 && !exited; i++) {
          exited = Jbox.run(List.of("ps", "-a", "--format", "{{.Names}} {{.Status}}"), env).out().contains("kx Exited");
          if (!exited) Thread.sleep(50);
        }
        assertTrue(exited, "kx ended after SIGKILL");
        Outcome again = jbox(env, kill("kx"), false);
        assertFalse(again.fast(), again.toString());
        assertEquals(125, again.code(), again.toString());
        assertEquals("jbox: sandbox kx is not running\n", again.err());
      } finally {
        for (String n : names) Jbox.run(List.of("rm", "-f", n), env);
      }
    }
  }
}
