package dev.jbox.image.unpack;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The owners a layer unpacked by the user (outside the user namespace) still needs: every member
 * the tar gives an owner other than 0:0, by its path relative to the layer's root, with the mode
 * to put back after the chown. Files the user creates are 0:0 in the user namespace already, so a
 * typical layer lists a handful. {@code jbox-helper owners ROOT} applies the list as root of the
 * user namespace (helpers/owners.c, PROTOCOL.md "owners").
 *
 * <p>The list follows the tree: a member that replaces a path drops what was recorded for it (and,
 * for a directory, for everything beneath it), and a hard link to a listed file is listed too, so
 * that the inode gets its owner even if a later member replaces the path it was first created at.
 */
final class OwnerList {
  /** uid, gid, mode (-1: a symlink, no mode). */
  private final NavigableMap<String, long[]> byPath = new TreeMap<>();
  private final long uids;
  private final long gids;

  /** @param uids how many uids the user namespace maps (0..uids-1); gids likewise */
  OwnerList(long uids, long gids) {
    this.uids = uids;
    this.gids = gids;
  }

  long mappedUids() {
    return uids;
  }

  long mappedGids() {
    return gids;
  }

  private Runnable firstUse;

  /**
   * Runs {@code r} when the first owner other than 0:0 is recorded: the helper that will apply
   * the list starts then (its user namespace set up while the layer is still unpacking), not
   * after the last file.
   */
  void onFirstUse(Runnable r) {
    firstUse = r;
  }

  /** Runs what {@link #onFirstUse} registered, once: jbox-unpack said it listed an owner. */
  void firstUse() {
    Runnable r = firstUse;
    if (r != null) {
      firstUse = null;
      r.run();
    }
  }

  /** Adds jbox-unpack's list: records as {@link #encode} writes them. */
  void addEncoded(byte[] list) throws java.io.IOException {
    int p = 0;
    while (p < list.length) {
      int end = p;
      while (end < list.length && list[end] != 0) end++;
      String rec = new String(list, p, end - p, StandardCharsets.UTF_8);
      String[] f = rec.split(" ", 4);
      if (end == list.length || f.length != 4) throw new java.io.IOException("jbox-unpack: a malformed owner record");
      try {
        long mode = f[2].equals("-") ? -1 : Long.parseLong(f[2], 8);
        set(f[3].equals(".") ? "" : f[3], Long.parseLong(f[0]), Long.parseLong(f[1]), (int) mode);
      } catch (NumberFormatException e) {
        throw new java.io.IOException("jbox-unpack: a malformed owner record");
      }
      p = end + 1;
    }
  }

  /** Records the owner of {@code rel} ("" is the root); 0:0 needs nothing. */
  void set(String rel, long uid, long gid, int mode) {
    String k = key(rel);
    if (uid == 0 && gid == 0) {
      byPath.remove(k);
      return;
    }
    byPath.put(k, new long[] {uid, gid, mode});
    firstUse();
  }

  /** {@code rel} was removed (and everything beneath it, if it was a directory). */
  void forget(String rel) {
    String k = key(rel);
    byPath.remove(k);
    if (k.equals(".")) {
      byPath.clear();
      return;
    }
    byPath.subMap(k + "/", true, k + "0", false).clear(); // '0' follows '/'
  }

  /** {@code link} is a new hard link to {@code target}: the same inode, the same owner. */
  void link(String link, String target) {
    long[] t = byPath.get(key(target));
    if (t == null) byPath.remove(key(link));
    else byPath.put(key(link), t.clone());
  }

  boolean isEmpty() {
    return byPath.isEmpty();
  }

  int size() {
    return byPath.size();
  }

  /** The records for the helper: "UID GID MODE PATH\0" each, MODE octal or "-". */
  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(byPath.size() * 48);
    for (Map.Entry<String, long[]> e : byPath.entrySet()) {
      long[] v = e.getValue();
      String head = v[0] + " " + v[1] + " " + (v[2] < 0 ? "-" : Long.toOctalString(v[2] & 07777)) + " ";
      out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  private static String key(String rel) {
    return rel.isEmpty() ? "." : rel;
  }
}
