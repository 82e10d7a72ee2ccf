package dev.jbox.sandboxes;

/** What a sandbox is doing now, with its state checked against /proc (stale state shows as exited). */
public record Status(Kind kind, Integer exitCode, long since, boolean stale) {
  /** The lifecycle states jbox reports. */
  public enum Kind {
    CREATED,
    RUNNING,
    EXITED;

    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public boolean running() {
    return kind == Kind.RUNNING;
  }

  /** The STATUS column of {@code jbox ps}: "Up 4 seconds", "Exited (0) 3 seconds ago", "Exited (unknown)". */
  public String human(long nowMs) {
    return switch (kind) {
      case CREATED -> "Created";
      case RUNNING -> "Up " + duration(nowMs - since);
      case EXITED -> exitCode == null ? "Exited (unknown)" : "Exited (" + exitCode + ") " + duration(nowMs - since) + " ago";
    };
  }

  static String duration(long ms) {
    long s = Math.max(0, ms / 1000);
    if (s < 1) return "Less than a second";
    if (s < 60) return s == 1 ? "1 second" : s + " seconds";
    long m = s / 60;
    if (m < 60) return m == 1 ? "About a minute" : m + " minutes";
    long h = m / 60;
    if (h < 48) return h == 1 ? "About an hour" : h + " hours";
    return h / 24 + " days";
  }
}
