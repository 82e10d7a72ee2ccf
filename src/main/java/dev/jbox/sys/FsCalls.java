package dev.jbox.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The file-system calls the layer unpacker needs that the JDK lacks: mknod, the l* calls on a
 * path itself, and calls on a descriptor (the parallel file writers work on descriptors only).
 */
public final class FsCalls {
  private FsCalls() {}

  /**
   * libc bindings; every call sets errno, which JNA turns into {@link LastErrorException}. Direct
   * mapping (static natives bound by {@link Native#register}), not an interface: an interface call goes
   * through a reflection proxy and JNA's generic argument conversion, several microseconds each, and a
   * pull makes tens of thousands of them (create, write, mode, times, close per file).
   */
  private static final class C {
    static {
      Jna.prepare();
      Native.register(C.class, LIBC_NAME);
    }

    private C() {}

    static native void _exit(int status);
    static native int mknod(String path, int mode, long dev) throws LastErrorException;
    static native int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;
    static native long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;
    static native int symlink(String target, String linkpath) throws LastErrorException;
    static native int chmod(String path, int mode) throws LastErrorException;
    static native int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;
    static native String strerror(int errnum);
    static native int open(String path, int flags, int mode) throws LastErrorException;
    static native long write(int fd, java.nio.ByteBuffer buf, long count) throws LastErrorException;
    static native int fchown(int fd, int uid, int gid) throws LastErrorException;
    static native int fchmod(int fd, int mode) throws LastErrorException;
    static native int futimens(int fd, long[] times) throws LastErrorException;
    static native int fsetxattr(int fd, String name, byte[] value, long size, int flags) throws LastErrorException;
    static native int close(int fd) throws LastErrorException;
    static native long read(int fd, byte[] buf, long count) throws LastErrorException;
    static native long syscall(long number, int dirfd, String path, byte[] how, long size) throws LastErrorException;
    static native int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;
    static native int mkdirat(int dirfd, String path, int mode) throws LastErrorException;
    static native int symlinkat(String target, int dirfd, String linkpath) throws LastErrorException;
    static native int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags) throws LastErrorException;
    static native long readlinkat(int dirfd, String path, byte[] buf, long size) throws LastErrorException;
    static native int unlinkat(int dirfd, String path, int flags) throws LastErrorException;
    static native int fchownat(int dirfd, String path, int uid, int gid, int flags) throws LastErrorException;
    static native int mknodat(int dirfd, String path, int mode, long dev) throws LastErrorException;
    static native int statx(int dirfd, String path, int flags, int mask, byte[] buf) throws LastErrorException;
    static native long fgetxattr(int fd, String name, byte[] value, long size) throws LastErrorException;
    static native long flistxattr(int fd, byte[] list, long size) throws LastErrorException;
  }

  /** An failed call with its errno, for callers that tell errors apart. */
  public static final class ErrnoException extends IOException {
    private final int errno;

    ErrnoException(String message, int errno) {
      super(message);
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }

  public static final int EINVAL = 22;
  public static final int EEXIST = 17;
  private static final int O_WRONLY = 01;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;
  /** O_NOFOLLOW differs between the architectures (asm-generic vs x86). */
  private static final int O_NOFOLLOW = System.getProperty("os.arch").equals("aarch64") ? 0100000 : 0400000;

  private static IOException error(String what, LastErrorException e) {
    return new ErrnoException(what + ": " + C.strerror(e.getErrorCode()), e.getErrorCode());
  }

  /**
   * Creates a regular file that did not exist (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) and returns
   * its descriptor: nothing at the path, not even a dangling symlink, is ever written through.
   */
  public static int createNew(Path path) throws IOException {
    return createNew(path, 0600);
  }

  /**
   * As {@link #createNew(Path)}, with the permission bits {@code mode} (less the umask). The
   * descriptor is writable whatever the mode says: open(2) checks no permission on the file it
   * creates.
   */
  public static int createNew(Path path, int mode) throws IOException {
    try {
      return C.open(path.toString(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    } catch (LastErrorException e) {
      throw error("create `" + path + "`", e);
    }
  }

  private static final class Umask {
    static final int VALUE = read();

    private static int read() {
      // umask(2) can only be read by setting it, which would race with other threads' creates
      try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.FileReader("/proc/self/status"))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("Umask:")) return Integer.parseInt(line.substring(6).trim(), 8);
        }
      } catch (IOException | NumberFormatException e) {
        // unknown
      }
      return -1;
    }
  }

  /** This process's umask (the "Umask:" line of /proc/self/status), or -1 when it cannot be read. */
  public static int umask() {
    return Umask.VALUE;
  }

  private static final long SYS_OPENAT2 = 437; // the same on x86_64 and aarch64
  private static final int O_PATH = 010000000;
  private static final int O_NONBLOCK = 04000;
  private static final int O_NOCTTY = 0400;
  private static final long RESOLVE_NO_MAGICLINKS = 0x02;
  private static final long RESOLVE_IN_ROOT = 0x10;

  /**
   * Reads {@code rel} of the directory {@code root} as if root were "/" (openat2 with
   * RESOLVE_IN_ROOT and RESOLVE_NO_MAGICLINKS: an absolute or ".." symlink stays inside it), and
   * only if it is a regular file of at most max bytes; opened non-blocking, so a FIFO cannot hang
   * the caller. For files of a sandbox's root seen from the host (/proc/PID/root), where a
   * symlink such as etc/passwd -> /etc/shadow would otherwise be resolved on the host.
   */
  public static byte[] readInRoot(Path root, String rel, int max) throws IOException {
    int dir;
    try {
      dir = C.open(root.toString(), O_PATH | O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw error("open `" + root + "`", e);
    }
    try {
      java.nio.ByteBuffer how = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.nativeOrder());
      how.putLong(0, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC).putLong(8, 0).putLong(16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      int fd;
      try {
        fd = (int) C.syscall(SYS_OPENAT2, dir, rel, how.array(), 24);
      } catch (LastErrorException e) {
        throw error("open `" + rel + "` in `" + root + "`", e);
      }
      try {
        var a = java.nio.file.Files.readAttributes(Path.of("/proc/self/fd/" + fd), java.nio.file.attribute.BasicFileAttributes.class);
        if (!a.isRegularFile()) throw new IOException("`" + rel + "` in `" + root + "` is not a regular file");
        if (a.size() > max) throw new IOException("`" + rel + "` in `" + root + "` is larger than " + max + " bytes");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (;;) {
          long n;
          try {
            n = C.read(fd, buf, buf.length);
          } catch (LastErrorException e) {
            if (e.getErrorCode() == 4) continue; // EINTR
            throw error("read `" + rel + "` in `" + root + "`", e);
          }
          if (n <= 0) break;
          out.write(buf, 0, (int) n);
          if (out.size() > max) throw new IOException("`" + rel + "` in `" + root + "` is larger than " + max + " bytes");
        }
        return out.toByteArray();
      } finally {
        close(fd);
      }
    } finally {
      close(dir);
    }
  }

  private static final int O_RDONLY = 0;

  // --- descriptor-relative calls: a tree under a directory fd, never leaving it ---------------

  public static final int O_DIRECTORY = System.getProperty("os.arch").equals("aarch64") ? 040000 : 0200000;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_EMPTY_PATH = 0x1000;
  public static final int AT_REMOVEDIR = 0x200;
  private static final long RESOLVE_NO_XDEV = 0x01;

  /**
   * openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: {@code rel} as if {@code root} were "/"
   * ("..", absolute symlinks stay inside it). path: O_PATH (else read-only); follow: whether a
   * symlink as the last component is followed (inside root). Returns the descriptor.
   */
  public static int openInRoot(int root, String rel, boolean path, boolean directory, boolean follow) throws IOException {
    java.nio.ByteBuffer how = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.nativeOrder());
    long flags = (path ? O_PATH : O_RDONLY | O_NONBLOCK | O_NOCTTY) | O_CLOEXEC | (directory ? O_DIRECTORY : 0) | (follow ? 0 : O_NOFOLLOW);
    how.putLong(0, flags).putLong(8, 0).putLong(16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    try {
      return (int) C.syscall(SYS_OPENAT2, root, rel.isEmpty() ? "." : rel, how.array(), 24);
    } catch (LastErrorException e) {
      throw error("`/" + rel + "`", e);
    }
  }

  /** open(2) of a directory or file by host path, O_PATH | O_DIRECTORY when dir. */
  public static int openPath(String path, boolean dir) throws IOException {
    try {
      return C.open(path, O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0), 0);
    } catch (LastErrorException e) {
      throw error("`" + path + "`", e);
    }
  }

  /** The file an O_PATH descriptor names, opened for reading through its /proc/self/fd link (which names exactly it). */
  public static int reopen(int fd) throws IOException {
    try {
      return C.open("/proc/self/fd/" + fd, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw error("reopen", e);
    }
  }

  /** openat(dirfd, name) of one component that must not be a symlink: read-only, or O_PATH. */
  public static int openAt(int dirfd, String name, boolean path, boolean directory) throws IOException {
    try {
      return C.openat(dirfd, name, (path ? O_PATH : O_RDONLY | O_NONBLOCK | O_NOCTTY) | O_CLOEXEC | O_NOFOLLOW
          | (directory ? O_DIRECTORY : 0), 0);
    } catch (LastErrorException e) {
      throw error("`" + name + "`", e);
    }
  }

  /** Creates a new regular file name in dirfd (O_EXCL | O_NOFOLLOW) for writing; returns its fd. */
  public static int createAt(int dirfd, String name, int mode) throws IOException {
    try {
      return C.openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    } catch (LastErrorException e) {
      throw error("create `" + name + "`", e);
    }
  }

  public static void mkdirAt(int dirfd, String name, int mode) throws IOException {
    try {
      C.mkdirat(dirfd, name, mode);
    } catch (LastErrorException e) {
      throw error("mkdir `" + name + "`", e);
    }
  }

  public static void symlinkAt(String target, int dirfd, String name) throws IOException {
    try {
      C.symlinkat(target, dirfd, name);
    } catch (LastErrorException e) {
      throw error("symlink `" + name + "`", e);
    }
  }

  public static void linkAt(int olddir, String oldname, int newdir, String newname) throws IOException {
    try {
      C.linkat(olddir, oldname, newdir, newname, 0);
    } catch (LastErrorException e) {
      throw error("link `" + newname + "`", e);
    }
  }

  /** The target of the symlink name in dirfd, as its bytes (UTF-8). */
  public static String readlinkAt(int dirfd, String name) throws IOException {
    byte[] buf = new byte[4097];
    try {
      long n = C.readlinkat(dirfd, name, buf, buf.length);
      if (n >= buf.length) throw new IOException("readlink `" + name + "`: target too long");
      return new String(buf, 0, (int) n, java.nio.charset.StandardCharsets.UTF_8);
    } catch (LastErrorException e) {
      throw error("readlink `" + name + "`", e);
    }
  }

  /** Removes name in dirfd (a directory only when dir, which must be empty); ENOENT is no error. */
  public static void unlinkAt(int dirfd, String name, boolean dir) throws IOException {
    try {
      C.unlinkat(dirfd, name, dir ? AT_REMOVEDIR : 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 2) return;
      throw error("remove `" + name + "`", e);
    }
  }

  /** fchownat with AT_SYMLINK_NOFOLLOW (name "" and AT_EMPTY_PATH: dirfd itself). */
  public static void lchownAt(int dirfd, String name, long uid, long gid) throws IOException {
    try {
      C.fchownat(dirfd, name, (int) uid, (int) gid, AT_SYMLINK_NOFOLLOW | (name.isEmpty() ? AT_EMPTY_PATH : 0));
    } catch (LastErrorException e) {
      throw error("chown `" + name + "`", e);
    }
  }

  /** Sets atime and mtime of name in dirfd itself (AT_SYMLINK_NOFOLLOW). */
  public static void lutimesAt(int dirfd, String name, long seconds) throws IOException {
    try {
      C.utimensat(dirfd, name, new long[] {seconds, 0, seconds, 0}, AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException e) {
      throw error("utimensat `" + name + "`", e);
    }
  }

  /** A FIFO name in dirfd. */
  public static void mkfifoAt(int dirfd, String name, int mode) throws IOException {
    try {
      C.mknodat(dirfd, name, S_IFIFO | (mode & 07777), 0);
    } catch (LastErrorException e) {
      throw error("mkfifo `" + name + "`", e);
    }
  }

  /** What statx tells of one node. type: the S_IFMT bits; rdev as major/minor. */
  public record Stat(int mode, long uid, long gid, long size, long mtime, long ino, int devMajor, int devMinor,
      int rdevMajor, int rdevMinor, int nlink) {
    public int type() {
      return mode & 0170000;
    }

    public boolean isDir() {
      return type() == 0040000;
    }

    public boolean isRegular() {
      return type() == 0100000;
    }

    public boolean isSymlink() {
      return type() == 0120000;
    }
  }

  /** statx of name in dirfd, never following a symlink ("" is dirfd itself). */
  public static Stat lstatAt(int dirfd, String name) throws IOException {
    byte[] b = new byte[256];
    try {
      C.statx(dirfd, name, AT_SYMLINK_NOFOLLOW | (name.isEmpty() ? AT_EMPTY_PATH : 0), 0x7ff, b);
    } catch (LastErrorException e) {
      throw error("stat `" + name + "`", e);
    }
    java.nio.ByteBuffer x = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder());
    return new Stat(x.getShort(28) & 0xffff, x.getInt(20) & 0xffffffffL, x.getInt(24) & 0xffffffffL, x.getLong(40),
        x.getLong(112), x.getLong(32), x.getInt(136), x.getInt(140), x.getInt(128), x.getInt(132), x.getInt(16));
  }

  /** An extended attribute of the open file, or null when it is not set. */
  public static byte[] fgetxattr(int fd, String name) throws IOException {
    return fgetxattr(fd, name, 4096);
  }

  private static byte[] fgetxattr(int fd, String name, int room) throws IOException {
    byte[] buf = new byte[room];
    try {
      long n = C.fgetxattr(fd, name, buf, buf.length);
      return java.util.Arrays.copyOf(buf, (int) n);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 61 || e.getErrorCode() == 95) return null; // ENODATA, ENOTSUP
      throw error("fgetxattr " + name, e);
    }
  }

  /** The names of the extended attributes of the open file (none where the file system has none). */
  public static java.util.List<String> flistxattr(int fd) throws IOException {
    byte[] buf = new byte[65536];
    long n;
    try {
      n = C.flistxattr(fd, buf, buf.length);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 95) return java.util.List.of(); // ENOTSUP
      throw error("flistxattr", e);
    }
    java.util.List<String> names = new java.util.ArrayList<>();
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (buf[i] == 0) {
        if (i > start) names.add(new String(buf, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return names;
  }

  /** An extended attribute of the open file up to 64 KiB (the most Linux holds), or null when it is not set. */
  public static byte[] fgetxattrLarge(int fd, String name) throws IOException {
    return fgetxattr(fd, name, 65536);
  }

  /** Reads up to buf.length bytes from fd (EINTR retried); -1 at end. */
  public static int read(int fd, byte[] buf) throws IOException {
    for (;;) {
      try {
        long n = C.read(fd, buf, buf.length);
        return n == 0 ? -1 : (int) n;
      } catch (LastErrorException e) {
        if (e.getErrorCode() == 4) continue;
        throw error("read", e);
      }
    }
  }

  /** Writes the buffer's remaining bytes (a direct buffer) to fd. */
  public static void writeFully(int fd, java.nio.ByteBuffer direct) throws IOException {
    while (direct.hasRemaining()) {
      try {
        long n = C.write(fd, direct.slice(), direct.remaining());
        direct.position(direct.position() + (int) n);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == 4) continue; // EINTR
        throw error("write", e);
      }
    }
  }

  /** fchown(2); EINVAL (an id without a mapping) comes as an {@link ErrnoException}. */
  public static void fchown(int fd, long uid, long gid) throws IOException {
    try {
      C.fchown(fd, (int) uid, (int) gid);
    } catch (LastErrorException e) {
      throw error("fchown", e);
    }
  }

  public static void fchmod(int fd, int mode) throws IOException {
    try {
      C.fchmod(fd, mode);
    } catch (LastErrorException e) {
      throw error("fchmod", e);
    }
  }

  /** Sets atime and mtime of the open file. */
  public static void futimes(int fd, long seconds) throws IOException {
    try {
      C.futimens(fd, new long[] {seconds, 0, seconds, 0});
    } catch (LastErrorException e) {
      throw error("futimens", e);
    }
  }

  public static void fsetxattr(int fd, String name, byte[] value) throws IOException {
    try {
      C.fsetxattr(fd, name, value, value.length, 0);
    } catch (LastErrorException e) {
      throw error("fsetxattr " + name, e);
    }
  }

  /** Whether {@code path} itself (not a symlink's target) carries the extended attribute {@code name}. */
  public static boolean hasXattr(Path path, String name) {
    try {
      return C.lgetxattr(path.toString(), name, null, 0) >= 0;
    } catch (LastErrorException e) {
      return false;
    }
  }

  /** close(2), errors ignored: the descriptor is gone either way. */
  public static void close(int fd) {
    try {
      C.close(fd);
    } catch (LastErrorException e) {
      // EINTR or EIO: on Linux the descriptor is released all the same
    }
  }

  /**
   * glibc by its soname: JNA maps a bare "c" to libc.so, which is a linker script where libc6-dev
   * is installed and missing where it is not, and then runs {@code ldconfig -p} (a fork and exec,
   * 10-20 ms) to find the real one.
   */
  public static final String LIBC_NAME = "libc.so.6";

  /** _exit(2): the process ends at once, without the JVM's exit sequence (see QuickExit). */
  public static void exitNow(int status) {
    C._exit(status);
  }

  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;

  /** Creates a FIFO or a character device (only 0/0, the overlay whiteout, works unprivileged). */
  public static void mknod(Path path, int typeAndMode, int major, int minor) throws IOException {
    long dev = ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12);
    try {
      C.mknod(path.toString(), typeAndMode, dev);
    } catch (LastErrorException e) {
      throw new IOException("mknod `" + path + "`: " + C.strerror(e.getErrorCode()));
    }
  }

  /**
   * chmod(2) by name, for nodes the caller knows are not symlinks: the JDK's chmod opens the file
   * first, which blocks on a FIFO.
   */
  public static void chmod(Path path, int mode) throws IOException {
    try {
      C.chmod(path.toString(), mode);
    } catch (LastErrorException e) {
      throw new IOException("chmod `" + path + "`: " + C.strerror(e.getErrorCode()));
    }
  }

  /** Sets atime and mtime of the path itself (utimensat with AT_SYMLINK_NOFOLLOW, no open). */
  public static void lutimes(Path path, long seconds) throws IOException {
    try {
      C.utimensat(-100, path.toString(), new long[] {seconds, 0, seconds, 0}, 0x100);
    } catch (LastErrorException e) {
      throw new IOException("utimensat `" + path + "`: " + C.strerror(e.getErrorCode()));
    }
  }

  /** Creates a symlink whose target is exactly the given bytes (the JDK normalizes slashes). */
  public static void symlink(String target, Path link) throws IOException {
    try {
      C.symlink(target, link.toString());
    } catch (LastErrorException e) {
      throw error("symlink `" + link + "`", e);
    }
  }

  /** Sets an extended attribute on the path itself, never following a symlink. */
  public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
    try {
      C.lsetxattr(path.toString(), name, value, value.length, 0);
    } catch (LastErrorException e) {
      throw new IOException(
          "lsetxattr `" + path + "` " + name + ": " + C.strerror(e.getErrorCode()));
    }
  }

  /** Reads an extended attribute of the path itself, or null when it is not set. */
  public static byte[] lgetxattr(Path path, String name) throws IOException {
    byte[] buf = new byte[4096];
    try {
      long n = C.lgetxattr(path.toString(), name, buf, buf.length);
      return java.util.Arrays.copyOf(buf, (int) n);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 61) return null; // ENODATA
      throw new IOException(
          "lgetxattr `" + path + "` " + name + ": " + C.strerror(e.getErrorCode()));
    }
  }
}
