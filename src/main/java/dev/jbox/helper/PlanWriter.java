package dev.jbox.helper;

import dev.jbox.sandbox.MountOp;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.idmap.IdRange;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes a {@link Plan} in the helper's binary format. Mirror of helpers/plan.h and plan.c: the
 * tags and layout are in helpers/PROTOCOL.md, and both sides test helpers/tests/golden/plan.bin.
 */
public final class PlanWriter {
  static final byte[] MAGIC = {'J', 'B', 'X', 'P'};
  static final int VERSION = 1;

  // Record tags: keep in step with enum plan_tag in helpers/plan.h.
  static final int T_ARGV = 1;
  static final int T_ENV = 2;
  static final int T_CWD = 3;
  static final int T_USER = 4;
  static final int T_HOSTNAME = 5;
  static final int T_ROOTFS = 6;
  static final int T_NS = 7;
  static final int T_UIDMAP = 8;
  static final int T_GIDMAP = 9;
  static final int T_MAPTOOL = 10;
  static final int T_MOUNT = 11;
  static final int T_RLIMIT = 12;
  static final int T_CAPS = 13;
  static final int T_FLAG = 14;
  static final int T_TIMENS = 15;
  static final int T_NETWORK = 17;
  static final int T_OVERLAY = 18;
  static final int T_CLEANUP = 19;
  /** Detached run: the sandbox's state directory (helpers/monitor.c). */
  public static final int T_STATEDIR = 20;
  /** exec: "PID STARTTIME" of the sandbox's pid 1, whose namespaces the helper joins (helpers/exec.c). */
  public static final int T_EXEC = 21;
  /** jbox shell --allow-host: "NFT_PATH\0RULES", loaded in the sandbox's new network namespace (helpers/network.c). */
  public static final int T_NFT = 34;
  /** A detached sandbox's restart policy, "POLICY MAX" (dev.jbox.sandboxes.RestartPolicy; monitor.c); sent with STATEDIR. */
  public static final int T_RESTART = 38;
  /** attach: "STATEDIR\0MODE\0KEYS" (MODE tty, stdin or none; KEYS decimal bytes; helpers/attach.c). */
  public static final int T_ATTACH = 22;

  /** A host directory of the caller's (the generated /etc files) removed when the sandbox is gone. */
  static final int T_RMDIR = 23;
  /** "MODE\0PATH": fuse-overlayfs mounts the overlay, MODE always or fallback. */
  static final int T_FUSE = 24;
  /** The sandbox's lock and state file (containers/ID/state), OFD-locked by the helper while the sandbox lives. */
  static final int T_LOCKFILE = 25;
  /** "KEY\0VALUE": a namespaced sysctl, written by stage 1 in the sandbox's namespaces. */
  static final int T_SYSCTL = 26;

  /**
   * "N": the caller's descriptors 3..3+N-1 pass to the command (--preserve-fds). Appended as an
   * extra record, never part of a recorded plan: jbox start must not pass on its own caller's fds.
   */
  public static final int T_PRESERVE_FDS = 27;

  /** OCI runtime: "MODE\0STATEDIR\0PIDFILE\0CONSOLE" (MODE create or run; helpers/oci.c). */
  public static final int T_OCI = 28;
  /** "BOUNDING EFFECTIVE PERMITTED INHERITABLE AMBIENT" capability masks, in place of T_CAPS. */
  public static final int T_CAPSETS = 29;
  /** One supplementary gid; the command's groups are exactly these records. */
  public static final int T_GROUPS = 30;
  /** The command's umask, octal. */
  public static final int T_UMASK = 31;
  /** The command's oom_score_adj. */
  public static final int T_OOMSCORE = 32;
  /** The NIS domain name (set with the hostname). */
  public static final int T_DOMAINNAME = 33;

  /**
   * An anonymous volume's directory (volumes/NAME) that the helper's cleaner removes, in the
   * sandbox's user namespace, once a --rm (or not kept) sandbox is gone; repeatable (helpers/cleanup.c).
   */
  public static final int T_RMVOLUME = 41;

