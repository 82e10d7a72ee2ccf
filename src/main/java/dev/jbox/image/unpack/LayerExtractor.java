package dev.jbox.image.unpack;

import dev.jbox.sys.FsCalls;
import dev.jbox.sys.IsalGzipInputStream;
import dev.jbox.sys.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Extracts one image layer (tar, gzip or zstd, detected by magic bytes) into a fresh directory,
 * converting OCI whiteouts to the overlay format, and never touching anything outside it.
 *
 * <p>Overlay format written (read by the next issue's native overlay with {@code userxattr}, and
 * by fuse-overlayfs): a whiteout {@code .wh.NAME} becomes a 0/0 character device {@code NAME}
 * (unprivileged mknod of 0/0 is allowed since Linux 5.8); an opaque marker {@code .wh..wh..opq}
 * sets {@code user.overlay.opaque=y} (native overlay in a user namespace reads user.* because
 * trusted.* needs init-namespace CAP_SYS_ADMIN) and {@code user.fuseoverlayfs.opaque=y} on its
 * directory. Image-supplied overlay xattrs are dropped, so a layer cannot forge redirects.
 *
 * <p>Path safety: every member name is normalized lexically (leading '/' stripped, '..' that would
 * leave the root refused), then each parent component is checked with lstat (NOFOLLOW): it must
 * be a real directory, a symlink parent refuses the layer. Files are always created new (O_EXCL;
 * when something is already there, it is removed and the create tried once more), so a write never
 * goes through an existing link. These
 * component-by-component checks are race-free because the destination is a fresh 0700 staging
 * directory that nothing but this process writes to while it extracts.
 */
public final class LayerExtractor {
  /**
   * What to apply and how much to accept; layerName only labels errors. With {@code deferred},
   * owners are not set here but recorded in it (for {@code jbox-helper owners}, see
   * {@link OwnerList}) and checked against the id counts it was made with.
   */
  public record Options(boolean applyOwnership, UnpackLimits limits, String layerName, OwnerList deferred) {
    public Options(boolean applyOwnership, UnpackLimits limits, String layerName) {
      this(applyOwnership, limits, layerName, null);
    }
  }

  /** The outcome: the digest of the uncompressed tar (the diff id) and counts. */
  public record Result(String diffId, long entries, long bytes, int devicesSkipped,
      List<String> notes) {}

  private static final String OPAQUE = ".wh..wh..opq";
  private static final String WH = ".wh.";

  private final Path root;
  private final Options opt;
  private final Map<Path, long[]> dirMeta = new LinkedHashMap<>(); // mode, mtime
  /** Directories already checked (real, inside root); only this process changes the tree. */
  private final java.util.Set<Path> knownDirs = new java.util.HashSet<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> devices = new ArrayList<>();
  private int skippedXattrs;
  private long entries;
  private FileWriters writers;

  private LayerExtractor(Path root, Options opt) {
    this.root = root;
    this.opt = opt;
  }

