package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher answers --help and --version from text the build wrote (HelpText into
 * target/help): the files are exactly what the JVM prints, cover every command, and the launcher
 * prints them without a JVM (JAVA_HOME pointing nowhere) while everything else still needs one.
 */
class HelpTextTest {
  static final Path HELP = Jbox.source().resolve("target/help");

  @Test
  void everyFile_isWhatTheJvmPrints_andEveryCommandHasOne() throws Exception {
    List<String> expected = new ArrayList<>();
    for (List<String> line : HelpText.lines()) {
      Path f = HELP.resolve(HelpText.fileName(line));
      assertTrue(Files.isRegularFile(f), f + " (built by the help-text step of pom.xml)");
      byte[] jvm = HelpText.answer(line);
      assertTrue(jvm != null && jvm.length > 0, line.toString());
      assertArrayEquals(jvm, Files.readAllBytes(f), "jbox " + String.join(" ", line));
      expected.add(f.getFileName().toString());
    }
    try (var s = Files.list(HELP)) {
      assertEquals(new TreeSet<>(expected), new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()), "no stale files");
    }
    for (String must : List.of("--help.txt", "--version.txt", "images+--help.txt", "run+--help.txt", "image+inspect+--help.txt")) {
      assertTrue(expected.contains(must), must);
    }
    assertTrue(!expected.contains("run+-h.txt"), "run -h is --hostname");
  }

  record Result(int status, String out, String err) {}

  static Result launch(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(Jbox.source().resolve("helpers/build/jbox-helper").toString(), "jbox"));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().clear();
    pb.environment().put("PATH", "/nonexistent");
    pb.environment().put("JAVA_HOME", "/nonexistent"); // no JVM can start
    pb.environment().put("JBOX_CLASSPATH", Jbox.source().resolve("target/classes").toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out, err);
  }

  @Test
  void launcher_answersHelpAndVersionWithoutAJvm() throws Exception {
    for (List<String> line : List.of(List.of("--help"), List.of("-V"), List.of("images", "--help"), List.of("run", "--help"),
        List.of("image", "inspect", "-h"))) {
      Result r = launch(line.toArray(String[]::new));
      assertEquals(new Result(0, Files.readString(HELP.resolve(HelpText.fileName(line))), ""), r, line.toString());
    }
    // anything else starts the JVM, which cannot start here
    for (List<String> line : List.of(List.of("images"), List.of("run", "-h"), List.of("push", "--help"), List.of("images", "--help", "x"))) {
      Result r = launch(line.toArray(String[]::new));
      assertNotEquals(0, r.status(), line + ": " + r);
      assertTrue(r.err().contains("/nonexistent/bin/java"), line + ": " + r);
    }
  }
}
