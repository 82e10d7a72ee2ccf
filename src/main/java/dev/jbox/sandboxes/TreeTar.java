package dev.jbox.sandboxes;

import dev.jbox.image.unpack.TarEntry;
import dev.jbox.image.unpack.TarReader;
import dev.jbox.sys.FsCalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tar streams of a tree under a root directory descriptor, and their extraction into one: what
 * {@code jbox cp}, {@code export} and {@code commit} move. Every path is resolved from the root
 * descriptor: the first with openat2(RESOLVE_IN_ROOT), so a symlink to /etc/passwd or a ".." stays
 * inside the sandbox's root; below it one component at a time through directory descriptors with
 * O_NOFOLLOW, so nothing a running sandbox changes meanwhile can lead the walk out of it.
 */
final class TreeTar {
  private TreeTar() {}

  private static final int BLOCK = 512;

  /** extract's rename for "into DEST if it is a directory, else as DEST". */
  static final String AUTO = "\0auto";

  /**
   * extract's rename for a directory's contents ({@code cp SRC/. DEST}): into DEST, which is made
   * (its parent must exist) when the first member arrives and it does not exist yet.
   */
  static final String MKDIR = "\0mkdir";

  /** Whose files extraction makes: the archive's ids, these ids, or the caller's own (no chown). */
  record Owner(boolean keep, long uid, long gid) {
    static final Owner CALLER = new Owner(false, -1, -1);
    static final Owner KEEP = new Owner(true, -1, -1);

    static Owner of(long uid, long gid) {
      return new Owner(false, uid, gid);
    }
  }

  // --- writing ----------------------------------------------------------------------------------

  /**
   * How to write: oneFs skips what is mounted below the top (a running sandbox's /proc, /sys,
   * /dev); oci converts overlay whiteouts (commit); links writes a file with more than one name
   * once and its other names as hard links to it; xattrs writes the {@code user.*} extended
   * attributes of files and directories (overlayfs' own left out) as SCHILY.xattr PAX records;
   * deref follows every symlink below the top too (inside root), which is then never archived as
   * a symlink (a dangling one is).
   */
  record Options(boolean oneFs, boolean ociWhiteouts, boolean links, boolean xattrs, boolean deref) {
    Options(boolean oneFs, boolean ociWhiteouts) {
      this(oneFs, ociWhiteouts, false, false, false);
    }
  }

  /**
   * Writes {@code rel} (a symlink as its last component followed, inside root) as a tar named
   * {@code top}; top "" writes a directory's entries at the archive's top level (export).
   */
  static void write(int root, String rel, String top, Options opt, OutputStream out) throws IOException {
    int fd = FsCalls.openInRoot(root, rel, true, false, true);
    try {
      FsCalls.Stat st = FsCalls.lstatAt(fd, "");
      Writer w = new Writer(out, opt, st, root);
      w.node(fd, "", top, st, rel);
      w.finish();
    } finally {
      FsCalls.close(fd);
    }
  }

  private static final class Writer {
    private final OutputStream out;
    private final Options opt;
    private final FsCalls.Stat top;
    private final int root;
    /** "dev:ino" of a file with more than one name: the archive path of its first. */
    private final java.util.Map<String, String> firstNames = new java.util.HashMap<>();
    /** "dev:ino" of the directories being written (deref: a symlink to one of them is a loop). */
    private final java.util.Set<String> open = new java.util.HashSet<>();
    /** The xattrs of the next header, as PAX records. */
    private String pendingXattrs = "";

    Writer(OutputStream out, Options opt, FsCalls.Stat top, int root) {
      this.out = out;
      this.opt = opt;
      this.top = top;
      this.root = root;
    }

    private static String key(FsCalls.Stat st) {
      return st.devMajor() + ":" + st.devMinor() + ":" + st.ino();
    }

