package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.util.Map;

/** Parses {@code --ulimit NAME=SOFT[:HARD]} (podman and docker syntax) into RLIMIT numbers. */
public final class Ulimits {
  private Ulimits() {}

  private static final Map<String, Integer> RESOURCES = Map.ofEntries(
      Map.entry("cpu", 0), Map.entry("fsize", 1), Map.entry("data", 2), Map.entry("stack", 3),
      Map.entry("core", 4), Map.entry("rss", 5), Map.entry("nproc", 6), Map.entry("nofile", 7),
      Map.entry("memlock", 8), Map.entry("as", 9), Map.entry("locks", 10),
      Map.entry("sigpending", 11), Map.entry("msgqueue", 12), Map.entry("nice", 13),
      Map.entry("rtprio", 14), Map.entry("rttime", 15));

  public static Plan.Rlimit parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) throw new JboxException("--ulimit `" + spec + "`: expected NAME=SOFT[:HARD], e.g. nofile=1024:2048");
    String name = spec.substring(0, eq);
    Integer res = RESOURCES.get(name);
    if (res == null) {
      throw new JboxException("--ulimit `" + spec + "`: unknown limit `" + name + "` (one of "
          + String.join(", ", new java.util.TreeSet<>(RESOURCES.keySet())) + ")");
    }
    String[] v = spec.substring(eq + 1).split(":", -1);
    if (v.length > 2) throw new JboxException("--ulimit `" + spec + "`: expected NAME=SOFT[:HARD]");
    long soft = value(spec, v[0]);
    long hard = v.length == 2 ? value(spec, v[1]) : soft;
    if (hard != -1 && (soft == -1 || soft > hard)) {
      throw new JboxException("--ulimit `" + spec + "`: soft limit above the hard limit");
    }
    return new Plan.Rlimit(res, soft, hard);
  }

  private static long value(String spec, String v) {
    if (v.equals("unlimited") || v.equals("-1")) return -1;
    try {
      long n = Long.parseLong(v);
      if (n < 0) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new JboxException("--ulimit `" + spec + "`: `" + v + "` is not a number (or `unlimited`)");
    }
  }
}
