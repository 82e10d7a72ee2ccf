package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The lock side of {@link Containers}: probing a sandbox's lock (held by its monitor and cleaner,
 * helpers/PROTOCOL.md tag 25) and claiming a directory whose lock is free for removal. A class of
 * its own so the run path, which only lists and records, loads none of this.
 */
public final class ContainerLock {
  static final String REMOVING = ".removing-";

  private ContainerLock() {}

  /**
   * The lock probe: a POSIX lock taken and released at once, which fails while the helper's OFD
   * lock is held (the two kinds conflict). A missing file is not locked.
   */
  public static boolean held(Path containerDir) {
    return heldFile(Containers.stateFile(containerDir));
  }

  /** The lock probe of a lock file itself. */
  public static boolean heldFile(Path lockFile) {
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) return true;
      l.release();
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new JboxException("probe the lock `" + lockFile + "`: " + e.getMessage());
    }
  }

  /**
   * Moves a sandbox directory whose lock is free to {@code .removing-<id>} (holding its lock
   * meanwhile, so no probe sees it free half-way) and returns the new path, which the caller
   * deletes in the user namespace; null when it is locked or already gone.
   */
  public static Path claim(Path containerDir) {
    Path gone = containerDir.resolveSibling(REMOVING + containerDir.getFileName());
    FileChannel ch = null;
    try {
      try {
        ch = FileChannel.open(Containers.stateFile(containerDir), StandardOpenOption.WRITE);
        if (ch.tryLock() == null) return null;
      } catch (NoSuchFileException e) {
        // never started, or an older jbox's: nothing holds a lock
      }
      Files.move(containerDir, gone, StandardCopyOption.ATOMIC_MOVE);
      return gone;
    } catch (NoSuchFileException e) {
      return null;
    } catch (FileSystemException e) {
      if (Files.exists(gone, LinkOption.NOFOLLOW_LINKS)) return null; // another jbox claimed it first
      throw new JboxException("remove sandbox " + containerDir.getFileName() + ": " + e.getMessage());
    } catch (IOException e) {
      throw new JboxException("remove sandbox " + containerDir.getFileName() + ": " + e.getMessage());
    } finally {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // closing releases the lock
        }
      }
    }
  }

  /**
   * Claims the candidates of {@link ImageStore#sandboxLeftovers} whose lock is free (moving them to
   * {@code .removing-<id>}) and returns the paths to delete in the user namespace. A {@code
   * .removing-} directory is taken again once it has not changed for {@link Containers#GRACE_MS}
   * (a deletion under way keeps changing it): the sweep that claimed it died.
   */
  public static List<Path> claimLeftovers(Containers containers, List<String> candidates, long nowMs) {
    List<Path> out = new ArrayList<>();
    for (String n : candidates) {
      Path d = containers.dir().resolve(n);
      try {
        if (n.startsWith(REMOVING)) {
          FileTime changed = (FileTime) Files.getAttribute(d, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
          if (nowMs - changed.toMillis() > Containers.GRACE_MS) out.add(d);
          continue;
        }
        Path c = claim(d);
        if (c != null) out.add(c);
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return out;
  }
}
