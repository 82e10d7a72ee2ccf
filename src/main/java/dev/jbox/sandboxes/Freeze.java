package dev.jbox.sandboxes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jbox commit --pause}: every process of a running sandbox stopped with SIGSTOP while the
 * commit reads its changes, and continued with SIGCONT after (also when the commit fails, and from
 * a shutdown hook when jbox is interrupted). jbox sandboxes have no cgroup of their own to freeze
 * (no delegation is assumed), so the processes are stopped one by one: those in the sandbox's pid
 * namespace (pid 1's, so a fuse-overlayfs daemon outside it keeps serving) and their descendants,
 * found again until a pass finds no new one (a fork during the first pass is caught by the next).
 * Signals go through pidfds checked against the start time, so a reused pid is never signalled.
 * A process can see that it was stopped (its parent's waitpid with WUNTRACED); only SIGKILL of
 * jbox itself leaves the sandbox stopped, which {@code jbox kill -s CONT} undoes for pid 1 (and
 * {@code jbox exec NAME kill -CONT -1} for the rest).
 */
final class Freeze implements AutoCloseable {
  private static final int SIGSTOP = 19;
  private static final int SIGCONT = 18;

  /** pid to start time of every process stopped. */
  private final Map<Long, Long> stopped = new HashMap<>();
  private final Thread hook = new Thread(this::resume, "jbox-commit-resume");

  private Freeze() {}

  /** Stops the sandbox whose pid 1 is host pid {@code pid1}. */
  static Freeze stop(long pid1) {
    Freeze f = new Freeze();
    Runtime.getRuntime().addShutdownHook(f.hook);
    try {
      long pidns = Procfs.nsInode(Long.toString(pid1), "pid");
      for (int round = 0; round < 50; round++) {
        int added = 0;
        for (long pid : Procfs.pids()) {
          if (f.stopped.containsKey(pid)) continue;
          boolean ours = pid == pid1 || (pidns >= 0 && Procfs.nsInode(Long.toString(pid), "pid") == pidns);
          if (!ours) {
            long ppid = ppid(pid);
            ours = ppid > 0 && f.stopped.containsKey(ppid);
          }
          if (!ours) continue;
          long start = Procfs.startTime(pid);
          if (start < 0) continue;
          if (Signals.send(pid, start, SIGSTOP)) {
            f.stopped.put(pid, start);
            added++;
          }
        }
        if (added == 0) break;
      }
      f.waitStopped();
    } catch (RuntimeException e) {
      f.close();
      throw e;
    }
    return f;
  }

  private static long ppid(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static char state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException | RuntimeException e) {
      return 'X';
    }
  }

  /** SIGSTOP is delivered asynchronously: waits (up to 2 s) until every process is stopped or gone. */
  private void waitStopped() {
    long deadline = System.nanoTime() + 2_000_000_000L;
    List<Long> left = new ArrayList<>(stopped.keySet());
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      left.removeIf(p -> {
        char s = state(p);
        return s == 'T' || s == 't' || s == 'Z' || s == 'X' || Procfs.startTime(p) != stopped.get(p);
      });
      if (!left.isEmpty()) {
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** How many processes were stopped. */
  int count() {
    return stopped.size();
  }

  private synchronized void resume() {
    for (Map.Entry<Long, Long> e : stopped.entrySet()) {
      try {
        Signals.send(e.getKey(), e.getValue(), SIGCONT);
      } catch (RuntimeException ignored) {
        // gone meanwhile
      }
    }
    stopped.clear();
  }

  @Override
  public void close() {
    resume();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down: the hook resumes
    }
  }
}
