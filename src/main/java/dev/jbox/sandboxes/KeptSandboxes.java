package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.image.pull.PullService;
import dev.jbox.image.store.ImageStore;
import dev.jbox.image.store.StoreService;
import dev.jbox.image.unpack.Unpacker;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.Signals;
import dev.jbox.sandboxes.MonitorState;
import dev.jbox.sandboxes.Status;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Image sandboxes as the image store's {@code containers/} directory keeps them ({@link
 * Containers}): the sweep of crashed runs' leftovers that every command opening the store does
 * first, their status for {@code ps}, finding them by id, name or prefix together with the
 * detached sandboxes of the state store, and their removal for {@code rm}.
 */
public final class KeptSandboxes {
  private KeptSandboxes() {}

  /** Opens (creating) the image store and sweeps leftovers: how the image commands open it. */
  public static ImageStore openStore(PrintStream err) {
    ImageStore s = ImageStore.open(ImageStore.defaultRoot());
    sweep(Containers.of(s), err);
    return s;
  }

  /** The image store's operations, opened (swept) by {@link #openStore}, knowing which images the sandboxes use. */
  public static StoreService imageService(PrintStream err) {
    ImageStore s = openStore(err);
    return new StoreService(s, Containers.of(s)::users);
  }

  /** The store's containers/ directory, swept, or null when there is no image store (ps and rm create none). */
  public static Containers existing(PrintStream err) {
    Path dir = ImageStore.defaultRoot().resolve("containers");
    if (!Files.isDirectory(dir)) return null;
    Containers c = new Containers(dir);
    sweep(c, err);
    return c;
  }

  /**
   * Deletes what crashed runs left (see {@link Containers#sandboxLeftovers}); a listing and a stat or two
   * per sandbox when there is nothing to do, the user-namespace deleter only when there is.
   * Failures are a warning: the next command tries again.
   */
  public static void sweep(Containers c, PrintStream err) {
    Path stateRoot;
    try {
      stateRoot = dev.jbox.sandboxes.SandboxStore.open(System.getenv(), w -> { }).root();
    } catch (JboxException e) {
      stateRoot = null;
    }
    List<String> maybe = Containers.sandboxLeftovers(c.dir(), System.currentTimeMillis(), stateRoot);
    if (!maybe.isEmpty()) sweep(c, maybe, err);
  }

  /** The second half of {@link #sweep(Containers, PrintStream)}, for candidates found. */
  public static void sweep(Containers c, List<String> candidates, PrintStream err) {
    List<Path> gone;
    try {
      gone = ContainerLock.claimLeftovers(c, candidates, System.currentTimeMillis());
      if (gone.isEmpty()) return;
    } catch (JboxException e) {
      err.println("jbox: warning: " + e.getMessage());
      return;
    }
    try (Unpacker u = PullService.newUnpacker(err)) {
      u.delete(gone);
    } catch (IOException | RuntimeException e) {
      err.println("jbox: warning: could not remove what crashed sandboxes left in " + c.dir() + ": " + e.getMessage());
    }
  }

  /**
   * Whether it runs is the lock; what it did, the state record its monitor keeps in the lock file.
   * A free lock with a "running" record: the monitor was killed, the exit code is unknown.
   */
  public static Status status(Containers.Entry e) {
    boolean locked = e.locked();
    Map<String, Object> m = e.state();
    MonitorState s = m == null ? null : MonitorState.of(m);
    if (s == null) return new Status(Status.Kind.CREATED, null, e.created(), false); // starting, or never started
    boolean exited = s.status().equals("exited");
    if (exited) return new Status(Status.Kind.EXITED, s.exitCode(), s.finished() != null ? s.finished() : s.started(), false);
    if (locked) return new Status(Status.Kind.RUNNING, null, s.started(), false);
    return new Status(Status.Kind.EXITED, null, s.started(), true);
  }

  /** The host pid of a running foreground sandbox's pid 1, or null. */
  public static Long pid(Containers.Entry e, Status st) {
    if (!st.running()) return null;
    Map<String, Object> m = e.state();
    return m == null ? null : MonitorState.of(m).pid();
  }

  /** Image sandboxes that are only in containers/ (a detached one is listed from the state store). */
  public static List<Containers.Entry> foreground(Containers c, List<Sandbox> detached) {
    if (c == null) return List.of();
    Set<String> ids = new HashSet<>();
    for (Sandbox s : detached) ids.add(s.id());
    List<Containers.Entry> out = new ArrayList<>();
    for (Containers.Entry e : c.list()) if (!ids.contains(e.id())) out.add(e);
    return out;
  }

