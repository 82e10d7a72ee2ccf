package dev.jbox.sandbox;

import dev.jbox.sandbox.idmap.IdMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the helper needs to build one sandbox, decided in Java: pure data, encoded by {@link
 * dev.jbox.helper.PlanWriter}.
 */
public record Plan(
    List<String> argv,
    List<String> env,
    String cwd,
    String user,
    String hostname,
    String rootfs,
    Map<Namespace, NsMode> namespaces,
    IdMap idMap,
    List<MountOp> mounts,
    List<Rlimit> rlimits,
    long capabilities,
    Set<Flag> flags,
    TimeOffsets timeOffsets,
    List<String> networkHelper,
    Overlay overlay,
    String cleanup,
    String removeDir,
    Fuse fuse,
    String lockFile,
    List<Sysctl> sysctls) {

  /** A plan without sysctls. */
  public Plan(List<String> argv, List<String> env, String cwd, String user, String hostname, String rootfs,
      Map<Namespace, NsMode> namespaces, IdMap idMap, List<MountOp> mounts, List<Rlimit> rlimits, long capabilities,
      Set<Flag> flags, TimeOffsets timeOffsets, List<String> networkHelper, Overlay overlay, String cleanup,
      String removeDir, Fuse fuse, String lockFile) {
    this(argv, env, cwd, user, hostname, rootfs, namespaces, idMap, mounts, rlimits, capabilities, flags, timeOffsets,
        networkHelper, overlay, cleanup, removeDir, fuse, lockFile, List.of());
  }

  /** A plan without a lock file, with sysctls. */
  public Plan(List<String> argv, List<String> env, String cwd, String user, String hostname, String rootfs,
      Map<Namespace, NsMode> namespaces, IdMap idMap, List<MountOp> mounts, List<Rlimit> rlimits, long capabilities,
      Set<Flag> flags, TimeOffsets timeOffsets, List<String> networkHelper, Overlay overlay, String cleanup,
      String removeDir, Fuse fuse, List<Sysctl> sysctls) {
    this(argv, env, cwd, user, hostname, rootfs, namespaces, idMap, mounts, rlimits, capabilities, flags, timeOffsets,
        networkHelper, overlay, cleanup, removeDir, fuse, null, sysctls);
  }

  /** A namespaced kernel parameter written in the sandbox: /proc/sys/KEY with dots as slashes. */
  public record Sysctl(String key, String value) {}

  /** A plan without generated files to remove and without fuse-overlayfs. */
  public Plan(List<String> argv, List<String> env, String cwd, String user, String hostname, String rootfs,
      Map<Namespace, NsMode> namespaces, IdMap idMap, List<MountOp> mounts, List<Rlimit> rlimits, long capabilities,
      Set<Flag> flags, TimeOffsets timeOffsets, List<String> networkHelper, Overlay overlay, String cleanup) {
    this(argv, env, cwd, user, hostname, rootfs, namespaces, idMap, mounts, rlimits, capabilities, flags, timeOffsets,
        networkHelper, overlay, cleanup, null, null, (String) null);
  }

  /** A plan without a lock file (a --rootfs sandbox: only image sandboxes have a directory to keep one in). */
  public Plan(List<String> argv, List<String> env, String cwd, String user, String hostname, String rootfs,
      Map<Namespace, NsMode> namespaces, IdMap idMap, List<MountOp> mounts, List<Rlimit> rlimits, long capabilities,
      Set<Flag> flags, TimeOffsets timeOffsets, List<String> networkHelper, Overlay overlay, String cleanup,
      String removeDir, Fuse fuse) {
    this(argv, env, cwd, user, hostname, rootfs, namespaces, idMap, mounts, rlimits, capabilities, flags, timeOffsets,
        networkHelper, overlay, cleanup, removeDir, fuse, (String) null);
  }

  /** fuse-overlayfs for the overlay: its absolute path, and whether only as the native overlay's fallback. */
  public record Fuse(String path, boolean fallbackOnly) {}

  /** Switches of the plan (the helper's flag words). */
  public enum Flag {
    NO_NEW_PRIVS("no-new-privs"),
    SECCOMP("seccomp"),
    INIT("init"),
    TTY("tty"),
    STDIN("stdin"),
    READONLY("readonly"),
    LOOPBACK("loopback");

    private final String word;

    Flag(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  /** One resource limit: RLIMIT number and its soft and hard values (-1 = unlimited). */
  public record Rlimit(int resource, long soft, long hard) {}

  /** An overlay root: lower dirs top first, the sandbox's own upper and work dirs. */
  public record Overlay(List<String> lower, String upper, String work) {
    public Overlay {
      lower = List.copyOf(lower);
      for (String l : lower) {
        if (l.contains(":") || l.contains(",")) throw new IllegalArgumentException("layer path with ':' or ',': " + l);
      }
    }
  }

  /** Offsets of the sandbox's clocks in a time namespace, in seconds. */
  public record TimeOffsets(long monotonic, long boottime) {}

  /**
   * The same plan, leaving its generated /etc files in place when the sandbox ends: a detached
   * sandbox can be started again, so they go with `jbox rm` instead.
   */
  public Plan keepingGeneratedFiles() {
    return new Plan(argv, env, cwd, user, hostname, rootfs, namespaces, idMap, mounts, rlimits, capabilities, flags,
        timeOffsets, networkHelper, overlay, cleanup, null, fuse, lockFile, sysctls);
  }

  public Plan {
    argv = List.copyOf(argv);
    env = List.copyOf(env);
    namespaces = Map.copyOf(namespaces);
    mounts = List.copyOf(mounts);
    rlimits = List.copyOf(rlimits);
    flags = Set.copyOf(flags);
    networkHelper = List.copyOf(networkHelper);
    sysctls = List.copyOf(sysctls);
    if (argv.isEmpty()) throw new IllegalArgumentException("empty command");
  }
}