  /**
   * The sandbox's name ("" for none) in an exec template, the prepared exec plan kept beside a
   * record for the launcher's exec without a JVM (helpers/exec_fast.c); never in a plan to run.
   */
  public static final int T_EXECNAME = 35;
  /** Join templates only ({@code join.plan}, helpers/shell_join.c): one env-deny pattern of the project (repeatable). */
  public static final int T_JOINDENY = 48;
  /** Join templates only: "none", or the SHA-256 (hex) of the project's .jbox/shell.toml the deny list came from; last record. */
  public static final int T_JOINTOML = 49;

  /**
   * A compiled seccomp profile (OCI linux.seccomp): "FLAGS HEX", seccomp(2) flags in decimal and 16
   * hex digits per classic-BPF instruction (code, jt, jf, k). Installed in place of the default
   * filter as the last step before execve.
   */
  public static final int T_SECCOMP = 44;
  /** OCI linux.rootfsPropagation (private, slave, shared, unbindable, each also with r), set on / after pivot_root. */
  public static final int T_ROOTPROP = 45;
  /**
   * One OCI hook, run by the helper (helpers/oci.c): "KIND\0TIMEOUT\0ARGC\0ENVC\0PATH\0ARG...\0ENV...";
   * KIND prestart, createRuntime, createContainer, startContainer, poststart or poststop, TIMEOUT
   * seconds (0: none), ENVC "-" for the runtime's own environment.
   */
  public static final int T_OCI_HOOK = 46;
  /** "KIND\0HEAD\0TAIL": the state JSON the KIND hooks read, HEAD "pid":PID, TAIL (the helper knows PID). */
  public static final int T_OCI_STATE = 47;

  /** A record appended after the plan's own: the lifecycle tags (20 and up). */
  public record Extra(int tag, String value) {}

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

  private PlanWriter() {}

  public static byte[] encode(Plan p) {
    return encode(p, java.util.List.of());
  }

  /** Encodes the plan followed by the extra records, in order. */
  public static byte[] encode(Plan p, java.util.List<Extra> extras) {
    PlanWriter w = new PlanWriter();
    w.out.writeBytes(MAGIC);
    w.u16(VERSION);
    w.u32(0); // total length, patched below
    for (String a : p.argv()) w.rec(T_ARGV, a);
    for (String e : p.env()) w.rec(T_ENV, e);
    if (p.cwd() != null) w.rec(T_CWD, p.cwd());
    if (p.user() != null) w.rec(T_USER, p.user());
    if (p.hostname() != null) w.rec(T_HOSTNAME, p.hostname());
    if (p.rootfs() != null) w.rec(T_ROOTFS, p.rootfs());
    for (Namespace ns : Namespace.values()) {
      NsMode m = p.namespaces().getOrDefault(ns, NsMode.NEW);
      w.rec(T_NS, ns.procName() + "\0" + m.planValue());
    }
    if (p.idMap() != null) {
      for (IdRange r : p.idMap().uids()) w.rec(T_UIDMAP, r.line());
      for (IdRange r : p.idMap().gids()) w.rec(T_GIDMAP, r.line());
      w.rec(T_MAPTOOL, p.idMap().tool().word());
    }
    for (MountOp m : p.mounts()) {
      w.rec(T_MOUNT, m.kind() + "\0" + m.source() + "\0" + m.target() + "\0" + m.options());
    }
    for (Plan.Rlimit r : p.rlimits()) {
      w.rec(T_RLIMIT, r.resource() + " " + Long.toUnsignedString(r.soft()) + " " + Long.toUnsignedString(r.hard()));
    }
    w.rec(T_CAPS, Long.toUnsignedString(p.capabilities()));
    for (Plan.Flag f : Plan.Flag.values()) {
      if (p.flags().contains(f)) w.rec(T_FLAG, f.word());
    }
    if (p.timeOffsets() != null) {
      w.rec(T_TIMENS, p.timeOffsets().monotonic() + " " + p.timeOffsets().boottime());
    }
    if (!p.networkHelper().isEmpty()) w.rec(T_NETWORK, String.join("\0", p.networkHelper()));
    if (p.overlay() != null) {
      w.rec(T_OVERLAY, String.join(":", p.overlay().lower()) + "\0" + p.overlay().upper() + "\0" + p.overlay().work());
    }
    if (p.cleanup() != null) w.rec(T_CLEANUP, p.cleanup());
    if (p.removeDir() != null) w.rec(T_RMDIR, p.removeDir());
    if (p.fuse() != null) w.rec(T_FUSE, (p.fuse().fallbackOnly() ? "fallback" : "always") + "\0" + p.fuse().path());
    if (p.lockFile() != null) w.rec(T_LOCKFILE, p.lockFile());
    for (Plan.Sysctl s : p.sysctls()) w.rec(T_SYSCTL, s.key() + "\0" + s.value());
    for (Extra e : extras) w.rec(e.tag(), e.value());
    return w.patchLength();
  }