  /** Extracts the (possibly compressed) layer stream into dest, which must not exist yet. */
  public static Result extract(InputStream raw, Path dest, Options opt) throws IOException {
    Files.createDirectory(dest, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    LayerExtractor x = new LayerExtractor(dest, opt);
    try {
      return x.run(raw);
    } catch (IOException e) {
      throw new IOException("layer " + opt.layerName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * ISA-L's inflate (helpers/isal/jbox_isal.c), installed beside the helper: $JBOX_ISAL names it
   * instead, and JBOX_ISAL=0 turns it off (the JDK's zlib then inflates, four times slower).
   */
  public static Path isalLibrary() {
    return companion("JBOX_ISAL", "libjbox-isal.so");
  }

  /**
   * A file installed beside the helper: {@code $VAR} names another, {@code VAR=0} none (null);
   * else NAME in $JBOX_HELPER's directory, or in /usr/lib/jbox.
   */
  static Path companion(String var, String name) {
    String env = System.getenv(var);
    if (env != null && !env.isEmpty()) return env.equals("0") ? null : Path.of(env);
    String helper = System.getenv("JBOX_HELPER");
    Path dir = helper != null && !helper.isEmpty() ? Path.of(helper).getParent() : Path.of("/usr/lib/jbox");
    return dir == null ? null : dir.resolve(name);
  }

  /** Opens the decompressing stream for gzip, zstd or plain tar by its first bytes. */
  public static InputStream decompress(InputStream raw) throws IOException {
    BufferedInputStream b = new BufferedInputStream(raw, 1 << 16);
    b.mark(4);
    byte[] m = b.readNBytes(4);
    b.reset();
    if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
      return IsalGzipInputStream.load(isalLibrary()) ? new IsalGzipInputStream(b) : new GZIPInputStream(b, 1 << 16);
    }
    if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
        && (m[3] & 0xff) == 0xfd) {
      return new BufferedInputStream(new ZstdInputStream(b), 1 << 16);
    }
    return b;
  }

  private Result run(InputStream raw) throws IOException {
    Bounded bounded = new Bounded(decompress(raw), opt.limits(), Files.getFileStore(root));
    AsyncDigest din = new AsyncDigest(bounded);
    writers = new FileWriters(FileWriters.defaultThreads(), this::outOfRange);
    try {
      TarReader tar = new TarReader(din, opt.limits().maxPathLength());
      dirMeta.put(root, new long[] {0755, -1});
      TarEntry e;
      while ((e = tar.next()) != null) {
        if (++entries > opt.limits().maxEntries()) {
          throw new IOException("more than " + opt.limits().maxEntries()
              + " entries (limit JBOX_UNPACK_MAX_ENTRIES)");
        }
        try {
          apply(e, tar);
        } catch (FileSystemException fse) {
          throw new IOException(e.name() + ": " + fse.getMessage(), fse);
        }
      }
      // The diff id covers the whole uncompressed stream, including the trailing zero blocks.
      din.transferTo(OutputStream.nullOutputStream());
      String diffId = din.digest();
      writers.drain();
      skippedXattrs += writers.skippedXattrs();
      finishDirs();
      notes.addAll(notes(devices.size(), devices.isEmpty() ? "" : devices.get(0), skippedXattrs));
      return new Result(diffId, entries,
          bounded.count, devices.size(), notes);
    } finally {
      din.abandon();
      writers.close();
    }
  }

  /** What a layer's unpack tells the user: the device nodes and xattrs it skipped (jbox-unpack's too). */
  static List<String> notes(int devices, String firstDevice, int skippedXattrs) {
    List<String> out = new ArrayList<>();
    if (devices > 0) {
      out.add("skipped " + devices + " device node(s), which cannot be created rootless"
          + " (e.g. /" + firstDevice + ")");
    }
    if (skippedXattrs > 0) {
      out.add("skipped " + skippedXattrs + " extended attribute(s) outside user.* "
          + "(security.capability, trusted.*, overlay markers)");
    }
    return out;
  }

  /** Lexical normalization: strip leading '/', drop '.', resolve '..' refusing escapes. */
  static List<String> components(String name) throws IOException {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) {
        if (out.isEmpty()) throw new IOException("path escapes the layer with '..': " + name);
        out.remove(out.size() - 1);
      } else {
        if (c.indexOf('\0') >= 0) throw new IOException("NUL in path: " + name);
        out.add(c);
      }
    }
    return out;
  }

  /** Resolves the parent of comps to a real directory inside root, creating missing ones. */
  private Path parentOf(List<String> comps, String member, boolean create) throws IOException {
    Path cur = root;
    for (int k = 0; k < comps.size() - 1; k++) {
      Path next = cur.resolve(comps.get(k));
      if (knownDirs.contains(next)) {
        cur = next;
        continue;
      }
      BasicFileAttributes a = lstat(next);
      if (a == null) {
        if (!create) throw new IOException("directory /" + rel(next) + " is not in this layer");
        Files.createDirectory(next);
        FsCalls.chmod(next, 0755);
      } else if (a.isSymbolicLink()) {
        throw new IOException("refusing " + member + ": its parent /" + rel(next)
            + " is a symlink");
      } else if (!a.isDirectory()) {
        throw new IOException("refusing " + member + ": its parent /" + rel(next)
            + " is not a directory");
      }
      knownDirs.add(next);
      cur = next;
    }
    return cur;
  }

  private String rel(Path p) {
    return root.relativize(p).toString();
  }

  private static BasicFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private void apply(TarEntry e, TarReader tar) throws IOException {
    List<String> comps = components(e.name());
    if (comps.isEmpty()) {
      if (e.type() != '5') throw new IOException("a non-directory member names the layer root");
      chown(root, e, e.mode());
      dirMeta.put(root, new long[] {e.mode(), e.mtimeSeconds()});
      return;
    }
    String base = comps.get(comps.size() - 1);
    Path parent = parentOf(comps, e.name(), true);
    if (base.startsWith(WH)) {
      whiteout(parent, base, e);
      return;
    }
    Path p = parent.resolve(base);
    switch (e.type()) {
      case '5' -> {
        // create first: in a fresh layer nearly every name is new, and an lstat that fails
        // costs a system call and an exception per member
        boolean made = true;
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException x) {
          BasicFileAttributes a = lstat(p);
          made = a == null || !a.isDirectory();
          if (made) {
            removeExisting(p);
            Files.createDirectory(p);
          }
        }
        if (made) FsCalls.chmod(p, 0700);
        chown(p, e, e.mode());
        xattrs(p, e);
        dirMeta.put(p, new long[] {e.mode(), e.mtimeSeconds()});
      }
      case '0', '\0', '7' -> {
        String member = "/" + String.join("/", comps);
        // Created with its final mode when the umask keeps every bit of it and it has no
        // setuid, setgid or sticky bit (a write or a chown clears the first two): one fchmod
        // fewer for nearly every file of a layer. Otherwise 0600 now, the mode after the writes.
        int umask = FsCalls.umask();
        boolean modeNow = (e.mode() & ~0777) == 0 && umask >= 0 && (e.mode() & umask) == 0;
        FileWriters.Meta meta = new FileWriters.Meta(member, opt.applyOwnership() && opt.deferred() == null, e.uid(), e.gid(), e.mode(),
            userXattrs(e), e.mtimeSeconds(), modeNow);
        if (opt.applyOwnership() && (e.uid() > Integer.MAX_VALUE || e.gid() > Integer.MAX_VALUE)) throw outOfRange(meta);
        int createMode = modeNow ? e.mode() : 0600;
        int fd;
        try {
          fd = FsCalls.createNew(p, createMode);
        } catch (FsCalls.ErrnoException x) {
          if (x.errno() != FsCalls.EEXIST) throw x;
          removeExisting(p); // a later member replaces an earlier one (or a symlink: not followed)
          fd = FsCalls.createNew(p, createMode);
        }
        try {
          defer(p, e, e.mode());
        } catch (IOException x) {
          FsCalls.close(fd);
          throw x;
        }
        // queued to a writer thread, or (too big to queue) written here, through the same
        // descriptor-only calls
        writers.submit(fd, e.size(), tar, meta, member);
      }
      case '2' -> {
        if (e.linkName().isEmpty()) throw new IOException("symlink with an empty target");
        try {
          FsCalls.symlink(e.linkName(), p);
        } catch (FsCalls.ErrnoException x) {
          if (x.errno() != FsCalls.EEXIST) throw x;
          removeExisting(p);
          FsCalls.symlink(e.linkName(), p);
        }
        chown(p, e, -1);
        mtime(p, e.mtimeSeconds());
      }
      case '1' -> hardlink(p, e);
      case '6' -> {
        removeExisting(p);
        FsCalls.mknod(p, FsCalls.S_IFIFO | 0600, 0, 0);
        finishNode(p, e);
      }
      case '3', '4' -> devices.add(String.join("/", comps));
      default -> throw new IOException("unsupported tar member type '" + e.type() + "'");
    }
  }

