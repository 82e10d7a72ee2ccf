package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plays the user's terminal for jbox attach and jbox start -a through a real pty (Python's pty
 * module): waits until jbox has put the terminal in raw mode, types one line, waits for a marker
 * in the output, optionally sends a key sequence (the detach keys), and reports what the screen
 * showed and jbox's exit status.
 */
final class AttachDriver {
  static final String SCRIPT = ShellPty.driver(4, "0.05", List.of(
      "line, marker, keys = sys.argv[1], sys.argv[2].encode(), bytes.fromhex(sys.argv[3])",
      "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 111, 0, 0))",
      "typed, sent, raw = False, False, False"),
      "    if not raw:",
      "        try: raw = not (termios.tcgetattr(fd)[3] & termios.ECHO)",
      "        except termios.error: break",
      "    if raw and not typed:",
      "        time.sleep(0.2)",
      "        os.write(fd, line.encode() + b'\\r'); typed = True",
      "    if typed and not sent and keys and marker in out:",
      "        os.write(fd, keys); sent = True");

  /** ctrl-p ctrl-q, in hex. */
  static final String DETACH = "1011";

  private AttachDriver() {}

  /** Runs jbox ARGS under the driver; keysHex "" sends no keys after the marker. */
  static String drive(Path tmp, Map<String, String> env, String line, String marker, String keysHex, String... args)
      throws Exception {
    Path script = tmp.resolve("attachdriver.py");
    if (!Files.exists(script)) Files.writeString(script, SCRIPT);
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), line, marker, keysHex));
    ProcessBuilder jb = Jbox.builder(List.of(args));
    cmd.addAll(jb.command());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(jb.environment());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    return out;
  }
}
