package dev.jbox.config;

import dev.jbox.JboxException;
import java.util.List;
import java.util.Locale;

/** Capability names and numbers (linux/capability.h), and podman's default set. */
public final class Capabilities {
  private Capabilities() {}

  private static final List<String> NAMES = List.of(
      "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
      "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
      "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
      "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
      "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
      "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

  /** Podman's 11 defaults (containers/common DefaultCapabilities): no MKNOD, NET_RAW, AUDIT_WRITE. */
  public static final List<String> PODMAN_DEFAULTS = List.of(
      "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
      "SETPCAP", "SETUID", "SYS_CHROOT");

  /** All capabilities jbox knows, as a mask. */
  public static long all() {
    return (1L << NAMES.size()) - 1;
  }

  /** The bit of a name given as "NET_RAW", "net_raw" or "CAP_NET_RAW". */
  public static long bit(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    if (n.startsWith("CAP_")) n = n.substring(4);
    int i = NAMES.indexOf(n);
    if (i < 0) throw new JboxException("unknown capability `" + name + "`");
    return 1L << i;
  }

  /** A mask of the given names. */
  public static long mask(List<String> names) {
    long m = 0;
    for (String n : names) m |= bit(n);
    return m;
  }

  /** Applies --cap-add/--cap-drop in order ("all" is allowed in both) to {@code base}. */
  public static long apply(long base, List<String> add, List<String> drop) {
    long m = base;
    for (String d : drop) m &= d.equalsIgnoreCase("all") ? 0 : ~bit(d);
    for (String a : add) m |= a.equalsIgnoreCase("all") ? all() : bit(a);
    return m;
  }
}
