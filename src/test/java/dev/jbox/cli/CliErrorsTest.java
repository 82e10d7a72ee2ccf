package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Errors a podman user can act on: one line, exit 125, nothing on stdout. */
class CliErrorsTest {
  record Result(int status, String out, String err) {}

  static Result jbox(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int s = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(s, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void unknownCommand_saysSo_withOrWithoutHelpAfterIt() {
    for (List<String> args : List.of(List.of("foo"), List.of("push", "--help"), List.of("push", "-h"), List.of("foo", "bar", "--version"))) {
      Result r = jbox(args.toArray(String[]::new));
      assertEquals(new Result(125, "", "jbox: unknown command `" + args.get(0) + "` (see jbox --help)\n"), r, args.toString());
    }
  }

  @Test
  void knownCommandsAndTopLevelHelp_stillWork() {
    Result help = jbox("--help");
    assertEquals(0, help.status());
    assertTrue(help.out().startsWith("Usage: jbox"), help.out());
    Result images = jbox("images", "--help");
    assertEquals(0, images.status());
    assertTrue(images.out().startsWith("Usage: jbox images"), images.out());
    Result bogus = jbox("--bogus");
    assertEquals(125, bogus.status());
    assertFalse(bogus.err().contains("Unmatched"), bogus.err());
  }

  @Test
  void runDashH_isTheHostname_asInPodman() {
    RunOptions o = RunOptions.parse(new String[] {"-h", "myhost", "--rootfs", "/r", "hostname"});
    assertEquals("myhost", o.value("hostname"));
    assertFalse(o.flag("help"));
    assertEquals(List.of("hostname"), o.command);
    assertEquals("box", RunOptions.parse(new String[] {"-hbox", "img"}).value("hostname"));
    assertTrue(RunOptions.parse(new String[] {"--help"}).flag("help"));
    JboxException e = assertThrows(JboxException.class, () -> RunOptions.parse(new String[] {"-h"}));
    assertTrue(e.getMessage().contains("`-h` needs a value"), e.getMessage());
  }
}
