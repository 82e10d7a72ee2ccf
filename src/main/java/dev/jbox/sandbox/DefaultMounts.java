package dev.jbox.sandbox;

import dev.jbox.sandbox.idmap.IdMap;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OCI default filesystem of a sandbox as helper ops: /proc, /dev (tmpfs, host device nodes
 * bound in, devpts, shm, mqueue), /sys, and the masked and read-only paths of podman's defaults
 * (see ../shared/reference/security-checklist.md §1).
 */
public final class DefaultMounts {
  private DefaultMounts() {}

  /** Masked: files get /dev/null bound over them, directories an empty read-only tmpfs. */
  static final List<String> MASKED = List.of(
      "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware",
      "/sys/devices/virtual/powercap", "/sys/fs/selinux", "/sys/dev/block");

  /** Read-only: runc's list plus podman's /proc/asound. */
  static final List<String> READ_ONLY = List.of(
      "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");

  /**
   * The op list for the given namespace choices and id map, with the user's volumes after the
   * system mounts and before the masks, so a volume can never uncover a masked path.
   */
  public static List<MountOp> build(Map<Namespace, NsMode> ns, IdMap idMap, List<MountOp> volumes) {
    List<MountOp> ops = new ArrayList<>();
    boolean ownPid = ns.get(Namespace.PID) != NsMode.HOST;
    boolean ownNet = ns.get(Namespace.NET) != NsMode.HOST;
    boolean ownIpc = ns.get(Namespace.IPC) != NsMode.HOST;
    boolean ownCgroup = ns.get(Namespace.CGROUP) != NsMode.HOST;

    // /proc: a procfs of the sandbox's pid namespace; with --pid=host only a bind of the host's
    // can be had in a user namespace (as in podman).
    if (ownPid) ops.add(MountOp.of("proc", "/proc", "nosuid,nodev,noexec"));
    else ops.add(new MountOp("bind", "/proc", "/proc", "rec"));

    ops.add(MountOp.of("tmpfs", "/dev", "nosuid,strictatime|mode=755,size=65536k"));
    // mknod is impossible in a user namespace: bind the host's nodes (runc and crun do the same).
    for (String d : DEVICES) ops.add(new MountOp("dev", "/dev/" + d, "/dev/" + d, ""));
    String ptsData = "newinstance,ptmxmode=0666,mode=0620" + (IdMap.maps(idMap.gids(), 5) ? ",gid=5" : "");
    ops.add(MountOp.of("devpts", "/dev/pts", "nosuid,noexec|" + ptsData));
    ops.add(new MountOp("symlink", "pts/ptmx", "/dev/ptmx", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd", "/dev/fd", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd/0", "/dev/stdin", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd/1", "/dev/stdout", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd/2", "/dev/stderr", ""));
    ops.add(MountOp.of("tmpfs", "/dev/shm", "nosuid,nodev,noexec|mode=1777,size=65536k"));
    if (ownIpc) ops.add(MountOp.of("mqueue", "/dev/mqueue", "nosuid,nodev,noexec"));
    else ops.add(new MountOp("bind", "/dev/mqueue", "/dev/mqueue", "rec,optional"));

    // A fresh sysfs needs the network namespace to be the sandbox's own.
    if (ownNet) ops.add(MountOp.of("sysfs", "/sys", "ro,nosuid,nodev,noexec"));
    else ops.add(new MountOp("bind", "/sys", "/sys", "rec,ro"));
    if (ownNet && ownCgroup) {
      // read-only always (CVE-2023-25809); optional because a v1-only host has no cgroup2 to show
      ops.add(MountOp.of("cgroup2", "/sys/fs/cgroup", "ro,nosuid,nodev,noexec,optional"));
    }

    ops.addAll(volumes);
    for (String m : MASKED) ops.add(MountOp.of("mask", m, ""));
    for (String m : thermalThrottle()) ops.add(MountOp.of("mask", m, ""));
    for (String r : READ_ONLY) ops.add(MountOp.of("ro", r, ""));
    return ops;
  }

  /** /sys/devices/system/cpu/cpu*&#47;thermal_throttle, expanded against this host. */
  private static List<String> thermalThrottle() {
    List<String> out = new ArrayList<>();
    Path cpus = Path.of("/sys/devices/system/cpu");
    // cpu[0-9]* by hand: a glob is a regex, whose first use costs the run 3.5 ms (dev.jbox.Text)
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(cpus)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.length() < 4 || !n.startsWith("cpu") || n.charAt(3) < '0' || n.charAt(3) > '9') continue;
        if (Files.isDirectory(p.resolve("thermal_throttle"))) out.add(p.resolve("thermal_throttle").toString());
      }
    } catch (IOException | SecurityException e) {
      // no such directory on this host: nothing to mask
    }
    out.sort(null);
    dev.jbox.PolicyInputs.value("thermal-throttle", String.join(",", out), cpus.toString());
    return out;
  }
}