    /** The user.* xattrs of an open file as PAX records, the bytes kept 1:1 (Latin-1). */
    private String xattrs(int fd) throws IOException {
      if (!opt.xattrs()) return "";
      StringBuilder sb = new StringBuilder();
      for (String n : FsCalls.flistxattr(fd)) {
        if (!n.startsWith("user.") || n.startsWith("user.overlay.") || n.startsWith("user.fuseoverlayfs.")) continue;
        byte[] v = FsCalls.fgetxattrLarge(fd, n);
        if (v == null) continue;
        sb.append(recordLatin1("SCHILY.xattr." + n, new String(v, StandardCharsets.ISO_8859_1)));
      }
      return sb.toString();
    }

    /**
     * name in dir (dir itself when name is ""), archived as path; src is its path below the root
     * (what deref resolves a symlink by).
     */
    void node(int dir, String name, String path, FsCalls.Stat st, String src) throws IOException {
      if (opt.oneFs() && (st.devMajor() != top.devMajor() || st.devMinor() != top.devMinor())) {
        if (st.isDir() && !path.isEmpty()) header(path + "/", '5', st, 0, ""); // the mount point, empty
        return;
      }
      if (st.isSymlink() && opt.deref()) {
        int fd;
        try {
          fd = FsCalls.openInRoot(root, src, true, false, true);
        } catch (FsCalls.ErrnoException e) {
          fd = -1; // dangling (or a loop of symlinks): archived as the symlink
        }
        if (fd >= 0) {
          try {
            FsCalls.Stat target = FsCalls.lstatAt(fd, "");
            if (target.isDir() && open.contains(key(target))) {
              throw new IOException("`" + path + "` is a symlink to a directory that contains it (-L would copy it forever)");
            }
            node(fd, "", path, target, src);
          } finally {
            FsCalls.close(fd);
          }
          return;
        }
      }
      if (st.isDir()) {
        int d = name.isEmpty() ? reopenDir(dir) : FsCalls.openAt(dir, name, false, true);
        String k = key(st);
        open.add(k);
        try {
          List<String> names = list(d);
          boolean opaque = opt.ociWhiteouts() && isOpaque(d);
          pendingXattrs = xattrs(d);
          if (!path.isEmpty() && !path.equals(".")) header(path + "/", '5', st, 0, "");
          else if (path.equals(".")) header("./", '5', st, 0, "");
          pendingXattrs = "";
          String prefix = path.isEmpty() ? "" : path + "/";
          String srcPrefix = src.isEmpty() || src.equals(".") ? "" : src + "/";
          if (opaque) emptyFile(prefix + ".wh..wh..opq", st);
          for (String n : names) node(d, n, prefix + n, FsCalls.lstatAt(d, n), srcPrefix + n);
        } finally {
          open.remove(k);
          FsCalls.close(d);
        }
      } else if (st.isRegular() && opt.links() && st.nlink() > 1 && firstNames.containsKey(key(st))) {
        header(path, '1', st, 0, firstNames.get(key(st)));
      } else if (st.isRegular()) {
        if (opt.links() && st.nlink() > 1) firstNames.put(key(st), path);
        int f = name.isEmpty() ? reopen(dir) : FsCalls.openAt(dir, name, false, false);
        try {
          pendingXattrs = xattrs(f);
          header(path, '0', st, st.size(), "");
          pendingXattrs = "";
          byte[] buf = new byte[1 << 16];
          long left = st.size();
          while (left > 0) {
            int n = FsCalls.read(f, buf);
            if (n < 0) break;
            int k = (int) Math.min(n, left);
            out.write(buf, 0, k);
            left -= k;
          }
          if (left > 0) out.write(new byte[(int) Math.min(left, Integer.MAX_VALUE)]); // shrank meanwhile: zeros
          pad(st.size());
        } finally {
          FsCalls.close(f);
        }
      } else if (st.isSymlink()) {
        header(path, '2', st, 0, FsCalls.readlinkAt(dir, name));
      } else if (st.type() == 0020000 && st.rdevMajor() == 0 && st.rdevMinor() == 0 && opt.ociWhiteouts()) {
        int slash = path.lastIndexOf('/');
        emptyFile(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), st);
      } else if (st.type() == 0010000) {
        header(path, '6', st, 0, "");
      } else if (st.type() == 0020000 || st.type() == 0060000) {
        header(path, st.type() == 0020000 ? '3' : '4', st, 0, "");
      }
      // sockets are not archived (as tar does)
    }

