package dev.jbox.sandboxes;

import dev.jbox.JboxException;

/** Stopping, killing and waiting for sandboxes, on top of their state and {@link Signals}. */
public final class Lifecycle {
  private Lifecycle() {}

  /** Sends sig to the sandbox's pid 1; fails when it is not running. */
  public static void kill(Sandbox s, int sig) {
    MonitorState st = s.state();
    if (st == null || !s.status().running() || !Signals.send(st.pid(), st.pidStart(), sig)) {
      throw new JboxException("sandbox " + s.label() + " is not running");
    }
  }

  /** StopSignal, then SIGKILL after timeoutSeconds; returns once the monitor recorded the exit. */
  public static void stop(Sandbox s, int stopSignal, long timeoutSeconds) {
    MonitorState st = s.state();
    if (st == null || !s.status().running()) return;
    Signals.send(st.pid(), st.pidStart(), stopSignal);
    if (waitExit(s, timeoutSeconds * 1000)) return;
    Signals.send(st.pid(), st.pidStart(), 9);
    if (!waitExit(s, 10_000)) throw new JboxException("sandbox " + s.label() + " did not stop after SIGKILL");
  }

  /** Waits until the sandbox is no longer running and its monitor is done; false on timeout (ms, <0 forever). */
  public static boolean waitExit(Sandbox s, long timeoutMs) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      if (!s.status().running() && !s.monitorAlive()) return true;
      if (timeoutMs >= 0 && System.nanoTime() > deadline) return false;
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
