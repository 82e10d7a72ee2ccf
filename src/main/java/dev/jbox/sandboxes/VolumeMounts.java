package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.image.unpack.Unpacker;
import dev.jbox.sandbox.RunRequest;
import dev.jbox.sandbox.Volumes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run's named and anonymous volumes ({@code -v NAME:/path}, {@code -v /path}, {@code --mount
 * type=volume}) resolved to their directories before the plan is built: every spec is checked
 * first, then the volumes are made (new ones created), so bad input creates nothing. The builder
 * gets binds of the volumes' {@code _data}; the record keeps the volume by name (an anonymous one
 * by its new name), which is how {@code inspect}, {@code volume rm} and {@code rm -v} find it.
 */
final class VolumeMounts {
  /** One volume mounted by this run: whether this run created it and whether it is to be filled from the image. */
  record Use(VolumeStore.Volume volume, String target, boolean created, boolean copyUp) {}

  final RunRequest forBuilder;
  final RunRequest forRecord;
  final List<Use> uses;

  private VolumeMounts(RunRequest forBuilder, RunRequest forRecord, List<Use> uses) {
    this.forBuilder = forBuilder;
    this.forRecord = forRecord;
    this.uses = uses;
  }

  /** Whether the request names a volume at all (a loop over the specs: the run path has no regex or stream). */
  static boolean any(RunRequest req) {
    for (String v : req.volumes()) {
      int colon = v.indexOf(':');
      if (colon < 0 ? v.startsWith("/") : Volumes.isVolumeName(v.substring(0, colon))) return true;
    }
    for (String m : req.mounts()) if (m.contains("type=volume")) return true;
    return false;
  }

  /** The request as it is when it names no volume; else with the volumes made and resolved. */
  static VolumeMounts resolve(RunRequest req, VolumeStore store) {
    if (!any(req)) return new VolumeMounts(req, req, List.of());
    // 1: every spec checked (the same checks the builder makes), nothing created yet
    List<Volumes.VolumeSpec> vs = new ArrayList<>();
    for (String v : req.volumes()) vs.add(Volumes.parseVolume(v));
    List<Volumes.MountSpec> ms = new ArrayList<>();
    for (String m : req.mounts()) ms.add(Volumes.parseMount(m));
    // 2: the volumes made
    List<Use> uses = new ArrayList<>();
    List<String> builderV = new ArrayList<>();
    List<String> recordV = new ArrayList<>();
    List<String> builderM = new ArrayList<>();
    List<String> recordM = new ArrayList<>();
    try {
      for (int i = 0; i < vs.size(); i++) {
        Volumes.VolumeSpec v = vs.get(i);
        if (!v.isVolume()) {
          builderV.add(req.volumes().get(i));
          recordV.add(req.volumes().get(i));
          continue;
        }
        Use u = use(store, v.source(), v.target(), v.noCopy(), uses);
        String opts = String.join(",", v.options());
        if (u.volume().tmpfs()) {
          builderM.add(tmpfsMount(u.volume(), v.target(), v.readOnly()));
        } else {
          builderV.add(source(u.volume()) + ":" + v.target()
              + (v.readOnly() || u.volume().readOnlyOption() ? ":ro" : v.chown() ? ":U" : ""));
        }
        recordV.add(u.volume().name() + ":" + v.target() + (opts.isEmpty() ? "" : ":" + opts));
      }
      for (int i = 0; i < ms.size(); i++) {
        Volumes.MountSpec m = ms.get(i);
        if (!m.type().equals("volume")) {
          builderM.add(req.mounts().get(i));
          recordM.add(req.mounts().get(i));
          continue;
        }
        Use u = use(store, m.source(), m.target(), m.noCopy(), uses);
        if (u.volume().tmpfs()) {
          builderM.add(tmpfsMount(u.volume(), m.target(), m.readOnly()));
        } else {
          builderM.add("type=bind,source=" + source(u.volume()) + ",target=" + m.target()
              + (m.readOnly() || u.volume().readOnlyOption() ? ",readonly" : "") + (m.chown() ? ",U" : ""));
        }
        recordM.add("type=volume,source=" + u.volume().name() + ",target=" + m.target() + (m.readOnly() ? ",readonly" : "")
            + (m.noCopy() ? ",volume-nocopy" : "") + (m.chown() ? ",U" : ""));
      }
    } catch (RuntimeException e) {
      discardCreated(uses, null);
      throw e;
    }
    return new VolumeMounts(req.withMounts(builderV, builderM), req.withMounts(recordV, recordM), uses);
  }

