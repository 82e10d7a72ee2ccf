package dev.jbox.sandboxes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A running sandbox's user names by uid, from its /etc/passwd as {@code jbox top} reads it from
 * the host: a file the sandbox controls, so it is read inside the sandbox's root, only as a
 * regular file of at most {@link #MAX} bytes, and never in a way that lets the sandbox make the
 * reader wait or fill its memory. Anything else gives no names (top prints the numbers).
 */
final class SandboxPasswd {
  /** The largest /etc/passwd read, as the helper's limit for the files it reads in a root (rootfile.h). */
  static final int MAX = 4 << 20;

  /**
   * How long the open and read of a file that was a regular file a moment before may take. The
   * sandbox can swap a FIFO in between the check and the open, and the JDK opens without
   * O_NONBLOCK: such an open would wait for a writer forever. A regular file of 4 MiB is read in
   * milliseconds even on a loaded machine.
   */
  static final long DEADLINE_MS = 2000;

  private SandboxPasswd() {}

  /** uid to name from the /etc/passwd of the root {@code /proc/PID1/root}; empty when it cannot be read safely. */
  static Map<Long, String> users(long pid1) {
    Map<Long, String> m = new LinkedHashMap<>();
    try {
      Path root = Path.of("/proc/" + pid1 + "/root");
      byte[] passwd = read(root);
      if (passwd == null) passwd = dev.jbox.sys.FsCalls.readInRoot(root, "etc/passwd", MAX);
      for (String l : new String(passwd, StandardCharsets.UTF_8).split("\n")) {
        String[] f = l.split(":");
        if (f.length > 2 && dev.jbox.Text.isAlnumOr(f[2], "") && !f[2].isEmpty()) {
          try {
            m.putIfAbsent(Long.parseLong(f[2]), f[0]);
          } catch (NumberFormatException e) {
            // not a number
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // numeric uids then
    }
    return m;
  }

  /**
   * The root's etc/passwd when neither etc nor passwd is a symbolic link (the usual case), read
   * through directory descriptors without following a link (openat with O_NOFOLLOW, as
   * SecureDirectoryStream does it), so nothing outside the root can be read; null when either is a
   * link, which FsCalls.readInRoot resolves inside the root (openat2 RESOLVE_IN_ROOT, O_NONBLOCK,
   * fstat: JNA, which costs a {@code jbox top} about 50 ms of CPU, so only then). A missing file,
   * one that is not a regular file or one larger than MAX: an IOException, as from readInRoot.
   */
  static byte[] read(Path root) throws IOException {
    try (DirectoryStream<Path> rootDir = Files.newDirectoryStream(root)) {
      if (!(rootDir instanceof SecureDirectoryStream<Path> sr)) return null;
      Path etc = Path.of("etc");
      BasicFileAttributes e = sr.getFileAttributeView(etc, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
      if (!e.isDirectory()) return null;
      SecureDirectoryStream<Path> sd = sr.newDirectoryStream(etc, LinkOption.NOFOLLOW_LINKS);
      try {
        Path name = Path.of("passwd");
        BasicFileAttributes a = sd.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        if (a.isSymbolicLink()) {
          sd.close();
          return null;
        }
        if (!a.isRegularFile()) throw new IOException("etc/passwd in `" + root + "` is not a regular file");
        if (a.size() > MAX) throw new IOException("etc/passwd in `" + root + "` is larger than " + MAX + " bytes");
      } catch (IOException | RuntimeException x) {
        sd.close();
        throw x;
      }
      return readBounded(sd, Path.of("passwd"), MAX, DEADLINE_MS);
    }
  }

  /**
   * Opens {@code name} in {@code dir} (not following a link) and reads at most max bytes, on a
   * daemon thread given deadlineMs: an open that waits (a FIFO put there after the caller's check)
   * or a read that never ends is abandoned with an IOException, the thread left blocked until the
   * JVM exits. More than max bytes (a device mounted there meanwhile): an IOException too. The
   * thread owns dir and closes it when it is done: the JDK's close of a SecureDirectoryStream waits
   * for an open in it to return, so the caller must not close it.
   */
  static byte[] readBounded(SecureDirectoryStream<Path> dir, Path name, int max, long deadlineMs) throws IOException {
    Reader r = new Reader(dir, name, max);
    Thread t = new Thread(r, "jbox-passwd");
    t.setDaemon(true);
    t.start();
    try {
      t.join(deadlineMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted reading `" + name + "`");
    }
    synchronized (r) {
      if (r.done) {
        if (r.failure != null) throw r.failure;
        return r.bytes;
      }
      r.abandoned = true;
    }
    throw new IOException("`" + name + "` could not be read within " + deadlineMs + " ms (not a regular file?)");
  }

  /** The open and read, on their own thread (a class, not a lambda: LauncherTest). */
  private static final class Reader implements Runnable {
    private final SecureDirectoryStream<Path> dir;
    private final Path name;
    private final int max;
    boolean done;
    boolean abandoned;
    byte[] bytes;
    IOException failure;

    Reader(SecureDirectoryStream<Path> dir, Path name, int max) {
      this.dir = dir;
      this.name = name;
      this.max = max;
    }

    @Override
    public void run() {
      byte[] b = null;
      IOException f = null;
      try (SecureDirectoryStream<Path> d = dir;
          SeekableByteChannel ch = d.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (ch.read(buf) > 0) {
          synchronized (this) {
            if (abandoned) return;
          }
          out.write(buf.array(), 0, buf.position());
          buf.clear();
          if (out.size() > max) throw new IOException("`" + name + "` is larger than " + max + " bytes");
        }
        b = out.toByteArray();
      } catch (IOException e) {
        f = e;
      } catch (RuntimeException e) {
        f = new IOException("read `" + name + "`: " + e);
      }
      synchronized (this) {
        bytes = b;
        failure = f;
        done = true;
      }
    }
  }
}