  /**
   * Throws when an image sandbox of containers/ other than {@code id} has the name: run and run -d
   * check it under the state store's lock, where run -d checks the detached sandboxes' names.
   */
  public static void checkNameFree(Path containersDir, String name, String id) {
    for (Containers.Entry e : new Containers(containersDir).list()) {
      if (name.equals(e.name()) && !e.id().equals(id)) {
        throw new JboxException("the name `" + name + "` is in use by sandbox " + e.shortId() + " (jbox rm " + name + " frees it)");
      }
    }
  }

  /** Finds a sandbox of either kind for the commands that take one (start, inspect, logs). */
  public static Found find(dev.jbox.sandboxes.SandboxStore store, PrintStream err, String ref) {
    List<Sandbox> detached = store.list();
    return find(detached, foreground(existing(err), detached), ref);
  }

  /** One of the two kinds, found by {@link #find}. */
  public record Found(Sandbox detached, Containers.Entry kept) {
    public String label() {
      if (detached != null) return detached.label();
      return kept.name() != null ? kept.name() : kept.shortId();
    }
  }

  /** By full id, name, or unique id prefix across both kinds; one-line errors otherwise. */
  public static Found find(List<Sandbox> detached, List<Containers.Entry> kept, String ref) {
    if (ref == null || ref.isEmpty()) throw new JboxException("no sandbox name or id given");
    for (Sandbox s : detached) if (s.id().equals(ref) || ref.equals(s.name())) return new Found(s, null);
    for (Containers.Entry e : kept) if (e.id().equals(ref) || ref.equals(e.name())) return new Found(null, e);
    List<Found> hits = new ArrayList<>();
    if (ref.matches("[0-9a-f]+")) {
      for (Sandbox s : detached) if (s.id().startsWith(ref)) hits.add(new Found(s, null));
      for (Containers.Entry e : kept) if (e.id().startsWith(ref)) hits.add(new Found(null, e));
    }
    if (hits.size() == 1) return hits.get(0);
    if (hits.size() > 1) {
      throw new JboxException("`" + ref + "` is ambiguous: it starts the ids of " + hits.size() + " sandboxes (give more digits)");
    }
    throw new JboxException("no such sandbox: `" + ref + "`");
  }

  /** Deletes sandbox directories in the user namespace (their files belong to subordinate ids); one deleter per command. */
  public static final class Remover implements AutoCloseable {
    private final Containers containers;
    private final PrintStream err;
    private Unpacker unpacker;

    public Remover(Containers containers, PrintStream err) {
      this.containers = containers;
      this.err = err;
    }

    /**
     * Removes a foreground sandbox: refused while it runs, unless force, which kills its pid 1
     * (the monitor then records the exit and ends; its cleaner releases the lock).
     */
    public void removeForeground(Containers.Entry e, boolean force, String label) {
      if (e.locked()) {
        if (!force) {
          throw new JboxException("sandbox " + label + " is running in the foreground of another jbox: end it there, or use rm -f");
        }
        Map<String, Object> m = e.state();
        MonitorState s = m == null ? null : MonitorState.of(m);
        if (s != null && s.status().equals("running")) Signals.send(s.pid(), s.pidStart(), 9);
      }
      removeDir(e.dir(), label);
      Path files = e.config().get("etcFiles") instanceof String f ? Path.of(f) : null;
      if (files != null && files.getFileName().toString().equals(e.id()) && files.getNameCount() > 2) {
        // the generated /etc files a kept sandbox keeps for jbox start (files/ID of the state store); the caller's own
        try {
          dev.jbox.sandboxes.SandboxStore.removeFiles(files.getParent().getParent(), e.id());
        } catch (IOException ex) {
          err.println("jbox: warning: could not remove `" + files + "`: " + ex.getMessage());
        }
      }
    }

    /** Removes the directory once its lock is free (waiting up to 10 s for a monitor or cleaner that ends). */
    public void removeDir(Path dir, String label) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      Path claimed;
      while ((claimed = ContainerLock.claim(dir)) == null) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return; // a --rm sandbox's cleaner took it
        if (System.nanoTime() > deadline) {
          throw new JboxException("sandbox " + label + " is still running (its lock is held and no pid is recorded to kill): end it where it runs");
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new JboxException("interrupted");
        }
      }
      try {
        if (unpacker == null) unpacker = PullService.newUnpacker(err);
        unpacker.delete(List.of(claimed));
      } catch (IOException ex) {
        throw new JboxException("remove sandbox " + label + ": " + ex.getMessage() + " (left in " + claimed + ")");
      }
    }

    @Override
    public void close() {
      if (unpacker != null) unpacker.close();
    }
  }
}