  /** What a sandbox mounts of a volume: its _data, or the host directory of o=bind,device=DIR (which must still exist). */
  private static String source(VolumeStore.Volume v) {
    String device = v.device();
    if (device == null) return v.data().toString();
    if (!java.nio.file.Files.isDirectory(Path.of(device))) {
      throw new JboxException("volume " + v.name() + ": its device `" + device + "` is no longer a directory");
    }
    return device;
  }

  /** A -o type=tmpfs volume: a tmpfs of the sandbox's own with the volume's size and mode. */
  private static String tmpfsMount(VolumeStore.Volume v, String target, boolean readOnly) {
    return "type=tmpfs,target=" + target + v.tmpfsOptions() + (readOnly || v.readOnlyOption() ? ",readonly" : "");
  }

  private static Use use(VolumeStore store, String name, String target, boolean noCopy, List<Use> uses) {
    VolumeStore.Volume v;
    boolean created;
    if (name == null) {
      v = store.create(VolumeStore.anonymousName(), Map.of(), true, !noCopy, false);
      created = true;
    } else {
      VolumeStore.Volume old = store.get(name);
      created = old == null;
      v = old != null ? old : store.create(name, Map.of(), false, !noCopy, true);
    }
    Use u = new Use(v, target, created, v.copyUp() && !noCopy);
    uses.add(u);
    return u;
  }

  /** The directories of the anonymous volumes (what goes with a sandbox that is not kept). */
  List<Path> anonymousDirs() {
    List<Path> out = new ArrayList<>();
    for (Use u : uses) if (u.volume().anonymous()) out.add(u.volume().dir());
    return out;
  }

  /**
   * Fills each new volume that is still empty from the image's content at its target (podman's
   * copy-up), in the user namespace; a volume that has content, or whose copy is not wanted, is
   * only marked done. lowerTopFirst null: no image (a --rootfs sandbox), nothing to copy.
   */
  @SuppressWarnings("try")
  void copyUp(VolumeStore store, List<String> lowerTopFirst, java.io.PrintStream err) {
    if (lowerTopFirst == null || uses.isEmpty()) return;
    Unpacker unpacker = null;
    try {
      for (Use u : uses) {
        if (!u.copyUp()) continue;
        // under the volume's lock, with its flag read again: a second run that mounts the same new
        // volume waits here until the copy is done, so no sandbox has it mounted (and could put a
        // symlink in the copy's way) while the copy, as root of the user namespace, writes into it
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(u.volume().dir().resolve(VolumeStore.LOCK),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock = ch.lock()) {
          VolumeStore.Volume now = store.get(u.volume().name());
          if (now == null || !now.copyUp()) continue;
          String[] names = now.data().toFile().list();
          if (names != null && names.length == 0 && imageHas(lowerTopFirst, u.target())) {
            if (unpacker == null) unpacker = dev.jbox.image.pull.PullService.newUnpacker(err);
            List<Path> layers = new ArrayList<>();
            for (String l : lowerTopFirst) layers.add(Path.of(l));
            unpacker.copyUp(layers, u.target().substring(1), now.data());
          }
          store.copied(now);
        } catch (IOException e) {
          throw new JboxException("volume " + u.volume().name() + ": copy of the image's " + u.target() + ": " + e.getMessage());
        }
      }
    } finally {
      if (unpacker != null) unpacker.close();
    }
  }

  /** Whether some layer has an entry at target (a stat per layer; the copy itself tells directories from whiteouts). */
  private static boolean imageHas(List<String> lowerTopFirst, String target) {
    for (String l : lowerTopFirst) {
      try {
        java.nio.file.Files.readAttributes(Path.of(l + target), java.nio.file.attribute.BasicFileAttributes.class,
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return true;
      } catch (java.nio.file.NoSuchFileException e) {
        // not in this layer
      } catch (IOException e) {
        return true; // a directory of a subordinate id on the way: the copy in the user namespace looks
      }
    }
    return false;
  }

  /** Removes the volumes this run created (its setup failed: nothing of it stays). */
  void discardCreated(SandboxService service) {
    discardCreated(uses, service);
  }

  private static void discardCreated(List<Use> uses, SandboxService service) {
    List<VolumeStore.Volume> created = new ArrayList<>();
    for (Use u : uses) if (u.created()) created.add(u.volume());
    if (created.isEmpty()) return;
    if (service != null) {
      service.deleteVolumes(created);
      return;
    }
    for (VolumeStore.Volume v : created) {
      // made a moment ago, empty: our own three entries
      try {
        java.nio.file.Files.deleteIfExists(v.data());
        java.nio.file.Files.deleteIfExists(v.dir().resolve(VolumeStore.META));
        java.nio.file.Files.deleteIfExists(v.dir().resolve(VolumeStore.LOCK));
        java.nio.file.Files.deleteIfExists(v.dir());
      } catch (IOException e) {
        // left for volume prune
      }
    }
  }
}
