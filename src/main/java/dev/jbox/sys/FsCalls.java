package dev.jbox.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The file-system calls the layer unpacker needs that the JDK lacks: mknod, the l* calls on a
 * path itself, and calls on a descriptor (the parallel file writers work on descriptors only).
 */
public final class FsCalls {
  private FsCalls() {}

  /** libc bindings; every call sets errno, which JNA turns into {@link LastErrorException}. */
  private interface C extends Library {
    void _exit(int status);

    int mknod(String path, int mode, long dev) throws LastErrorException;

    int lsetxattr(String path, String name, byte[] value, long size, int flags)
        throws LastErrorException;

    long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

    int symlink(String target, String linkpath) throws LastErrorException;

    int chmod(String path, int mode) throws LastErrorException;

    int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

    String strerror(int errnum);

    int open(String path, int flags, int mode) throws LastErrorException;

    long write(int fd, java.nio.ByteBuffer buf, long count) throws LastErrorException;

    int fchown(int fd, int uid, int gid) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    int futimens(int fd, long[] times) throws LastErrorException;

    int fsetxattr(int fd, String name, byte[] value, long size, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;
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
  private static final int O_WRONLY = 01;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;
  /** O_NOFOLLOW differs between the architectures (asm-generic vs x86). */
  private static final int O_NOFOLLOW = System.getProperty("os.arch").equals("aarch64") ? 0100000 : 0400000;

  private static IOException error(String what, LastErrorException e) {
    return new ErrnoException(what + ": " + Holder.LIBC.strerror(e.getErrorCode()), e.getErrorCode());
  }

  /**
   * Creates a regular file that did not exist (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) and returns
   * its descriptor: nothing at the path, not even a dangling symlink, is ever written through.
   */
  public static int createNew(Path path) throws IOException {
    try {
      return Holder.LIBC.open(path.toString(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    } catch (LastErrorException e) {
      throw error("create `" + path + "`", e);
    }
  }

  /** Writes the buffer's remaining bytes (a direct buffer) to fd. */
  public static void writeFully(int fd, java.nio.ByteBuffer direct) throws IOException {
    while (direct.hasRemaining()) {
      try {
        long n = Holder.LIBC.write(fd, direct.slice(), direct.remaining());
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
      Holder.LIBC.fchown(fd, (int) uid, (int) gid);
    } catch (LastErrorException e) {
      throw error("fchown", e);
    }
  }

  public static void fchmod(int fd, int mode) throws IOException {
    try {
      Holder.LIBC.fchmod(fd, mode);
    } catch (LastErrorException e) {
      throw error("fchmod", e);
    }
  }

  /** Sets atime and mtime of the open file. */
  public static void futimes(int fd, long seconds) throws IOException {
    try {
      Holder.LIBC.futimens(fd, new long[] {seconds, 0, seconds, 0});
    } catch (LastErrorException e) {
      throw error("futimens", e);
    }
  }

  public static void fsetxattr(int fd, String name, byte[] value) throws IOException {
    try {
      Holder.LIBC.fsetxattr(fd, name, value, value.length, 0);
    } catch (LastErrorException e) {
      throw error("fsetxattr " + name, e);
    }
  }

  /** Whether {@code path} itself (not a symlink's target) carries the extended attribute {@code name}. */
  public static boolean hasXattr(Path path, String name) {
    try {
      return Holder.LIBC.lgetxattr(path.toString(), name, null, 0) >= 0;
    } catch (LastErrorException e) {
      return false;
    }
  }

  /** close(2), errors ignored: the descriptor is gone either way. */
  public static void close(int fd) {
    try {
      Holder.LIBC.close(fd);
    } catch (LastErrorException e) {
      // EINTR or EIO: on Linux the descriptor is released all the same
    }
  }

  private static final class Holder {
    static final C LIBC = Native.load(LIBC_NAME, C.class);
  }

  /**
   * glibc by its soname: JNA maps a bare "c" to libc.so, which is a linker script where libc6-dev
   * is installed and missing where it is not, and then runs {@code ldconfig -p} (a fork and exec,
   * 10-20 ms) to find the real one.
   */
  public static final String LIBC_NAME = "libc.so.6";

  /** _exit(2): the process ends at once, without the JVM's exit sequence (see QuickExit). */
  public static void exitNow(int status) {
    Holder.LIBC._exit(status);
  }

  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;

  /** Creates a FIFO or a character device (only 0/0, the overlay whiteout, works unprivileged). */
  public static void mknod(Path path, int typeAndMode, int major, int minor) throws IOException {
    long dev = ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12);
    try {
      Holder.LIBC.mknod(path.toString(), typeAndMode, dev);
    } catch (LastErrorException e) {
      throw new IOException("mknod `" + path + "`: " + Holder.LIBC.strerror(e.getErrorCode()));
    }
  }

  /**
   * chmod(2) by name, for nodes the caller knows are not symlinks: the JDK's chmod opens the file
   * first, which blocks on a FIFO.
   */
  public static void chmod(Path path, int mode) throws IOException {
    try {
      Holder.LIBC.chmod(path.toString(), mode);
    } catch (LastErrorException e) {
      throw new IOException("chmod `" + path + "`: " + Holder.LIBC.strerror(e.getErrorCode()));
    }
  }

  /** Sets atime and mtime of the path itself (utimensat with AT_SYMLINK_NOFOLLOW, no open). */
  public static void lutimes(Path path, long seconds) throws IOException {
    try {
      Holder.LIBC.utimensat(-100, path.toString(), new long[] {seconds, 0, seconds, 0}, 0x100);
    } catch (LastErrorException e) {
      throw new IOException("utimensat `" + path + "`: " + Holder.LIBC.strerror(e.getErrorCode()));
    }
  }

  /** Creates a symlink whose target is exactly the given bytes (the JDK normalizes slashes). */
  public static void symlink(String target, Path link) throws IOException {
    try {
      Holder.LIBC.symlink(target, link.toString());
    } catch (LastErrorException e) {
      throw new IOException("symlink `" + link + "`: " + Holder.LIBC.strerror(e.getErrorCode()));
    }
  }

  /** Sets an extended attribute on the path itself, never following a symlink. */
  public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
    try {
      Holder.LIBC.lsetxattr(path.toString(), name, value, value.length, 0);
    } catch (LastErrorException e) {
      throw new IOException(
          "lsetxattr `" + path + "` " + name + ": " + Holder.LIBC.strerror(e.getErrorCode()));
    }
  }

  /** Reads an extended attribute of the path itself, or null when it is not set. */
  public static byte[] lgetxattr(Path path, String name) throws IOException {
    byte[] buf = new byte[4096];
    try {
      long n = Holder.LIBC.lgetxattr(path.toString(), name, buf, buf.length);
      return java.util.Arrays.copyOf(buf, (int) n);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 61) return null; // ENODATA
      throw new IOException(
          "lgetxattr `" + path + "` " + name + ": " + Holder.LIBC.strerror(e.getErrorCode()));
    }
  }
}