    void finish() throws IOException {
      out.write(new byte[2 * BLOCK]);
      out.flush();
    }

    private void emptyFile(String path, FsCalls.Stat like) throws IOException {
      header(path, '0', new FsCalls.Stat(0100000, like.uid(), like.gid(), 0, like.mtime(), 0, 0, 0, 0, 0, 1), 0, "");
    }

    private void pad(long size) throws IOException {
      int rest = (int) (size % BLOCK);
      if (rest != 0) out.write(new byte[BLOCK - rest]);
    }

    /** A ustar header, with a PAX header first for what ustar cannot hold (long names, big ids). */
    private void header(String name, char type, FsCalls.Stat st, long size, String link) throws IOException {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      byte[] l = link.getBytes(StandardCharsets.UTF_8);
      StringBuilder pax = new StringBuilder(pendingXattrs);
      if (n.length > 99) pax.append(record("path", name));
      if (l.length > 99) pax.append(record("linkpath", link));
      if (st.uid() > 07777777) pax.append(record("uid", Long.toString(st.uid())));
      if (st.gid() > 07777777) pax.append(record("gid", Long.toString(st.gid())));
      if (size > 077777777777L) pax.append(record("size", Long.toString(size)));
      if (pax.length() > 0) {
        // the records are UTF-8 text, but for xattr values, which recordLatin1 kept as Latin-1
        byte[] p = pax.toString().getBytes(StandardCharsets.ISO_8859_1);
        out.write(raw("././@PaxHeader", 'x', 0644, 0, 0, p.length, 0, "", 0, 0));
        out.write(p);
        pad(p.length);
      }
      out.write(raw(name, type, st.mode() & 07777, st.uid(), st.gid(), size, st.mtime(), link, st.rdevMajor(), st.rdevMinor()));
    }

    /** A PAX record, its text as UTF-8 bytes held in a Latin-1 string (the header is written as Latin-1). */
    private static String record(String key, String value) {
      return recordLatin1(key, new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    /** A PAX record of a key and a value given as bytes in a Latin-1 string. */
    private static String recordLatin1(String key, String value) {
      String body = " " + new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1) + "=" + value + "\n";
      int len = body.length();
      int total = len + Integer.toString(len).length();
      if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
      return total + body;
    }
  }

  static byte[] raw(String name, char type, int mode, long uid, long gid, long size, long mtime, String link,
      int major, int minor) {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
    octal(h, 100, 8, mode);
    octal(h, 108, 8, Math.min(uid, 07777777));
    octal(h, 116, 8, Math.min(gid, 07777777));
    octal(h, 124, 12, Math.min(size, 077777777777L));
    octal(h, 136, 12, Math.max(0, Math.min(mtime, 077777777777L)));
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
    put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    if (type == '3' || type == '4') {
      octal(h, 329, 8, major);
      octal(h, 337, 8, minor);
    }
    long sum = 0;
    for (byte b : h) sum += b & 0xff;
    octal(h, 148, 7, sum);
    return h;
  }

  private static void put(byte[] h, int off, int len, byte[] v) {
    System.arraycopy(v, 0, h, off, Math.min(len, v.length));
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    while (s.length() < len - 1) s = "0" + s;
    put(h, off, len - 1, s.getBytes(StandardCharsets.US_ASCII));
  }

  /** The names in a directory descriptor, sorted (a stable archive). */
  static List<String> list(int dirfd) throws IOException {
    List<String> names = new ArrayList<>();
    try (var s = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/fd/" + dirfd))) {
      for (java.nio.file.Path p : s) names.add(p.getFileName().toString());
    }
    names.sort(null);
    return names;
  }

