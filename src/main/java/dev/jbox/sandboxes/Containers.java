package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageStore;
import dev.jbox.json.Json;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The image sandboxes' directories, {@code containers/<id>/} in the image store (foreground and
 * detached alike):
 *
 * <pre>
 *   upper/ work/ merged/   the overlay (upper's files belong to subordinate ids)
 *   config.json            its {@link SandboxRecord}, written before the plan goes to the helper
 *   etc/                   the generated /etc files of a kept or detached sandbox (jbox start binds them again)
 *   rm                     empty: a --rm sandbox (a marker, so the sweep reads no JSON)
 *   state                  the helper's lock and state file (plan tag 25, helpers/PROTOCOL.md):
 *                          OFD-locked while the sandbox's monitor or cleaner lives; a foreground
 *                          monitor writes its state record in it
 * </pre>
 *
 * (A detached sandbox also has a runtime directory, see {@link Sandbox}.) Whether a sandbox runs
 * is a lock probe ({@link ContainerLock}), not a daemon's answer.
 * Directories that a crash left behind (a --rm sandbox whose cleaner never ran, or a directory
 * without a record) and whose lock is free are moved to {@code .removing-<id>} and deleted, in the
 * user namespace, by the caller. The two steps on {@code jbox run}'s path, writing the record and
 * finding leftover candidates, are its static methods at the end.
 */
public final class Containers {
  public static final String RECORD = "config.json";
  public static final String STATE = "state";
  public static final String RM_MARK = "rm";
  /** A kept or detached sandbox's generated /etc files (hostname, hosts, resolv.conf). */
  public static final String ETC = "etc";
  /** Younger directories are never swept: the helper takes the lock just after the JVM wrote the record. */
  public static final long GRACE_MS = 60_000;

  private final Path dir;

  public Containers(Path dir) {
    this.dir = dir;
  }

  public static Containers of(ImageStore store) {
    return new Containers(store.root().resolve("containers"));
  }

  public Path dir() {
    return dir;
  }

  /** The lock and state file of a sandbox directory, as the plan names it. */
  public static Path stateFile(Path containerDir) {
    return containerDir.resolve(STATE);
  }

  /**
   * Removes the directory of a sandbox that never reached the helper (building or sending its plan
   * failed): it holds only jbox's own files, so no user namespace is needed.
   */
  public static void discardUnstarted(Path containerDir) {
    try {
      SandboxStore.deleteFlat(containerDir.resolve(ETC));
      for (String f : List.of("upper", "work", "merged", RECORD, RECORD + ".tmp", SandboxStore.EXEC_TEMPLATE, SandboxStore.EXEC_TEMPLATE + ".tmp", RM_MARK, STATE)) {
        Files.deleteIfExists(containerDir.resolve(f));
      }
      Files.deleteIfExists(containerDir);
    } catch (IOException e) {
      // not empty after all, or gone: the sweep takes it later
    }
  }

  // --- the two steps on the run path -----------------------------------------------------------

  /**
   * Records a new image sandbox in containers/ID/ ({@link Containers}) before its plan goes to
   * the helper: the rm marker first, then config.json through a temporary file and a rename, so a
   * reader sees all of it or nothing. (java.io: NIO's copy and move classes would cost the run
   * path about half a millisecond.)
   */
  public static void recordSandbox(Path containerDir, Map<String, Object> config, boolean rm) {
    File dir = containerDir.toFile();
    File tmp = new File(dir, RECORD + ".tmp");
    try {
      if (rm && !new File(dir, RM_MARK).createNewFile()) throw new IOException(RM_MARK + " exists");
      try (FileOutputStream o = new FileOutputStream(tmp)) {
        o.write((Json.pretty(config) + "\n").getBytes(StandardCharsets.UTF_8));
      }
      if (!tmp.renameTo(new File(dir, RECORD))) throw new IOException("cannot rename " + tmp);
    } catch (IOException e) {
      throw new JboxException("run: record the sandbox in `" + containerDir + "`: " + e.getMessage());
    }
  }

  /** A sandbox id: 64 lowercase hex digits (no regex: this runs on the run path). */
  public static boolean isSandboxId(String s) {
    return dev.jbox.Text.isHex(s, 64, 64);
  }

  /**
   * The entries of containers/ that may be leftovers of crashed runs, for {@link
   * ContainerLock#claimLeftovers}: directories older than {@link Containers#GRACE_MS} that are
   * marked --rm, or have no record (half-created, or an older jbox's) and are not a detached
   * sandbox of the state store {@code stateRoot} (may be null); and {@code .removing-}
   * directories a sweep left half deleted. Kept sandboxes (a record without the rm marker) are
   * never candidates. One listing and a stat or two per sandbox, through java.io, whose classes
   * every JVM has loaded: this runs on the run path, before any lock is probed.
   */
  public static List<String> sandboxLeftovers(Path containers, long nowMs, Path stateRoot) {
    String[] names = containers.toFile().list();
    if (names == null) return List.of();
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (n.startsWith(ContainerLock.REMOVING)) {
        out.add(n);
        continue;
      }
      if (!isSandboxId(n)) continue;
      File d = new File(containers.toFile(), n);
      if (!new File(d, RM_MARK).exists()) {
        if (new File(d, RECORD).exists()) continue; // kept
        if (stateRoot != null && new File(stateRoot.toFile(), n).exists()) continue; // detached, an older jbox's
      }
      long m = d.lastModified();
      if (m != 0 && nowMs - m > GRACE_MS) out.add(n);
    }
    return out;
  }

}
