package dev.jbox.sandboxes;

import dev.jbox.sys.FsCalls;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The second JVM that does a sandbox's file work for {@code cp}, {@code export}, {@code diff} and
 * {@code commit} as root of a user namespace with the user's subordinate-id maps
 * ({@code jbox-helper unshare}): the files of a sandbox belong to subordinate ids, which the user
 * cannot read, write or chown to outside one. The sandbox's root is fd 3 (a running sandbox's,
 * opened by the helper's {@code --root-of}) or a directory (a stopped one's overlay, mounted by
 * {@code --overlay} in this process's own mount namespace); every path below it is resolved
 * inside it (TreeTar).
 *
 * <pre>
 * out ROOT REL TOP ONEFS OCI [FLAGS]  tar of REL (named TOP) to stdout; FLAGS, comma-separated: links (hard
 *                                     links), xattrs (user.* extended attributes), deref (every symlink below followed)
 * in ROOT DEST RENAME OWNER [FLAGS]   tar from stdin into the directory DEST (RENAME: =NAME its top name, - none,
 *                                     +auto into DEST if it is a directory, else as DEST; +mkdir into DEST, made
 *                                     if missing); OWNER keep | caller | user=SPEC (SPEC: uid[:gid] or a name of
 *                                     ROOT's /etc/passwd); FLAGS: overwrite (cp --overwrite)
 * diff UPPER LOWER...            podman's diff of an upper dir over its lower dirs: "A|C|D /path" lines
 * du DIR...                      the bytes of the regular files below each DIR (symlinks not followed), a line each
 * </pre>
 * A failure is one line on stderr and exit 125.
 */
public final class FsWorker {
  private FsWorker() {}

  public static void main(String[] args) {
    int rc = 0;
    try {
      run(args);
    } catch (IOException | RuntimeException e) {
      System.err.println("jbox: " + e.getMessage());
      rc = 125;
    }
    System.out.flush();
    System.exit(rc);
  }

  private static int root(String spec) throws IOException {
    if (spec.equals("fd:3")) return 3;
    return FsCalls.openPath(spec, true);
  }

  private static void run(String[] a) throws IOException {
    switch (a[0]) {
      case "out" -> {
        OutputStream out = new BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16);
        List<String> flags = a.length > 6 ? List.of(a[6].split(",")) : List.of();
        TreeTar.write(root(a[1]), a[2], a[3], new TreeTar.Options(a[4].equals("1"), a[5].equals("1"), flags.contains("links"),
            flags.contains("xattrs"), flags.contains("deref")), out);
        out.flush();
      }
      case "in" -> {
        int root = root(a[1]);
        TreeTar.Owner owner = switch (a[4]) {
          case "keep" -> TreeTar.Owner.KEEP;
          case "caller" -> TreeTar.Owner.CALLER;
          default -> {
            if (!a[4].startsWith("user=")) throw new IOException("bad owner " + a[4]);
            long[] ids = user(root, a[4].substring(5));
            yield TreeTar.Owner.of(ids[0], ids[1]);
          }
        };
        String rename = a[3].equals("-") ? null : a[3].equals("+auto") ? TreeTar.AUTO : a[3].equals("+mkdir") ? TreeTar.MKDIR
            : a[3].substring(1);
        boolean overwrite = a.length > 5 && List.of(a[5].split(",")).contains("overwrite");
        TreeTar.extract(root, a[2], rename, new BufferedInputStream(System.in, 1 << 16), owner, overwrite);
      }
      case "diff" -> {
        List<String> lowers = new ArrayList<>(List.of(a).subList(2, a.length));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        for (var e : diff(a[1], lowers).entrySet()) out.println(e.getValue() + " " + e.getKey());
        out.flush();
      }
      case "du" -> {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        for (int i = 1; i < a.length; i++) {
          int d = FsCalls.openPath(a[i], true);
          try {
            out.println(du(d));
          } finally {
            FsCalls.close(d);
          }
        }
        out.flush();
      }
      default -> throw new IOException("unknown operation " + a[0]);
    }
  }

  /** The bytes of the regular files below a directory descriptor, never following a symlink. */
  static long du(int dirfd) throws IOException {
    int d = FsCalls.openInRoot(dirfd, ".", false, true, false);
    long sum = 0;
    try {
      for (String n : TreeTar.list(d)) {
        FsCalls.Stat st = FsCalls.lstatAt(d, n);
        if (st.isRegular()) {
          sum += st.size();
        } else if (st.isDir()) {
          int sub = FsCalls.openAt(d, n, true, true);
          try {
            sum += du(sub);
          } finally {
            FsCalls.close(sub);
          }
        }
      }
    } finally {
      FsCalls.close(d);
    }
    return sum;
  }

  /**
   * The uid and gid of a user spec as the sandbox sees it: "uid", "uid:gid" or a name, looked up
   * in its /etc/passwd (read inside its root); a uid alone gets the passwd entry's gid, else its
   * own number.
   */
  static long[] user(int root, String spec) throws IOException {
    String u = spec;
    String g = null;
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      u = spec.substring(0, colon);
      g = spec.substring(colon + 1);
    }
    String passwd = "";
    try {
      int fd = FsCalls.openInRoot(root, "etc/passwd", false, false, true);
      try {
        // opened non-blocking (a FIFO cannot hold us); a device or FIFO is no passwd at all
        if (!FsCalls.lstatAt(fd, "").isRegular()) throw new IOException("the sandbox's /etc/passwd is not a regular file");
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[8192];
        int n;
        while ((n = FsCalls.read(fd, buf)) > 0 && sb.length() < (4 << 20)) sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        passwd = sb.toString();
      } finally {
        FsCalls.close(fd);
      }
    } catch (IOException e) {
      // no passwd: numbers only
    }
    Long uid = null;
    Long gid = null;
    for (String line : passwd.split("\n")) {
      String[] f = line.split(":");
      if (f.length < 4) continue;
      if (f[0].equals(u) || f[2].equals(u)) {
        try {
          uid = Long.parseLong(f[2]);
          gid = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
          continue;
        }
        break;
      }
    }
    if (uid == null) {
      try {
        uid = Long.parseLong(u);
      } catch (NumberFormatException e) {
        throw new IOException("user `" + u + "` is not in the sandbox's /etc/passwd");
      }
      gid = uid;
    }
    if (g != null && !g.isEmpty()) {
      try {
        gid = Long.parseLong(g);
      } catch (NumberFormatException e) {
        throw new IOException("group `" + g + "`: a number is needed");
      }
    }
    return new long[] {uid, gid};
  }

  /**
   * podman's diff of an overlay: every path in the upper dir is A (added: in no lower dir) or C
   * (changed: a lower dir has it, which for a directory means something below it changed); a
   * whiteout is D; an opaque directory is C, and what the lower dirs had in it is D.
   */
  static TreeMap<String, Character> diff(String upper, List<String> lowers) throws IOException {
    TreeMap<String, Character> out = new TreeMap<>();
    int up = FsCalls.openPath(upper, true);
    List<Integer> low = new ArrayList<>();
    for (String l : lowers) low.add(FsCalls.openPath(l, true));
    walkDiff(up, "", low, out);
    return out;
  }

  private static boolean inLower(List<Integer> lowers, String rel) {
    for (int l : lowers) {
      try {
        FsCalls.Stat st = FsCalls.lstatAt(l, rel);
        // a whiteout in a higher lower dir hides the rest: the path is not there
        return !(st.type() == 0020000 && st.rdevMajor() == 0 && st.rdevMinor() == 0);
      } catch (IOException e) {
        // not in this one
      }
    }
    return false;
  }

  private static void walkDiff(int dirfd, String rel, List<Integer> lowers, TreeMap<String, Character> out) throws IOException {
    int d = FsCalls.openInRoot(dirfd, rel.isEmpty() ? "." : rel, false, true, false);
    try {
      for (String n : TreeTar.list(d)) {
        String p = rel.isEmpty() ? n : rel + "/" + n;
        FsCalls.Stat st = FsCalls.lstatAt(d, n);
        if (st.type() == 0020000 && st.rdevMajor() == 0 && st.rdevMinor() == 0) {
          out.put("/" + p, 'D');
          continue;
        }
        out.put("/" + p, inLower(lowers, p) ? 'C' : 'A');
        if (!st.isDir()) continue;
        int sub = FsCalls.openAt(d, n, false, true);
        boolean opaque;
        try {
          opaque = TreeTar.isOpaque(sub);
        } finally {
          FsCalls.close(sub);
        }
        if (opaque) {
          // what the lower dirs had here is gone
          for (int l : lowers) {
            int ld;
            try {
              ld = FsCalls.openInRoot(l, p, false, true, false);
            } catch (IOException e) {
              continue;
            }
            try {
              for (String x : TreeTar.list(ld)) out.putIfAbsent("/" + p + "/" + x, 'D');
            } finally {
              FsCalls.close(ld);
            }
          }
          walkDiff(dirfd, p, List.of(), out);
        } else {
          walkDiff(dirfd, p, lowers, out);
        }
      }
    } finally {
      FsCalls.close(d);
    }
  }
}
