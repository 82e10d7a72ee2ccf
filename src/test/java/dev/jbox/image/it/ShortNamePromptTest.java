package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ambiguous short name in enforcing mode: on a real pseudo-terminal (Python's pty module types
 * the answer) jbox asks, pulls the choice and records it; without a terminal the recorded alias
 * is used, and a name without one is an error.
 */
class ShortNamePromptTest {
  static TestRegistry reg;
  static TestImages.Pushed image;

  static final String DRIVER = dev.jbox.it.ShellPty.driver(2, "0.1", List.of("typed = False"),
      "    if not typed and b'Enter a number' in out:",
      "        os.write(fd, sys.argv[1].encode() + b'\\r'); typed = True");

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    reg = new TestRegistry(dir.resolve("reg"), null, null);
    image = TestImages.push(new TestPush(reg), "test/app", "1",
        List.of(new RawTar().file("hello", "hi\n").build()), "gzip", Platform.host());
  }

  @AfterAll
  static void stop() {
    if (reg != null) reg.close();
  }

  @Test
  void enforcing_ttyPromptsAndRecords_thenAliasWithoutTty_unaliasedWithoutTtyFails(@TempDir Path t) throws Exception {
    Home j = new Home(t.resolve("home"), reg.host());
    // the first candidate is a closed port: only the chosen second one can work
    Files.writeString(j.registriesConf, "unqualified-search-registries = [\"127.0.0.1:1\", \"" + reg.host() + "\"]\n"
        + "short-name-mode = \"enforcing\"\n[[registry]]\nlocation = \"" + reg.host() + "\"\ninsecure = true\n");
    Path driver = t.resolve("ptydriver.py");
    Files.writeString(driver, DRIVER);

    ProcessBuilder jb = j.builder("dev.jbox.cli.Main", "pull", "test/app:1");
    List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), "2"));
    cmd.addAll(jb.command());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(jb.environment());
    Process p = pb.start();
    String screen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(180, TimeUnit.SECONDS));
    assertTrue(screen.contains("? Please select an image:\r\n  1. 127.0.0.1:1/test/app:1\r\n  2. " + reg.host()
        + "/test/app:1\r\nEnter a number (1-2): 2"), screen);
    assertTrue(screen.contains("STATUS 0"), screen);
    assertTrue(screen.contains(image.configDigest().substring(7)), screen);

    Path aliases = j.home.resolve("config/jbox/short-name-aliases.conf");
    assertTrue(Files.readString(aliases).contains("\"test/app\" = \"" + reg.host() + "/test/app\""),
        Files.readString(aliases));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(aliases)));

    Home.Run again = j.run("pull", "test/app:1");
    assertEquals(0, again.status(), again.err());
    assertTrue(again.out().contains("Resolved \"test/app\" as an alias (" + aliases + ")"), again.out());

    Home.Run other = j.run("pull", "test/other");
    assertEquals(125, other.status());
    assertTrue(other.err().contains("short-name resolution enforced but cannot prompt without a TTY"), other.err());
  }
}
