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
 *   config.json            the record jbox writes before it sends the plan: id, name, image,
 *                          imageId, command, created (epoch ms), rm, detached; a kept foreground
 *                          sandbox's also what jbox start needs (the detached config, plan, etcFiles)
 *   rm                     empty: a --rm sandbox (a marker, so the sweep reads no JSON)
 *   state                  the helper's lock and state file (plan tag 25, helpers/PROTOCOL.md):
 *                          OFD-locked while the sandbox's monitor or cleaner lives; a foreground
 *                          monitor writes its state record in it
 * </pre>
 *
 * Whether a sandbox runs is a lock probe ({@link ContainerLock}), not a daemon's answer.
 * Directories that a crash left behind (a --rm sandbox whose cleaner never ran, or a directory
 * without a record) and whose lock is free are moved to {@code .removing-<id>} and deleted, in the
 * user namespace, by the caller. The two steps on {@code jbox run}'s path, writing the record and
 * finding leftover candidates, are its static methods at the end.
 */
public final class Containers {
  public static final String RECORD = "config.json";
  public static final String STATE = "state";
  public static final String RM_MARK = "rm";
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
      for (String f : List.of("upper", "work", "merged", RECORD, RECORD + ".tmp", RM_MARK, STATE)) {
        Files.deleteIfExists(containerDir.resolve(f));
      }
      Files.deleteIfExists(containerDir);
    } catch (IOException e) {
      // not empty after all, or gone: the sweep takes it later
    }
  }

  /** A sandbox directory with a readable record. */
  public record Entry(Path dir, Map<String, Object> config) {
    public String id() {
      return dir.getFileName().toString();
    }

    public String shortId() {
      return id().substring(0, 12);
    }

    public String name() {
      return config.get("name") instanceof String s ? s : null;
    }

    public String image() {
      return config.get("image") instanceof String s ? s : "";
    }

    public String imageId() {
      return config.get("imageId") instanceof String s ? s : null;
    }

    @SuppressWarnings("unchecked")
    public List<String> command() {
      return config.get("command") instanceof List<?> l ? (List<String>) l : List.of();
    }

    public long created() {
      return config.get("created") instanceof Number n ? n.longValue() : 0;
    }

    public boolean rm() {
      return Boolean.TRUE.equals(config.get("rm"));
    }

    public boolean detached() {
      return Boolean.TRUE.equals(config.get("detached"));
    }

    /** Whether its monitor or cleaner holds the lock: the sandbox runs, starts or is being removed. */
    public boolean locked() {
      return ContainerLock.held(dir);
    }

    /** The state record a foreground monitor keeps in the lock file, or null (none yet, or being rewritten). */
    public Map<String, Object> state() {
      try {
        String s = Files.readString(stateFile(dir), StandardCharsets.UTF_8);
        return s.isBlank() ? null : Json.parseObject(s);
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
  }

  /** Every sandbox directory with a readable record, oldest first. */
  public List<Entry> list() {
    List<Entry> out = new ArrayList<>();
    for (Path d : entries()) {
      if (!isSandboxId(d.getFileName().toString())) continue;
      Entry e = load(d);
      if (e != null) out.add(e);
    }
    out.sort(Comparator.comparingLong(Entry::created));
    return out;
  }

  /** The sandbox with this full id, or null. */
  public Entry get(String id) {
    return isSandboxId(id) ? load(dir.resolve(id)) : null;
  }

  private static Entry load(Path d) {
    try {
      return new Entry(d, Json.parseObject(Files.readString(d.resolve(RECORD), StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      return null; // no record (yet), or being removed
    }
  }

  /** Image ids (sha256:...) or manifest digests used by recorded sandboxes, with their short ids. */
  public List<String> users(String imageId, String manifestDigest) {
    List<String> out = new ArrayList<>();
    for (Entry e : list()) {
      String i = e.imageId();
      if (i != null && (i.equals(imageId) || i.equals(manifestDigest))) out.add(e.name() != null ? e.name() : e.shortId());
    }
    return out;
  }

  private List<Path> entries() {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) out.add(p);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new JboxException("storage `" + dir + "`: " + e.getMessage());
    }
    return out;
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
