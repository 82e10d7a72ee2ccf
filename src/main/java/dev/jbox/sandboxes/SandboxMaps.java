package dev.jbox.sandboxes;

import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import dev.jbox.sandbox.idmap.IdRange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A sandbox's own id maps, for the file worker of {@code jbox cp}: a sandbox run with
 * {@code --userns=keep-id} (or {@code --uidmap}) maps its ids to host ids other than the user's
 * usual maps do, and a file the worker gives to uid 1000 must be the sandbox's uid 1000. Read from
 * a running sandbox's {@code /proc/PID/uid_map} (host ids, as its owner sees them) or from a
 * stopped one's stored plan (its UIDMAP and GIDMAP records). Null when they are the usual maps.
 */
final class SandboxMaps {
  private SandboxMaps() {}

  private static final int T_UIDMAP = 8;
  private static final int T_GIDMAP = 9;

  static IdMap ofProcess(long pid) {
    try {
      List<IdRange> uids = parse(Files.readString(Path.of("/proc/" + pid + "/uid_map"), StandardCharsets.US_ASCII));
      List<IdRange> gids = parse(Files.readString(Path.of("/proc/" + pid + "/gid_map"), StandardCharsets.US_ASCII));
      return unusual(uids, gids);
    } catch (IOException | RuntimeException e) {
      return null; // gone meanwhile: the worker's --root-of check refuses it
    }
  }

  /** The maps of a plan (base64, as SandboxRecord keeps it); null without one or when usual. */
  static IdMap ofPlan(String planBase64) {
    if (planBase64 == null) return null;
    byte[] b;
    try {
      b = Base64.getDecoder().decode(planBase64);
    } catch (IllegalArgumentException e) {
      return null;
    }
    List<IdRange> uids = new ArrayList<>();
    List<IdRange> gids = new ArrayList<>();
    int off = 10; // "JBXP", u16 version, u32 length
    while (off + 6 <= b.length) {
      int tag = (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
      long len = (b[off + 2] & 0xffL) | (b[off + 3] & 0xffL) << 8 | (b[off + 4] & 0xffL) << 16 | (b[off + 5] & 0xffL) << 24;
      if (off + 6 + len > b.length) return null;
      if (tag == T_UIDMAP || tag == T_GIDMAP) {
        List<IdRange> r = parse(new String(b, off + 6, (int) len, StandardCharsets.US_ASCII));
        (tag == T_UIDMAP ? uids : gids).addAll(r);
      }
      off += 6 + (int) len;
    }
    if (uids.isEmpty() || gids.isEmpty()) return null;
    return unusual(uids, gids);
  }

  private static List<IdRange> parse(String text) {
    List<IdRange> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 3) continue;
      out.add(new IdRange(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
    }
    return out;
  }

  private static IdMap unusual(List<IdRange> uids, List<IdRange> gids) {
    IdMap usual = IdMaps.build(IdMaps.Caller.current(), List.of(), List.of());
    if (usual.uids().equals(uids) && usual.gids().equals(gids)) return null;
    // the worker runs as root of its namespace: maps without a root (some --uidmap) keep the usual ones
    if (!IdMap.maps(uids, 0) || !IdMap.maps(gids, 0)) return null;
    // only the setuid tools write a map of more than the user's own id (a single-id map is the usual one)
    return new IdMap(uids, gids, IdMap.Tool.NEWIDMAP, null);
  }
}