  /** The same directory, opened for reading (dirfd may be O_PATH). */
  private static int reopenDir(int fd) throws IOException {
    return FsCalls.openInRoot(fd, ".", false, true, false);
  }

  /** The same regular file, opened for reading (through the descriptor's /proc link, which names exactly it). */
  private static int reopen(int fd) throws IOException {
    return FsCalls.reopen(fd);
  }

  static boolean isOpaque(int dirfd) throws IOException {
    byte[] v = FsCalls.fgetxattr(dirfd, "user.overlay.opaque");
    if (v == null) v = FsCalls.fgetxattr(dirfd, "user.fuseoverlayfs.opaque");
    return v != null && v.length > 0 && v[0] == 'y';
  }

  // --- extracting -------------------------------------------------------------------------------

  /**
   * Extracts a tar into the directory {@code destRel} of root (resolved inside root, symlinks
   * followed there); its top-level name is renamed to {@code rename} when that is not null. Each
   * member's parents are walked one component at a time without following symlinks (a member
   * under a symlink is refused); an existing non-directory is replaced by a non-directory, an
   * existing directory kept; a directory in place of a non-directory or the other way round is an
   * error unless overwrite (podman's cp --overwrite), which replaces it (a directory with all in
   * it). Extended attributes of the archive are set where the file system takes them. Returns the
   * number of members.
   */
  static long extract(int root, String destRel, String rename, InputStream in, Owner owner) throws IOException {
    return extract(root, destRel, rename, in, owner, false);
  }

  static long extract(int root, String destRel, String rename, InputStream in, Owner owner, boolean overwrite) throws IOException {
    boolean mkdir = MKDIR.equals(rename);
    if (mkdir) rename = null;
    if (AUTO.equals(rename)) {
      // into DEST when it is a directory, else as DEST (in its parent, which must be one)
      try {
        FsCalls.close(FsCalls.openInRoot(root, destRel, true, true, true));
        rename = null;
      } catch (FsCalls.ErrnoException e) {
        if (e.errno() != 2 && e.errno() != 20) throw e;
        List<String> parts = clean(destRel);
        if (parts.isEmpty()) throw e;
        rename = parts.get(parts.size() - 1);
        destRel = String.join("/", parts.subList(0, parts.size() - 1));
        if (destRel.isEmpty()) destRel = ".";
      }
    }
    int dest = mkdir ? -1 : FsCalls.openInRoot(root, destRel, true, true, true);
    List<Object[]> dirs = new ArrayList<>(); // [relative path, mtime] set last
    long count = 0;
    try {
      TarReader tar = new TarReader(in, 4096);
      TarEntry e;
      while ((e = tar.next()) != null) {
        if (dest < 0) dest = makeDir(root, destRel, owner, overwrite);
        List<String> parts = clean(e.name());
        if (parts.isEmpty()) continue;
        if (rename != null) parts.set(0, rename);
        count++;
        int parent = walk(dest, parts.subList(0, parts.size() - 1), owner);
        try {
          String name = parts.get(parts.size() - 1);
          apply(parent, name, e, tar, owner, dest, rename, overwrite);
          if (e.type() == '5') dirs.add(new Object[] {parts, e.mtimeSeconds()});
        } finally {
          FsCalls.close(parent);
        }
      }
      for (int i = dirs.size() - 1; i >= 0; i--) {
        @SuppressWarnings("unchecked")
        List<String> parts = (List<String>) dirs.get(i)[0];
        int parent = walk(dest, parts.subList(0, parts.size() - 1), owner);
        try {
          FsCalls.lutimesAt(parent, parts.get(parts.size() - 1), (Long) dirs.get(i)[1]);
        } finally {
          FsCalls.close(parent);
        }
      }
    } finally {
      if (dest >= 0) FsCalls.close(dest);
    }
    return count;
  }

