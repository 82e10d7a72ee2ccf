package dev.jbox.image.pull;

import dev.jbox.image.store.ImageStore;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import dev.jbox.sandbox.idmap.IdRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether unpacked layers still suit the caller's subordinate ids. The unpacker writes a layer's
 * files as root of a user namespace with the caller's maps, so on disk they belong to the host ids
 * those maps gave, and layer.json records the maps. When /etc/subuid or /etc/subgid changes, a
 * sandbox gets other maps and would see those files owned by other ids or by nobody: the layer is
 * stale. {@code run} refuses such an image with the fix; {@code pull} and {@code load} unpack its
 * stale layers again from the stored blobs.
 */
public final class LayerIds {
  private final String uids;
  private final String gids;

  private LayerIds(String uids, String gids) {
    this.uids = uids;
    this.gids = gids;
  }

  /** The maps an unpacker started now gets; none (nothing is ever stale) for real root. */
  public static LayerIds current() {
    return of(IdMaps.Caller.current());
  }

  /** The maps an unpacker run by {@code c} gets. */
  public static LayerIds of(IdMaps.Caller c) {
    if (c.uid() == 0) return new LayerIds(null, null);
    IdMap m = IdMaps.build(c, List.of(), List.of());
    return new LayerIds(join(m.uids()), join(m.gids()));
  }

  static LayerIds of(String uidMapText, String gidMapText) {
    return new LayerIds(normalize(uidMapText), normalize(gidMapText));
  }

  private static String join(List<IdRange> ranges) {
    List<String> out = new ArrayList<>();
    for (IdRange r : ranges) out.add(r.line());
    return String.join(",", out);
  }

  /** /proc/PID/uid_map text (padded columns, one range a line) as "in out count,in out count". */
  static String normalize(String text) {
    if (text == null || text.isBlank()) return null;
    List<String> out = new ArrayList<>();
    for (String line : text.trim().split("\n")) out.add(String.join(" ", dev.jbox.Text.fields(line)));
    return String.join(",", out);
  }

  /**
   * Null when a layer with this metadata fits these maps (also when it recorded none, as one
   * unpacked by real root); otherwise what differs, for a message.
   */
  public String mismatch(Map<String, Object> layerMeta) {
    if (uids == null) return null;
    String u = normalize(layerMeta.get("uidMap") instanceof String s ? s : null);
    String g = normalize(layerMeta.get("gidMap") instanceof String s ? s : null);
    if (u == null || g == null) return null;
    if (u.equals(uids) && g.equals(gids)) return null;
    return u.equals(uids)
        ? "gid map " + g + ", now " + gids
        : "uid map " + u + ", now " + uids;
  }

  /** Whether the complete layer {@code diffId} was unpacked for other maps. */
  public boolean stale(ImageStore store, String diffId) {
    return uids != null && mismatch(store.layerMeta(diffId)) != null;
  }
}
