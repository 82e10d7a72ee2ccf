package dev.jbox;

/**
 * JBOX_TRACE=1 phase lines on stderr, on the same clock (CLOCK_MONOTONIC, which is what
 * System.nanoTime reads on Linux) and origin as the helper's, for the benchmark's breakdown.
 */
public final class Trace {
  private static final long ORIGIN = origin();

  private Trace() {}

  private static long origin() {
    String on = System.getenv("JBOX_TRACE");
    String o = System.getenv("JBOX_TRACE_ORIGIN");
    if (on == null || on.isEmpty() || on.equals("0") || o == null) return -1;
    try {
      return Long.parseLong(o);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public static void mark(String phase) {
    if (ORIGIN < 0) return;
    System.err.println("jbox-trace " + phase + " " + (System.nanoTime() / 1000 - ORIGIN));
  }
}
