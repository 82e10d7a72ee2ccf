package dev.jbox.sandbox.idmap;

import java.util.List;

/**
 * The uid and gid maps of a sandbox's user namespace and how they are written: by the setuid
 * newuidmap/newgidmap ({@code NEWIDMAP}) or, for a single id, by the user itself ({@code DIRECT},
 * with setgroups denied).
 */
public record IdMap(List<IdRange> uids, List<IdRange> gids, Tool tool, String warning) {
  /** Who writes the maps. */
  public enum Tool {
    NEWIDMAP("newidmap"),
    DIRECT("direct"),
    /** written by a privileged caller itself, setgroups left allowed (the OCI runtime as root) */
    PRIVILEGED("privileged");

    private final String word;

    Tool(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  public IdMap {
    uids = List.copyOf(uids);
    gids = List.copyOf(gids);
    if (uids.isEmpty() || gids.isEmpty()) throw new IllegalArgumentException("empty id map");
  }

  /** True when the sandbox id {@code id} is mapped in {@code ranges}. */
  public static boolean maps(List<IdRange> ranges, long id) {
    for (IdRange r : ranges) {
      if (id >= r.inside() && id < r.inside() + r.count()) return true;
    }
    return false;
  }
}
