package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -it} driven through a real pseudo-terminal: Python's pty module plays the user's
 * terminal (the JDK has no pty API), types a command line, reads the screen, and checks that the
 * terminal mode is restored afterwards.
 */
public class TerminalTest {
  @TempDir static Path tmp;
  static Path rootfs;
  static Path driver;

  public static final String DRIVER = ShellPty.driver(2, "0.1", List.of(
      "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 111, 0, 0))",
      "typed, resized = False, False"),
      "    if not typed and b'# ' in out:",
      "        os.write(fd, sys.argv[1].encode() + b'\\r'); typed = True",
      "    if typed and not resized and b'SIZE1' in out:",
      "        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 44, 122, 0, 0)); resized = True",
      "        os.write(fd, b'stty size; echo SIZE2; exit 3\\r')");

  @BeforeAll
  static void setUp() throws Exception {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    driver = tmp.resolve("ptydriver.py");
    Files.writeString(driver, DRIVER);
  }

  static String drive(String line, String... runArgs) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), line));
    ProcessBuilder jb = Jbox.builder(List.of(runArgs));
    cmd.addAll(jb.command());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(jb.environment());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out;
  }

  @Test
  void interactiveTty_typedCommandRunsResizeSyncsAndExitStatusPasses() throws Exception {
    String out = drive("tty; stty size; echo SIZE$((0+1))", "run", "-it", "--rootfs", rootfs.toString(), "sh");
    assertTrue(out.contains("/dev/pts/0"), "the sandbox's own pty: " + out);
    assertTrue(out.contains("33 111"), "initial window size: " + out);
    assertTrue(out.contains("44 122"), "window size after SIGWINCH: " + out);
    assertTrue(out.contains("STATUS 3"), out);
  }

  @Test
  void tty_consoleIsThePtyAndJboxIsSessionLeaderFree() throws Exception {
    String out = drive("ls -l /dev/console | cut -c1; exit 0", "run", "-it", "--rootfs", rootfs.toString(), "sh");
    assertTrue(out.contains("\nc"), "/dev/console is the pty: " + out);
    assertTrue(out.contains("STATUS 0"), out);
  }

  @Test
  void ttyWithInit_commandOwnsTheTerminal() throws Exception {
    String out = drive("echo pid=$$; exit 5", "run", "-it", "--init", "--rootfs", rootfs.toString(), "sh");
    assertTrue(out.contains("pid=2"), out);
    assertTrue(out.contains("STATUS 5"), out);
  }
}
