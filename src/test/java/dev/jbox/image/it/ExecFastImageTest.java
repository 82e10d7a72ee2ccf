package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox exec` without a JVM into a foreground `run --rm --name` image sandbox, whose record and
 * lock file are in the image store (containers/ID): by name and id prefix, the record's
 * environment applied, the exit status passed on, the same plan bytes as the JVM's path; once
 * it has ended, the same error as the JVM's.
 */
class ExecFastImageTest extends ImageRunFixture {
  private static final String SERVE = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  record Outcome(int code, String out, String err, byte[] plan) {}

  private Outcome exec(Home j, boolean jvm, boolean dump, String... args) throws Exception {
    return exec(j, jvm, !jvm, dump, args);
  }

  private Outcome exec(Home j, boolean jvm, boolean expectFast, boolean dump, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("exec"));
    a.addAll(List.of(args));
    ProcessBuilder pb = j.launcher(a).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("JBOX_TRACE", "1");
    if (jvm) pb.environment().put("JBOX_EXEC_NO_FAST", "1");
    Path plan = t.resolve("plan-" + System.nanoTime());
    if (dump) pb.environment().put("JBOX_DEBUG_PLAN_FILE", plan.toString());
    Home.Run r = Home.finish(pb.start());
    boolean fast = r.err().contains("jbox-trace exec-fast ") && !r.err().contains("jbox-trace java-main");
    assertEquals(expectFast, fast, "the fast path " + (expectFast ? "" : "not ") + "taken: " + r);
    String err = dev.jbox.it.Jbox.withoutTrace(r.err());
    byte[] b = Files.exists(plan) ? Files.readAllBytes(plan) : null;
    Files.deleteIfExists(plan);
    return new Outcome(r.status(), r.out(), err, b);
  }

  @SuppressWarnings("unchecked")
  private static String runningId(Home j, String name, Process p) throws Exception {
    for (int i = 0; i < 300; i++) {
      var r = j.run("ps", "--format", "json");
      for (Object o : (List<Object>) Json.parse(r.out())) {
        Map<String, Object> e = (Map<String, Object>) o;
        if (List.of(name).equals(e.get("Names")) && "running".equals(e.get("State"))) return (String) e.get("Id");
      }
      assertTrue(p.isAlive(), "the foreground run ended early");
      Thread.sleep(100);
    }
    throw new AssertionError(name + " never ran");
  }

  @Test
  void foregroundRmNamedImageSandbox_byNameAndPrefix_withoutAJvm() throws Exception {
    Home j = jbox();
    assertEquals(0, j.launch("pull", busybox).status());
    Process p = j.launcher(List.of("run", "--rm", "--name", "fgx", "-e", "FOO=rec", "--network=none", busybox, "sh", "-c", SERVE))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      String id = runningId(j, "fgx", p);
      assertTrue(Files.exists(j.storage.resolve("containers").resolve(id).resolve("exec.plan")));
      Outcome byName = exec(j, false, false, "fgx", "sh", "-c", "echo $FOO; exit 4");
      assertEquals(4, byName.code(), byName.toString());
      assertEquals("rec\n", byName.out());
      Outcome byPrefix = exec(j, false, false, "-e", "A=1", "-w", "/tmp", id.substring(0, 7), "sh", "-c", "echo $A $FOO $(pwd)");
      assertEquals(0, byPrefix.code(), byPrefix.toString());
      assertEquals("1 rec /tmp\n", byPrefix.out());
      String[] form = {"-it", "-e", "FOO=x", "-u", "1:1", "fgx", "sh", "-c", "id"};
      Outcome f = exec(j, false, true, form);
      Outcome v = exec(j, true, true, form);
      assertEquals(0, f.code(), f.toString());
      assertEquals(v.code(), f.code(), v.toString());
      assertArrayEquals(v.plan(), f.plan());
    } finally {
      assertEquals(0, j.launch("stop", "fgx").status());
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    // gone with --rm: the JVM says so, whichever way it was asked
    Outcome f = exec(j, false, false, false, "fgx", "true");
    Outcome v = exec(j, true, false, false, "fgx", "true");
    assertEquals(125, f.code(), f.toString());
    assertEquals(v.err(), f.err());
    assertFalse(f.err().isEmpty());
  }
}