  /** The directory destRel of root (O_PATH), made when missing (its parent must exist); a non-directory there is replaced only with overwrite. */
  private static int makeDir(int root, String destRel, Owner owner, boolean overwrite) throws IOException {
    try {
      return FsCalls.openInRoot(root, destRel, true, true, true);
    } catch (FsCalls.ErrnoException e) {
      if (e.errno() != 2 && e.errno() != 20) throw e;
    }
    List<String> parts = clean(destRel);
    if (parts.isEmpty()) throw new IOException("`/" + destRel + "` is not a directory");
    String parentRel = String.join("/", parts.subList(0, parts.size() - 1));
    int parent = FsCalls.openInRoot(root, parentRel.isEmpty() ? "." : parentRel, true, true, true);
    try {
      String name = parts.get(parts.size() - 1);
      FsCalls.Stat old = null;
      try {
        old = FsCalls.lstatAt(parent, name);
      } catch (FsCalls.ErrnoException x) {
        if (x.errno() != 2) throw x;
      }
      if (old != null && !old.isDir()) {
        if (!overwrite) throw new IOException("cannot overwrite non-directory `" + destRel + "` with a directory (--overwrite replaces it)");
        FsCalls.unlinkAt(parent, name, false);
      }
      FsCalls.mkdirAt(parent, name, 0755);
      if (!owner.keep() && owner.uid() >= 0) FsCalls.lchownAt(parent, name, owner.uid(), owner.gid());
      return FsCalls.openAt(parent, name, true, true);
    } finally {
      FsCalls.close(parent);
    }
  }

  /** Removes name in dir and, for a directory, all in it, never following a symlink. */
  private static void removeTree(int dir, String name) throws IOException {
    FsCalls.Stat st = FsCalls.lstatAt(dir, name);
    if (st.isDir()) {
      int d = FsCalls.openAt(dir, name, false, true);
      try {
        for (String n : list(d)) removeTree(d, n);
      } finally {
        FsCalls.close(d);
      }
    }
    FsCalls.unlinkAt(dir, name, st.isDir());
  }

  /**
   * Sets the archive's user.* extended attributes on an open file (overlayfs' own and every other
   * namespace, security.capability included, are left out: an archive gives no privilege); a file
   * system without them (or refusing one) is passed over.
   */
  private static void setXattrs(int fd, TarEntry e) throws IOException {
    if (e.xattrs() == null) return;
    for (var x : e.xattrs().entrySet()) {
      String n = x.getKey();
      if (!n.startsWith("user.") || n.startsWith("user.overlay.") || n.startsWith("user.fuseoverlayfs.")) continue;
      try {
        FsCalls.fsetxattr(fd, x.getKey(), x.getValue());
      } catch (FsCalls.ErrnoException err) {
        if (err.errno() != 95 && err.errno() != 1 && err.errno() != 13) throw err; // ENOTSUP, EPERM, EACCES
      }
    }
  }

