package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up archives belong to the JVM that made them (scripts/cds writes its stamp beside each,
 * helpers/main.c compares it with the JVM it starts): an archive of another JVM is not used, the
 * command still works, and the launcher makes the archives again in the background
 * ({@code jbox system cds --if-stale}), which the next command uses.
 */
class CdsStampTest {
  @TempDir static Path tmp;
  static Path lib;
  static Path jbox;

  @BeforeAll
  static void installedLayout() throws Exception {
    Jbox.requireRootless();
    lib = Files.createDirectories(tmp.resolve("usr/lib/jbox"));
    Files.copy(Jbox.source().resolve("helpers/build/jbox-helper"), lib.resolve("jbox-helper"));
    lib.resolve("jbox-helper").toFile().setExecutable(true);
    Files.copy(Jbox.source().resolve("scripts/cds"), lib.resolve("cds"));
    lib.resolve("cds").toFile().setExecutable(true);
    LauncherTest.jar(lib.resolve("jbox.jar"));
    Path bin = Files.createDirectories(tmp.resolve("usr/bin"));
    jbox = Files.createSymbolicLink(bin.resolve("jbox"), Path.of("../lib/jbox/jbox-helper"));
  }

  static Jbox.Result jbox(Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(jbox.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    for (String k : List.of("JBOX_HELPER", "JBOX_CLASSPATH", "JBOX_HOME", "JBOX_TRACE", "JBOX_CONFIG", "JBOX_CDS", "JBOX_JAVA_OPTS")) {
      pb.environment().remove(k);
    }
    pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
    pb.environment().put("JBOX_STORAGE", tmp.resolve("store").toString());
    if (log != null) pb.environment().put("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    return new Jbox.Result(p.exitValue(), out, "");
  }

  static boolean fromArchive(Path log, String cls) throws Exception {
    return Files.readAllLines(log).stream().anyMatch(l -> l.contains(" " + cls + " ") && l.contains("shared objects file"));
  }

  @Test
  void anArchiveOfAnotherJvm_isNotUsed_andIsMadeAgainInTheBackground() throws Exception {
    Jbox.Result made = jbox(null, "system", "cds");
    assertEquals(0, made.code(), made.toString());
    Path stamp = lib.resolve("jbox-cli.jsa.jvm");
    String real = Files.readString(stamp).trim();
    assertTrue(real.endsWith(" " + Files.size(Path.of(real.split(" ")[0]))
        + " " + Files.getLastModifiedTime(Path.of(real.split(" ")[0])).toMillis() / 1000), real);
    // (system df starts with jbox-cmds.jsa, whose stamp goes stale with the cli archive's below)
    Path log1 = tmp.resolve("matching.log");
    assertEquals(0, jbox(log1, "system", "df").code());
    assertTrue(fromArchive(log1, "dev.jbox.cli.SystemCommand$Df"), "the matching archive is not used");

    // as after a JVM upgrade: the stamp names another lib/modules
    Files.writeString(stamp, real.replaceFirst(" [0-9]+ ", " 1 ") + "\n");
    Path cmdsStamp = lib.resolve("jbox-cmds.jsa.jvm");
    assertEquals(real, Files.readString(cmdsStamp).trim());
    Files.writeString(cmdsStamp, real.replaceFirst(" [0-9]+ ", " 1 ") + "\n");
    Path log2 = tmp.resolve("stale.log");
    Jbox.Result r = jbox(log2, "system", "df");
    assertEquals(0, r.code(), r.toString());
    assertFalse(fromArchive(log2, "dev.jbox.cli.SystemCommand$Df"), "an archive of another JVM was used");

    // the launcher started `jbox system cds --if-stale` for it: the stamp matches again
    // the builder runs at nice 10: seconds on a quiet machine, minutes when suites of other
    // checkouts keep both cores busy at nice 0 (a helper's suite at load 10 passed 180 s)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (!Files.readString(stamp).trim().equals(real) && System.nanoTime() < deadline) Thread.sleep(500);
    assertEquals(real, Files.readString(stamp).trim(), "the archive was not made again");
    assertEquals(real, Files.readString(cmdsStamp).trim(), "the cmds archive was not made again");
    awaitRegeneration();
    Path log3 = tmp.resolve("again.log");
    assertEquals(0, jbox(log3, "system", "df").code());
    assertTrue(fromArchive(log3, "dev.jbox.cli.SystemCommand$Df"), "the regenerated archive is not used");

    // only run's archive of another JVM (ps starts with it), the others matching: it is made again
    // too (--if-stale once judged by the cli archive alone, and left this one stale for good)
    Path runStamp = lib.resolve("jbox.jsa.jvm");
    assertEquals(real, Files.readString(runStamp).trim());
    Files.writeString(runStamp, real.replaceFirst(" [0-9]+ ", " 1 ") + "\n");
    Path log4 = tmp.resolve("run-stale.log");
    assertEquals(0, jbox(log4, "ps", "--format", "json").code()); // (a form the launcher leaves to the JVM)
    assertFalse(fromArchive(log4, "dev.jbox.cli.PsCommand"), "run's archive of another JVM was used");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (!Files.readString(runStamp).trim().equals(real) && System.nanoTime() < deadline) Thread.sleep(500);
    assertEquals(real, Files.readString(runStamp).trim(), "run's archive was not made again");
    assertEquals(real, Files.readString(stamp).trim());
    awaitRegeneration();
  }

  /**
   * The background builder goes on to the oci archive after the two stamps above match; it holds
   * the cache directory's lock (flock, as helpers/main.c takes it) until it has finished, and the
   * temporary directory cannot be removed while it still writes into lib/.
   */
  @AfterAll
  static void awaitRegeneration() throws Exception {
    Path lock = tmp.resolve("cache/jbox/cds/.lock");
    if (!Files.exists(lock)) return;
    Process p = new ProcessBuilder("flock", "-w", "240", lock.toString(), "true").inheritIO().start();
    assertTrue(p.waitFor(250, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "the background archive builder still holds " + lock);
  }

  @Test
  void doctor_reportsTheArchiveState() throws Exception {
    Jbox.Result r = jbox(null, "doctor", "--format", "json");
    assertTrue(r.out().contains("\"CDS archive\""), r.toString());
  }
}
