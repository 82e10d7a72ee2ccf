package dev.jbox.sandbox.idmap;

/** One line of a uid_map or gid_map: ids [inside, inside+count) are host ids [outside, ...). */
public record IdRange(long inside, long outside, long count) {
  public IdRange {
    if (inside < 0 || outside < 0 || count <= 0 || inside + count > 0xFFFFFFFFL || outside + count > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("bad id range " + inside + ":" + outside + ":" + count);
    }
  }

  /** The line as /proc/PID/uid_map and newuidmap take it. */
  public String line() {
    return inside + " " + outside + " " + count;
  }
}
