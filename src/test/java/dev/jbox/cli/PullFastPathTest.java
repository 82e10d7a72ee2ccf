package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code jbox pull}'s picocli-free path leaves every unusual command line to picocli. */
class PullFastPathTest {
  @Test
  void helpMissingOrExtraImagesUnknownOptionsAndSpacedBooleans_goToPicocli() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream s = new PrintStream(buf, true, StandardCharsets.UTF_8);
    for (String[] a : new String[][] {
        {"pull"}, {"pull", "--help"}, {"pull", "-h"}, {"pull", "-V"}, {"pull", "a", "b"}, {"pull", "--bogus", "a"},
        {"pull", "-qx", "a"}, {"pull", "--platform", "a"}, {"pull", "--platform", "-q", "a"}, {"pull", "--tls-verify", "false", "a"},
        {"pull", "--tls-verify=maybe", "a"}, {"pull", "--platform=", "a"}, {"pull", ""}}) {
      assertNull(PullCommand.fast(a, s, s), String.join(" ", a));
    }
    assertEquals("", buf.toString(StandardCharsets.UTF_8), "nothing printed, nothing done");
  }

  @Test
  void theSameErrorsAsBefore_throughMain() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(125, Main.run(new String[] {"pull", "--bogus", "x"}, o, e));
    assertEquals("jbox: Unknown option: '--bogus'\n", err.toString(StandardCharsets.UTF_8));
  }
}
