package dev.jbox.sandbox.idmap;

import dev.jbox.JboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a sandbox's id maps the way rootless podman does: the caller's own id becomes 0 and its
 * subordinate ranges follow from 1; {@code --uidmap CONTAINER:HOST:SIZE} picks from that
 * intermediate numbering (HOST 0 is the caller, 1.. its subordinate ids).
 */
public final class IdMaps {
  private IdMaps() {}

  /** Where the helper looks for the setuid tools. */
  static final List<Path> TOOL_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/usr/local/bin"));

  /** What is known about the calling user. */
  public record Caller(String name, long uid, long gid, List<SubIds.Range> subuids, List<SubIds.Range> subgids, boolean haveTools) {
    /** The calling user from /proc/self/status, /etc/subuid and /etc/subgid. */
    public static Caller current() {
      long[] ids = ProcStatus.uidGid();
      String name = System.getProperty("user.name");
      // the JVM's getpwuid at its start; the ids from /proc/self/status
      dev.jbox.PolicyInputs.value("user.name", name, "/etc/passwd", "/etc/nsswitch.conf");
      dev.jbox.PolicyInputs.value("ids", ids[0] + ":" + ids[1], "/proc/self/status");
      return new Caller(
          name,
          ids[0],
          ids[1],
          SubIds.read(Path.of("/etc/subuid"), name, ids[0]),
          SubIds.read(Path.of("/etc/subgid"), name, ids[1]),
          haveTool("newuidmap") && haveTool("newgidmap"));
    }
  }

  private static boolean haveTool(String tool) {
    for (Path d : TOOL_DIRS) {
      if (dev.jbox.PolicyInputs.canExecute(d.resolve(tool))) return true; // no exception per miss (see Network.find)
    }
    return false;
  }

  /** The default map, or the explicit one from {@code --uidmap}/{@code --gidmap} specs. */
  public static IdMap build(Caller c, List<String> uidSpecs, List<String> gidSpecs) {
    boolean full = c.haveTools() && !c.subuids().isEmpty() && !c.subgids().isEmpty() && c.uid() != 0;
    List<IdRange> uidBase = intermediate(c.uid(), full ? c.subuids() : List.of());
    List<IdRange> gidBase = intermediate(c.gid(), full ? c.subgids() : List.of());
    String warning = null;
    if (!full && c.uid() != 0) {
      warning = !c.haveTools()
          ? "newuidmap/newgidmap not found: using a single-id map (only root inside). Install the uidmap package."
          : "no subordinate ids for " + c.name() + " in /etc/subuid or /etc/subgid: using a single-id map (only root inside). "
              + "Add a range: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + c.name();
    }
    List<IdRange> uids = uidSpecs.isEmpty() ? uidBase : translate(uidSpecs, uidBase, "--uidmap");
    List<IdRange> gids = gidSpecs.isEmpty() ? gidBase : translate(gidSpecs, gidBase, "--gidmap");
    boolean single = uids.size() == 1 && uids.get(0).count() == 1 && uids.get(0).outside() == c.uid()
        && gids.size() == 1 && gids.get(0).count() == 1 && gids.get(0).outside() == c.gid();
    IdMap.Tool tool = (single || c.uid() == 0) ? IdMap.Tool.DIRECT : IdMap.Tool.NEWIDMAP;
    return new IdMap(uids, gids, tool, warning);
  }

  /**
   * podman's {@code --userns=keep-id}: the caller's own uid and gid appear inside as {@code uid}
   * and {@code gid} (by default the same numbers as outside), the subordinate ids fill 0..uid-1
   * and what follows uid. Needs subordinate ids and newuidmap/newgidmap.
   */
  public static IdMap keepId(Caller c, long uid, long gid) {
    if (c.uid() == 0) throw new JboxException("--userns=keep-id: needs a non-root user (root keeps its own ids)");
    boolean full = c.haveTools() && !c.subuids().isEmpty() && !c.subgids().isEmpty();
    if (!full) {
      throw new JboxException("--userns=keep-id: needs subordinate ids for " + c.name() + " in /etc/subuid and /etc/subgid"
          + (c.haveTools() ? "" : " and newuidmap/newgidmap (the uidmap package)"));
    }
    List<IdRange> uids = keepIdRanges(uid, intermediate(c.uid(), c.subuids()));
    List<IdRange> gids = keepIdRanges(gid, intermediate(c.gid(), c.subgids()));
    return new IdMap(uids, gids, IdMap.Tool.NEWIDMAP, null);
  }

