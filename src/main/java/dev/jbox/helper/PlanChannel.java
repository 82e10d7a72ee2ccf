package dev.jbox.helper;

import dev.jbox.JboxException;
import dev.jbox.sandbox.Plan;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands a plan to the helper that started this JVM: {@code jbox-helper launch} leaves a pipe on
 * fd 3, and runs the plan once the JVM has exited (so no JVM stays resident beside the sandbox).
 */
public final class PlanChannel {
  static final int PLAN_FD = 3;

  private PlanChannel() {}

  public static void send(Plan plan) {
    send(plan, java.util.List.of());
  }

  /** Sends the plan with extra records (detached run, exec). */
  public static void send(Plan plan, java.util.List<PlanWriter.Extra> extras) {
    send(PlanWriter.encode(plan, extras));
  }

  /**
   * The extra record of {@code --preserve-fds N} (none for 0 or null), after checking that the
   * caller left descriptors 3..3+N-1 open. This JVM never has them (the helper marks every
   * inherited descriptor close-on-exec before starting it), so they are looked up in the helper's
   * /proc/PID/fd; the helper's end of the plan pipe, which may sit on one of those numbers when
   * the caller left it free, does not count. Checked here so that a bad count is a one-line
   * error before anything is created; the helper checks again.
   */
  public static java.util.List<PlanWriter.Extra> preserveFds(String option, String value) {
    if (value == null) return java.util.List.of();
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 0 || n > 4096 || value.charAt(0) < '0' || value.charAt(0) > '9') {
      throw new JboxException(option + " `" + value + "`: expected a number of descriptors (0 to 4096)");
    }
    if (n == 0) return java.util.List.of();
    java.util.Optional<ProcessHandle> helper = ProcessHandle.current().parent();
    Path helperFds = Path.of("/proc/" + (helper.isPresent() ? helper.get().pid() : 0L) + "/fd");
    String pipe = link(Path.of("/proc/self/fd/" + PLAN_FD));
    for (int fd = 3; fd < 3 + n; fd++) {
      String target = link(helperFds.resolve(Integer.toString(fd)));
      if (target == null || target.equals(pipe)) {
        throw new JboxException(option + " " + n + ": descriptor " + fd + " is not open (open 3.." + (2 + n) + " before jbox, e.g. `3<FILE`)");
      }
    }
    return java.util.List.of(new PlanWriter.Extra(PlanWriter.T_PRESERVE_FDS, Integer.toString(n)));
  }

  private static String link(Path p) {
    try {
      return Files.readSymbolicLink(p).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** Sends an already encoded plan (jbox attach, jbox start). */
  public static void send(byte[] bytes) {
    Path fd = Path.of("/proc/self/fd/" + PLAN_FD);
    if (System.getenv("JBOX_HELPER") == null || !Files.exists(fd)) {
      throw new JboxException("run: not started through the jbox launcher (no plan channel on fd " + PLAN_FD + ")");
    }
    try (OutputStream os = new FileOutputStream(fd.toFile())) {
      os.write(bytes);
    } catch (IOException e) {
      throw new JboxException("run: hand the plan to the helper: " + e.getMessage());
    }
  }
}