  /** A member name as components: "/" and "." dropped; ".." refused. */
  static List<String> clean(String name) throws IOException {
    List<String> out = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) continue;
      if (p.equals("..")) throw new IOException("`" + name + "`: a member name with .. is refused");
      out.add(p);
    }
    return out;
  }

  /** Opens dir/parts... (O_PATH), making missing directories (0755); a symlink or file on the way is an error. */
  private static int walk(int dir, List<String> parts, Owner owner) throws IOException {
    int cur = FsCalls.openInRoot(dir, ".", true, true, false);
    for (String p : parts) {
      int next;
      try {
        next = FsCalls.openAt(cur, p, true, true);
      } catch (FsCalls.ErrnoException x) {
        if (x.errno() != 2) {
          FsCalls.close(cur);
          throw new IOException("`" + p + "` is not a directory (a symlink is not followed when extracting)");
        }
        FsCalls.mkdirAt(cur, p, 0755);
        if (!owner.keep() && owner.uid() >= 0) FsCalls.lchownAt(cur, p, owner.uid(), owner.gid());
        next = FsCalls.openAt(cur, p, true, true);
      }
      FsCalls.close(cur);
      cur = next;
    }
    return cur;
  }

  private static void apply(int parent, String name, TarEntry e, TarReader data, Owner owner, int dest, String rename,
      boolean overwrite) throws IOException {
    FsCalls.Stat old = null;
    try {
      old = FsCalls.lstatAt(parent, name);
    } catch (FsCalls.ErrnoException x) {
      if (x.errno() != 2) throw x;
    }
    int mode = owner.keep() || owner.uid() >= 0 ? e.mode() & 07777 : e.mode() & 01777;
    if (old != null && old.isDir() != (e.type() == '5') && !overwrite) {
      throw new IOException(old.isDir()
          ? "cannot overwrite directory `" + e.name() + "` with a non-directory (--overwrite replaces it)"
          : "cannot overwrite non-directory `" + e.name() + "` with a directory (--overwrite replaces it)");
    }
    if (e.type() == '5') {
      if (old != null && !old.isDir()) FsCalls.unlinkAt(parent, name, false);
      if (old == null || !old.isDir()) FsCalls.mkdirAt(parent, name, 0700);
      int d = FsCalls.openAt(parent, name, false, true);
      try {
        own(d, e, owner);
        FsCalls.fchmod(d, mode);
        setXattrs(d, e);
      } finally {
        FsCalls.close(d);
      }
      return;
    }
    if (old != null && old.isDir()) removeTree(parent, name);
    else if (old != null) FsCalls.unlinkAt(parent, name, false);
    switch (e.type()) {
      case '0', '\0', '7' -> {
        int f = FsCalls.createAt(parent, name, 0600);
        try {
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(1 << 16);
          byte[] b = new byte[1 << 16];
          long left = e.size();
          while (left > 0) {
            int n = data.read(b, 0, (int) Math.min(b.length, left));
            if (n < 0) throw new IOException("`" + e.name() + "`: the archive ends early");
            buf.clear();
            buf.put(b, 0, n).flip();
            FsCalls.writeFully(f, buf);
            left -= n;
          }
          own(f, e, owner);
          FsCalls.fchmod(f, mode);
          setXattrs(f, e);
          FsCalls.futimes(f, e.mtimeSeconds());
        } finally {
          FsCalls.close(f);
        }
      }
      case '2' -> {
        FsCalls.symlinkAt(e.linkName(), parent, name);
        if (owner.keep()) FsCalls.lchownAt(parent, name, e.uid(), e.gid());
        else if (owner.uid() >= 0) FsCalls.lchownAt(parent, name, owner.uid(), owner.gid());
        FsCalls.lutimesAt(parent, name, e.mtimeSeconds());
      }
      case '1' -> {
        List<String> target = clean(e.linkName());
        if (target.isEmpty()) throw new IOException("`" + e.name() + "`: a hard link to nothing");
        if (rename != null) target.set(0, rename); // the archive's top was renamed: so was the link's target
        int tp = walk(dest, target.subList(0, target.size() - 1), Owner.CALLER);
        try {
          FsCalls.linkAt(tp, target.get(target.size() - 1), parent, name);
        } finally {
          FsCalls.close(tp);
        }
      }
      case '6' -> {
        FsCalls.mkfifoAt(parent, name, mode);
        if (owner.keep()) FsCalls.lchownAt(parent, name, e.uid(), e.gid());
        else if (owner.uid() >= 0) FsCalls.lchownAt(parent, name, owner.uid(), owner.gid());
      }
      default -> {
        // devices cannot be made without privilege: skipped, as the unpacker does
      }
    }
  }

  private static void own(int fd, TarEntry e, Owner owner) throws IOException {
    if (owner.keep()) FsCalls.fchown(fd, e.uid(), e.gid());
    else if (owner.uid() >= 0) FsCalls.fchown(fd, owner.uid(), owner.gid());
  }

}
