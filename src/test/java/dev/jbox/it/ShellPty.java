package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** jbox on a real pseudo-terminal (`jbox shell`, `jbox exec -it`), played by a Python driver script (the JDK has no pty API). */
public final class ShellPty {
  private ShellPty() {}

  /**
   * A Python script that plays the user's terminal for {@code jbox shell} (the JDK has no pty
   * API): it runs its arguments on a new pty for up to 120 s, collects what the screen shows in
   * {@code out}, runs {@code steps} (lines of the read loop's body, with out, step, fd and time at
   * hand) after each read, and prints the screen and "STATUS n" when the command has ended.
   */
  static String script(String... steps) {
    return driver(1, "0.1", List.of(), steps);
  }

  /**
   * The pty driver every terminal test plays: the command is its arguments from {@code
   * commandArg} on (the ones before are the test's own, as sys.argv[1...]); {@code setup} runs
   * once the pty is there (its window size, the test's flags); the read loop waits up to {@code
   * poll} seconds for output, then runs {@code steps}. It prints the screen and "STATUS n".
   */
  public static String driver(int commandArg, String poll, List<String> setup, String... steps) {
    List<String> lines = new ArrayList<>(List.of(
        "import os, pty, sys, time, select, fcntl, termios, struct",
        "def running(cmdline):",
        "    for n in os.listdir('/proc'):",
        "        try:",
        "            if n.isdigit() and open('/proc/' + n + '/cmdline', 'rb').read() == cmdline: return True",
        "        except OSError: pass",
        "    return False",
        "pid, fd = pty.fork()",
        "if pid == 0:",
        "    os.execvp(sys.argv[" + commandArg + "], sys.argv[" + commandArg + ":])"));
    lines.addAll(setup);
    lines.addAll(List.of(
        // the bound of a failing test: a loaded machine may take long to get through the steps
        "out, step, end = b'', 0, time.time() + 120",
        "while time.time() < end:",
        "    r, _, _ = select.select([fd], [], [], " + poll + ")",
        "    if fd in r:",
        "        try: d = os.read(fd, 4096)",
        "        except OSError: break",
        "        if not d: break",
        "        out += d"));
    lines.addAll(List.of(steps));
    lines.addAll(List.of(
        "_, st = os.waitpid(pid, 0)",
        "sys.stdout.write(out.decode(errors='replace'))",
        "print('\\nSTATUS', os.waitstatus_to_exitcode(st))", ""));
    return String.join("\n", lines);
  }

  /**
   * `jbox shell` in {@code project} on a real pty (the driver script written to {@code driver}):
   * starts {@code sleep MARKER; echo SLEPT2} at the prompt, sends ctrl-c once the sleep runs, then
   * {@code echo AFTER42; exit 4}; returns all the screen showed, with "STATUS n" at the end.
   */
  static String ctrlCSession(Path driver, Path project, Map<String, String> env, String marker) throws Exception {
    Files.writeString(driver, script(
        "    if step == 0 and b'(jbox:app)' in out:",
        "        os.write(fd, b'sleep " + marker + "; echo SLEPT$((1+1))\\r'); step = 1",
        "    elif step == 1 and running(b'sleep\\x00" + marker + "\\x00'):",
        "        os.write(fd, b'\\x03'); step = 2",
        "    elif step == 2 and out.count(b'(jbox:app)') >= 2:",
        "        os.write(fd, b'echo AFTER$((40+2)); exit 4\\r'); step = 3"));
    Map<String, String> e = new HashMap<>(env);
    e.put("TERM", "dumb");
    return run(List.of(driver.toString()), List.of("shell"), project, e);
  }

  /**
   * `python3 DRIVER...` with the jbox command args appended (a driver runs its arguments on a
   * pty), in cwd (null: this process's), with the launcher's environment and then env (a null value
   * removes the name); returns all it printed once it has ended (within 60 s).
   */
  static String run(List<String> driver, List<String> args, Path cwd, Map<String, String> env) throws Exception {
    ProcessBuilder jb = Jbox.builder(args);
    List<String> cmd = new ArrayList<>(List.of("python3"));
    cmd.addAll(driver);
    cmd.addAll(jb.command());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (cwd != null) pb.directory(cwd.toFile());
    pb.environment().putAll(jb.environment());
    for (Map.Entry<String, String> v : env.entrySet()) {
      if (v.getValue() == null) pb.environment().remove(v.getKey());
      else pb.environment().put(v.getKey(), v.getValue());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out;
  }
}
