package dev.jbox.sandboxes;

import java.util.Map;

/**
 * The monitor's record of a detached sandbox (the `state` file it writes): host pid of the
 * sandbox's pid 1 with its start time, the monitor's, timestamps in epoch milliseconds, exit code,
 * and how many times its restart policy ran it again.
 */
public record MonitorState(String status, long pid, long pidStart, long monitorPid, long monitorStart, long started,
    Integer exitCode, Long finished, long restartCount) {

  /** From a state record (a detached sandbox's `state` file, or a foreground one's lock file). */
  public static MonitorState of(Map<String, Object> m) {
    return new MonitorState(String.valueOf(m.get("status")), num(m, "pid"), num(m, "pidStart"), num(m, "monitorPid"),
        num(m, "monitorStart"), num(m, "started"),
        m.get("exitCode") == null ? null : (int) num(m, "exitCode"),
        m.get("finished") == null ? null : num(m, "finished"),
        Math.max(0, num(m, "restartCount"))); // none in a record of an older monitor
  }

  private static long num(Map<String, Object> m, String k) {
    return m.get(k) instanceof Number n ? n.longValue() : -1;
  }
}
