package dev.jbox.sys;

/**
 * How a jbox JVM ends. Normally System.exit; once {@link #arm} was called, _exit(2) after flushing
 * stdout and stderr (FsCalls.exitNow): the JVM's exit waits up to 300 ms for every Java thread in
 * native code to stop, and the JDK's HttpClient keeps one in epoll_wait for as long as the client
 * lives. So whatever created an HttpClient arms it. Nothing in jbox needs a shutdown hook: a
 * command's store writes are complete (written, synced, renamed) before it returns its status.
 */
public final class QuickExit {
  private static volatile boolean armed;

  private QuickExit() {}

  public static void arm() {
    armed = true;
  }

  public static void exit(int status) {
    System.out.flush();
    System.err.flush();
    if (armed) {
      try {
        FsCalls.exitNow(status);
      } catch (RuntimeException | LinkageError e) {
        // no libc through JNA: the JVM's own exit, 0.3 s slower
      }
    }
    System.exit(status);
  }
}