  private void finishNode(Path p, TarEntry e) throws IOException {
    chown(p, e, e.mode());
    // chown clears setuid/setgid: the mode goes on after it.
    FsCalls.chmod(p, e.mode());
    xattrs(p, e);
    mtime(p, e.mtimeSeconds());
  }

  private void hardlink(Path p, TarEntry e) throws IOException {
    List<String> tcomps = components(e.linkName());
    if (tcomps.isEmpty()) throw new IOException("hard link to the layer root");
    Path target = parentOf(tcomps, e.name(), false).resolve(tcomps.get(tcomps.size() - 1));
    BasicFileAttributes ta = lstat(target);
    if (ta == null) {
      throw new IOException("hard link target /" + String.join("/", tcomps)
          + " is not in this layer");
    }
    if (ta.isDirectory()) throw new IOException("hard link to a directory");
    if (target.equals(p)) return;
    removeExisting(p);
    // link(2) does not follow a symlink target: the link names the symlink itself.
    Files.createLink(p, target);
    if (opt.deferred() != null) opt.deferred().link(rel(p), rel(target));
  }

  private void whiteout(Path parent, String base, TarEntry e) throws IOException {
    if (base.equals(OPAQUE)) {
      setXattr(parent, "user.overlay.opaque");
      setXattr(parent, "user.fuseoverlayfs.opaque");
      return;
    }
    if (base.startsWith(WH + WH)) return; // other AUFS metadata (.wh..wh.plnk): nothing to do
    String name = base.substring(WH.length());
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new IOException("invalid whiteout " + e.name());
    }
    Path victim = parent.resolve(name);
    removeExisting(victim);
    FsCalls.mknod(victim, FsCalls.S_IFCHR | 0, 0, 0);
  }

  private static void setXattr(Path dir, String name) throws IOException {
    FsCalls.lsetxattr(dir, name, "y".getBytes(StandardCharsets.US_ASCII));
  }

  private void removeExisting(Path p) throws IOException {
    BasicFileAttributes a = lstat(p);
    if (a == null) return;
    if (opt.deferred() != null) opt.deferred().forget(rel(p));
    if (!a.isDirectory()) {
      Files.delete(p);
      return;
    }
    // Forget the directories of the deleted tree as the walk meets them: a scan of every known
    // directory per replaced one made a layer of many replacements quadratic (1M headers, 205 s).
    Tree.delete(p, this::forgetDir);
  }

  private void forgetDir(Path d) {
    dirMeta.remove(d);
    knownDirs.remove(d);
  }

  /**
   * Deferred ownership: records p's owner (and mode, -1 for none) for the helper, refusing an id
   * the user namespace does not map as fchown would there.
   */
  private void defer(Path p, TarEntry e, int mode) throws IOException {
    OwnerList d = opt.deferred();
    if (d == null || !opt.applyOwnership()) return;
    if (e.uid() >= d.mappedUids()) throw outOfRange(e, "uid " + e.uid());
    if (e.gid() >= d.mappedGids()) throw outOfRange(e, "gid " + e.gid());
    d.set(rel(p), e.uid(), e.gid(), mode);
  }

  private void chown(Path p, TarEntry e, int mode) throws IOException {
    if (!opt.applyOwnership()) return;
    if (opt.deferred() != null) {
      defer(p, e, mode);
      return;
    }
    if (e.uid() > Integer.MAX_VALUE || e.gid() > Integer.MAX_VALUE) {
      throw outOfRange(e, e.uid() > Integer.MAX_VALUE ? "uid " + e.uid() : "gid " + e.gid());
    }
    try {
      FsCalls.lchownAt(AT_FDCWD, p.toString(), e.uid(), e.gid()); // one call for both, never following
    } catch (FsCalls.ErrnoException x) {
      if (x.errno() != FsCalls.EINVAL) throw x;
      // the id past the map is the one the error names (the uid when both are)
      boolean uid = e.uid() >= IdMaps.mappedCount("/proc/self/uid_map");
      throw outOfRange(e, uid ? "uid " + e.uid() : "gid " + e.gid());
    }
  }

  private static final int AT_FDCWD = -100;

  private IOException outOfRange(TarEntry e, String what) {
    return outOfRange("/" + String.join("/", safeComps(e.name())), what);
  }

  /** The one-line error for an id without a mapping: which file, which id, and the fix. */
  private IOException outOfRange(String member, String what) {
    boolean uid = what.startsWith("uid");
    OwnerList d = opt.deferred();
    // the ids above 0, as IdMaps.mappedCount counts them (0 is the user)
    long mapped = d != null ? (uid ? d.mappedUids() : d.mappedGids()) - 1
        : IdMaps.mappedCount(uid ? "/proc/self/uid_map" : "/proc/self/gid_map");
    return new IOException("file " + member + " owned by " + what + ", outside your " + mapped
        + " subordinate ids: add a larger range to " + (uid ? "/etc/subuid" : "/etc/subgid"));
  }

  private static List<String> safeComps(String name) {
    try {
      return components(name);
    } catch (IOException x) {
      return List.of(name);
    }
  }

  /** The member's user.* xattrs that jbox keeps (not the overlay's own); counts the others. */
  private Map<String, byte[]> userXattrs(TarEntry e) {
    if (e.xattrs().isEmpty()) return Map.of();
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      String n = x.getKey();
      if (!n.startsWith("user.") || n.startsWith("user.overlay.") || n.startsWith("user.fuseoverlayfs.")) skippedXattrs++;
      else out.put(n, x.getValue());
    }
    return out;
  }

  /** fchown refused an id: the error names it (uid if that one is past the map) and the fix. */
  private IOException outOfRange(FileWriters.Meta m) {
    long mapped = opt.deferred() != null ? opt.deferred().mappedUids() : IdMaps.mappedCount("/proc/self/uid_map");
    boolean uid = m.uid() >= mapped || m.uid() > Integer.MAX_VALUE;
    return outOfRange(m.member(), uid ? "uid " + m.uid() : "gid " + m.gid());
  }

  private void xattrs(Path p, TarEntry e) throws IOException {
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      String n = x.getKey();
      if (!n.startsWith("user.") || n.startsWith("user.overlay.")
          || n.startsWith("user.fuseoverlayfs.")) {
        skippedXattrs++;
        continue;
      }
      try {
        FsCalls.lsetxattr(p, n, x.getValue());
      } catch (IOException io) {
        skippedXattrs++;
      }
    }
  }

  private static void mtime(Path p, long seconds) throws IOException {
    FsCalls.lutimes(p, seconds);
  }

  /** Directory modes and mtimes go on last, deepest first, so 0555 dirs stay fillable. */
  private void finishDirs() throws IOException {
    List<Map.Entry<Path, long[]>> list = new ArrayList<>(dirMeta.entrySet());
    list.sort((a, b) -> Integer.compare(b.getKey().getNameCount(), a.getKey().getNameCount()));
    for (Map.Entry<Path, long[]> d : list) {
      BasicFileAttributes a = lstat(d.getKey());
      if (a == null || !a.isDirectory()) continue;
      FsCalls.chmod(d.getKey(), (int) d.getValue()[0]);
      if (d.getValue()[1] >= 0) mtime(d.getKey(), d.getValue()[1]);
    }
  }

  /**
   * Counts decompressed bytes and stops at storage.max_layer_size, and before the store's
   * filesystem runs out of space: every {@link #CHECK_EVERY} bytes it asks statvfs how much is
   * left and stops when less than the reserve would remain (a 2 MB gzip inflates to gigabytes).
   */
  private static final class Bounded extends FilterInputStream {
    static final long CHECK_EVERY = 8 << 20;
    private final long max;
    private final java.nio.file.FileStore fs;
    private final long reserve;
    private long nextCheck;
    long count;

    Bounded(InputStream in, UnpackLimits limits, java.nio.file.FileStore fs) throws IOException {
      super(in);
      this.max = limits.maxBytes();
      this.fs = fs;
      this.reserve = limits.minFree() >= 0 ? limits.minFree() : UnpackLimits.reserveFor(fs.getTotalSpace());
      checkFree();
    }

    private void checkFree() throws IOException {
      long free = fs.getUsableSpace();
      if (free - CHECK_EVERY < reserve) {
        throw new IOException("stopped unpacking: the store's filesystem is down to " + mib(free)
            + " free, and jbox leaves " + mib(reserve) + " free");
      }
      nextCheck = count + CHECK_EVERY;
    }

    private static String mib(long bytes) {
      return (bytes >> 20) + " MiB";
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (c >= 0) add(1);
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) add(n);
      return n;
    }

    private void add(long n) throws IOException {
      count += n;
      if (count > max) {
        throw new IOException("larger than " + max + " bytes after decompression, the limit"
            + " storage.max_layer_size sets in jbox.toml");
      }
      if (count >= nextCheck) checkFree();
    }
  }
}
