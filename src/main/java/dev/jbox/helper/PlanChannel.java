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