  /** {@code id} inside is the caller (intermediate 0); the subordinate ids fill around it. */
  static List<IdRange> keepIdRanges(long id, List<IdRange> base) {
    long subs = 0;
    for (IdRange r : base) subs += r.inside() == 0 ? 0 : r.count();
    List<String> specs = new ArrayList<>();
    long below = Math.min(id, subs);
    if (below > 0) specs.add("0:1:" + below);
    specs.add(id + ":0:1");
    long above = subs - below;
    if (above > 0) specs.add((id + 1) + ":" + (below + 1) + ":" + above);
    return translate(specs, base, "--userns=keep-id");
  }

  /** Intermediate numbering: 0 = own id, then the subordinate ranges back to back. */
  static List<IdRange> intermediate(long own, List<SubIds.Range> sub) {
    List<IdRange> out = new ArrayList<>();
    out.add(new IdRange(0, own, 1));
    long next = 1;
    for (SubIds.Range r : sub) {
      long count = Math.min(r.count(), 0xFFFFFFFFL - next);
      if (count <= 0) break;
      out.add(new IdRange(next, r.start(), count));
      next += count;
    }
    return out;
  }

  /** Maps each CONTAINER:HOST:SIZE spec through {@code base} into host ids. */
  static List<IdRange> translate(List<String> specs, List<IdRange> base, String flag) {
    List<IdRange> out = new ArrayList<>();
    for (String spec : specs) {
      String[] f = spec.split(":");
      long ctr;
      long host;
      long size;
      try {
        if (f.length != 3) throw new NumberFormatException();
        ctr = Long.parseLong(f[0]);
        host = Long.parseLong(f[1]);
        size = Long.parseLong(f[2]);
        if (ctr < 0 || host < 0 || size <= 0) throw new NumberFormatException();
      } catch (NumberFormatException e) {
        throw new JboxException(flag + " `" + spec + "`: expected CONTAINER:HOST:SIZE with non-negative numbers");
      }
      long done = 0;
      while (done < size) {
        long h = host + done;
        IdRange b = find(base, h);
        if (b == null) {
          long avail = base.stream().mapToLong(IdRange::count).sum();
          throw new JboxException(flag + " `" + spec + "`: host id " + h + " is outside your " + avail
              + " ids (0 is you, 1.." + (avail - 1) + " your subordinate ids)");
        }
        long n = Math.min(size - done, b.inside() + b.count() - h);
        out.add(new IdRange(ctr + done, b.outside() + (h - b.inside()), n));
        done += n;
      }
    }
    // the kernel refuses overlapping lines with a bare EINVAL from newuidmap: say which
    for (int i = 0; i < out.size(); i++) {
      for (int j = i + 1; j < out.size(); j++) {
        IdRange a = out.get(i);
        IdRange b = out.get(j);
        boolean inside = a.inside() < b.inside() + b.count() && b.inside() < a.inside() + a.count();
        boolean outside = a.outside() < b.outside() + b.count() && b.outside() < a.outside() + a.count();
        if (inside || outside) {
          throw new JboxException(flag + " `" + String.join(" ", specs) + "`: ranges overlap " + (inside ? "inside the sandbox" : "on the host"));
        }
      }
    }
    return out;
  }

  private static IdRange find(List<IdRange> base, long id) {
    for (IdRange r : base) {
      if (id >= r.inside() && id < r.inside() + r.count()) return r;
    }
    return null;
  }
}
