package dev.jbox.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/** The few file-system calls the layer unpacker needs that the JDK lacks: mknod and lsetxattr. */
public final class FsCalls {
  private FsCalls() {}

  /** libc bindings; every call sets errno, which JNA turns into {@link LastErrorException}. */
  private interface C extends Library {
    int mknod(String path, int mode, long dev) throws LastErrorException;

    int lsetxattr(String path, String name, byte[] value, long size, int flags)
        throws LastErrorException;

    long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

    int symlink(String target, String linkpath) throws LastErrorException;

    int chmod(String path, int mode) throws LastErrorException;

    int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

    String strerror(int errnum);
  }

  private static final class Holder {
    static final C LIBC = Native.load("c", C.class);
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