  /**
   * The plan's encoding without its ARGV records (a Plan always has a command): an exec template,
   * which the launcher completes with the call's command (helpers/exec_fast.c).
   */
  public static byte[] encodeWithoutArgv(Plan p, java.util.List<Extra> extras) {
    return withoutArgv(encode(p, extras), -1);
  }

  /**
   * An encoded plan without the last {@code n} of its leading ARGV records (all of them when
   * {@code n} is negative; a prepared run's template drops the call's command after the image's
   * entrypoint), its length patched; null when it has fewer or a record runs past the end.
   */
  public static byte[] withoutArgv(byte[] plan, int n) {
    java.util.List<Integer> starts = new java.util.ArrayList<>();
    int off = 10;
    while (plan.length - off >= 6 && ((plan[off] & 0xff) | (plan[off + 1] & 0xff) << 8) == T_ARGV) {
      int len = (plan[off + 2] & 0xff) | (plan[off + 3] & 0xff) << 8 | (plan[off + 4] & 0xff) << 16 | (plan[off + 5] & 0xff) << 24;
      if (len < 0 || len > plan.length - off - 6) return null;
      starts.add(off);
      off += 6 + len;
    }
    if (n > starts.size()) return null;
    int from = n < 0 ? 10 : n == 0 ? off : starts.get(starts.size() - n);
    PlanWriter w = new PlanWriter();
    w.out.write(plan, 0, from);
    w.out.write(plan, off, plan.length - off);
    return w.patchLength();
  }

  /** A plan of extra records alone (jbox attach names a sandbox and runs no command). */
  public static byte[] encodeRecords(java.util.List<Extra> extras) {
    PlanWriter w = new PlanWriter();
    w.out.writeBytes(MAGIC);
    w.u16(VERSION);
    w.u32(0);
    for (Extra e : extras) w.rec(e.tag(), e.value());
    return w.patchLength();
  }

  /** An encoded plan (as config.json keeps it for jbox start) with extra records appended. */
  public static byte[] append(byte[] plan, java.util.List<Extra> extras) {
    if (plan.length < 10 || plan[0] != 'J' || plan[1] != 'B' || plan[2] != 'X' || plan[3] != 'P') {
      throw new IllegalArgumentException("not an encoded plan");
    }
    PlanWriter w = new PlanWriter();
    w.out.writeBytes(plan);
    for (Extra e : extras) w.rec(e.tag(), e.value());
    return w.patchLength();
  }

  private byte[] patchLength() {
    return withLength(out.toByteArray());
  }

  /** Encoded plan bytes with the header's total length set to their own (changed in place, returned). */
  public static byte[] withLength(byte[] b) {
    int len = b.length;
    b[6] = (byte) len;
    b[7] = (byte) (len >>> 8);
    b[8] = (byte) (len >>> 16);
    b[9] = (byte) (len >>> 24);
    return b;
  }

  private void rec(int tag, String value) {
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    u16(tag);
    u32(v.length);
    out.writeBytes(v);
  }

  private void u16(int v) {
    out.write(v);
    out.write(v >>> 8);
  }

  private void u32(int v) {
    out.write(v);
    out.write(v >>> 8);
    out.write(v >>> 16);
    out.write(v >>> 24);
  }
}
