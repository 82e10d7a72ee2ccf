package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One of the launcher's fast paths under test, and a jbox command run through it and through the
 * JVM: {@code phase} is the JBOX_TRACE stamp the launcher's own answer leaves, {@code off} the
 * variable that sends the command to the JVM. {@code handsOver}: a traced phase is not checked
 * against a JVM's stamp (the launcher may hand a wait it began to the JVM; the inspect tests' runners
 * never checked it); otherwise a traced phase with a JVM fails the test. {@code jvmStamped}: the
 * answer with {@code off} set must carry the JVM's java-main stamp.
 */
record FastPath(String phase, String off, boolean handsOver, boolean jvmStamped) {
  /** COMMAND's fast path: the phase COMMAND-fast, JBOX_COMMAND_NO_FAST. */
  static FastPath of(String command) {
    return new FastPath(command + "-fast", "JBOX_" + command.toUpperCase(Locale.ROOT) + "_NO_FAST", false, false);
  }

  /** A command of helpers/change_fast.c (rm, stop, rename, tag, rmi, volume create and rm): JBOX_CHANGE_NO_FAST. */
  static FastPath change(String phase) {
    return new FastPath(phase, "JBOX_CHANGE_NO_FAST", false, false);
  }

  /** The same, and the answer with the switch set must carry the JVM's java-main stamp. */
  FastPath stamped() {
    return new FastPath(phase, off, handsOver, true);
  }

  /** The same, with a traced phase not checked against a JVM's stamp. */
  FastPath handingOver() {
    return new FastPath(phase, off, true, jvmStamped);
  }

  /** What a command answered, and whether the launcher answered it (its phase was traced). */
  record Outcome(int code, String out, String err, boolean fast) {}

  /** What a command answered; fast: the launcher's phase was traced; jvm: a JVM started (both: handed over). */
  record Answer(int code, String out, String err, boolean fast, boolean jvm) {
    /** The launcher alone answered. */
    boolean alone() {
      return fast && !jvm;
    }
  }

  /** What a command answered, whether the launcher answered it, and the plan it would have run (null: none dumped). */
  record Planned(int code, String out, String err, boolean fast, byte[] plan) {}

  /**
   * One jbox command, started by {@code run} with the variables to add to its environment: vars,
   * JBOX_TRACE (and {@code off} when jvm); with dump also JBOX_DEBUG_PLAN_FILE, a file in dir
   * whose bytes are returned and which is removed.
   */
  Planned planned(Path dir, Map<String, String> vars, boolean jvm, boolean dump, Function<Map<String, String>, Jbox.Result> run)
      throws IOException {
    Map<String, String> e = new HashMap<>(vars);
    e.put("JBOX_TRACE", "1");
    if (jvm) e.put(off, "1");
    Path plan = dir.resolve("plan-" + System.nanoTime());
    if (dump) e.put("JBOX_DEBUG_PLAN_FILE", plan.toString());
    Jbox.Result r = run.apply(e);
    boolean fast = r.err().contains("jbox-trace " + phase + " ");
    if (fast && !handsOver) assertFalse(r.err().contains("jbox-trace java-main "), "the fast path started a JVM: " + r);
    byte[] bytes = Files.exists(plan) ? Files.readAllBytes(plan) : null;
    Files.deleteIfExists(plan);
    return new Planned(r.code(), r.out(), Jbox.withoutTrace(r.err()), fast, bytes);
  }

  /** One jbox command with JBOX_TRACE (and with {@code off} when jvm), its stamps out of stderr. */
  Answer answer(Map<String, String> env, List<String> args, boolean jvm) {
    Map<String, String> e = new HashMap<>(env);
    e.put("JBOX_TRACE", "1");
    if (jvm) e.put(off, "1");
    Jbox.Result r = Jbox.run(args, e);
    boolean fast = r.err().contains("jbox-trace " + phase + " ");
    boolean java = r.err().contains("jbox-trace java-main ");
    if (fast && !handsOver) assertFalse(java, "the fast path started a JVM: " + r);
    return new Answer(r.code(), r.out(), Jbox.withoutTrace(r.err()), fast, java);
  }

  /** As {@link #answer}, without whether a JVM started. */
  Outcome run(Map<String, String> env, List<String> args, boolean jvm) {
    Answer a = answer(env, args, jvm);
    return new Outcome(a.code(), a.out(), a.err(), a.fast());
  }

  /**
   * The launcher's answer, then the JVM's (with {@code off}): the JVM's must not be the launcher's,
   * and both must have the same exit code, stdout and stderr. Returns the launcher's.
   */
  Answer same(Map<String, String> env, List<String> args) {
    Answer f = answer(env, args, false);
    Answer j = answer(env, args, true);
    assertTrue((j.jvm() || !jvmStamped) && !j.fast(), off + "=1 runs the JVM: " + j);
    assertEquals(j.code(), f.code(), args + "\n" + f + "\n" + j);
    assertEquals(j.out(), f.out(), args.toString());
    assertEquals(j.err(), f.err(), args.toString());
    return f;
  }
}
