package dev.jbox.sandboxes;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.jbox.JboxException;
import java.util.Locale;
import java.util.Map;

/**
 * Sends signals to a sandbox's pid 1 through a pidfd opened and then checked against the recorded
 * start time, so a reused pid is never signalled (JNA: the JDK can send only SIGTERM and SIGKILL).
 */
public final class Signals {
  private static final long SYS_PIDFD_SEND_SIGNAL = 424; // the same on every architecture since 5.1
  private static final long SYS_PIDFD_OPEN = 434;
  private static final int ESRCH = 3;

  private static final Map<String, Integer> NUMBERS = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
      Map.entry("ABRT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10),
      Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
      Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18),
      Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22),
      Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26),
      Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));

  private Signals() {}

  interface LibC extends Library {
    long syscall(long number, Object... args) throws LastErrorException;

    int close(int fd);
  }

  private static final class Holder {
    static final LibC C = load();

    private static LibC load() {
      dev.jbox.sys.Jna.prepare();
      return Native.load(dev.jbox.sys.FsCalls.LIBC_NAME, LibC.class);
    }
  }

  /** A signal by name (TERM, SIGTERM) or number (1-64). */
  public static int parse(String s) {
    String u = s.toUpperCase(Locale.ROOT);
    if (u.startsWith("SIG")) u = u.substring(3);
    Integer n = NUMBERS.get(u);
    if (n != null) return n;
    try {
      int v = Integer.parseInt(s);
      if (v >= 1 && v <= 64) return v;
    } catch (NumberFormatException e) {
      // falls through to the error
    }
    throw new JboxException("unknown signal `" + s + "`");
  }

  /** Sends sig to pid if it still started at start; false when that process is gone. */
  public static boolean send(long pid, long start, int sig) {
    int fd;
    try {
      fd = (int) Holder.C.syscall(SYS_PIDFD_OPEN, (int) pid, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ESRCH) return false;
      throw new JboxException("pidfd_open " + pid + ": " + e.getMessage());
    }
    try {
      if (Procfs.startTime(pid) != start) return false; // the pidfd names a reused pid
      Holder.C.syscall(SYS_PIDFD_SEND_SIGNAL, fd, sig, null, 0);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ESRCH) return false;
      throw new JboxException("signal " + sig + " to " + pid + ": " + e.getMessage());
    } finally {
      Holder.C.close(fd);
    }
  }
}
