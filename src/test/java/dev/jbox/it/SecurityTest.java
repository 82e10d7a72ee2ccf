package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.config.Capabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Masked and read-only paths, capabilities, no_new_privs, seccomp, and hostile rootfs layouts. */
class SecurityTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    Jbox.installProbe(rootfs);
  }

  static final String MASK_CHECK =
      "for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do"
          + " [ -e $f ] && echo \"$f $(head -c 64 $f | wc -c)\"; done;"
          + " for d in /proc/acpi /proc/scsi /sys/firmware; do [ -d $d ] && echo \"$d $(ls -A $d | wc -l)\"; done;"
          + " for f in /proc/sys/kernel/hostname /proc/sysrq-trigger; do (echo x > $f) 2>/dev/null && echo \"$f WRITABLE\"; done;"
          + " (echo 1 > /proc/sys/vm/drop_caches) 2>&1 | grep -o 'Read-only file system' | head -1";

  @Test
  void maskedPaths_areEmptyAndReadOnlyPathsRefuseWrites() {
    var r = Jbox.sh(rootfs, MASK_CHECK);
    assertEquals(0, r.code(), r.toString());
    for (String line : r.out().lines().toList()) {
      assertFalse(line.contains("WRITABLE"), line);
      if (line.startsWith("/")) assertTrue(line.endsWith(" 0"), "masked path shows content: " + line);
    }
    assertTrue(r.out().contains("/proc/keys 0") && r.out().contains("/proc/timer_list 0"), r.out());
    assertTrue(r.out().contains("Read-only file system"), r.out());
  }

  @Test
  void maskedPaths_stayMaskedInNestedUserNamespace() {
    // benign twin first: the nested namespace itself works, so a refusal below means "blocked"
    var twin = Jbox.sh(rootfs, "unshare -Urm sh -c 'id -u; mount -t tmpfs none /tmp && echo MOUNTED'");
    assertEquals("0\nMOUNTED\n", twin.out(), twin.toString());
    var r = Jbox.sh(rootfs, "unshare -Urm sh -c '"
        + "umount /proc/kcore 2>/dev/null && echo UNMASKED-kcore;"
        + "umount /proc/acpi 2>/dev/null && echo UNMASKED-acpi;"
        + "mount -o remount,rw /proc/sys 2>/dev/null && echo REMOUNTED-sys;"
        + "mount -o remount,bind,rw /proc/sys 2>/dev/null && echo REMOUNTED-sys-bind;"
        + "(echo x > /proc/sysrq-trigger) 2>/dev/null && echo WROTE-sysrq;"
        + "head -c 64 /proc/kcore | wc -c'");
    assertEquals(0, r.code(), r.toString());
    assertEquals("0\n", r.out(), "nothing unmasked from a nested user namespace: " + r);
  }

  static Map<String, String> status(List<String> options) {
    var r = Jbox.sh(rootfs, options, "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status");
    assertEquals(0, r.code(), r.toString());
    return r.out().lines().map(l -> l.split(":\\s*", 2)).collect(Collectors.toMap(a -> a[0], a -> a[1]));
  }

  static String hex(long v) {
    return String.format("%016x", v);
  }

  @Test
  void defaults_podmanCapabilitiesNoNewPrivsAndSeccomp() {
    Map<String, String> s = status(List.of());
    long caps = Capabilities.mask(Capabilities.PODMAN_DEFAULTS);
    assertEquals(hex(caps), s.get("CapEff"));
    assertEquals(hex(caps), s.get("CapPrm"));
    assertEquals(hex(caps), s.get("CapBnd"));
    assertEquals(hex(0), s.get("CapInh"));
    assertEquals(hex(0), s.get("CapAmb"));
    assertEquals("1", s.get("NoNewPrivs"));
    assertEquals("2", s.get("Seccomp"));
  }

  @Test
  void capAddAndDrop_changeTheSets() {
    Map<String, String> s = status(List.of("--cap-drop", "all", "--cap-add", "NET_RAW"));
    assertEquals(hex(Capabilities.bit("NET_RAW")), s.get("CapEff"));
    assertEquals(hex(Capabilities.bit("NET_RAW")), s.get("CapBnd"));
    Map<String, String> d = status(List.of("--cap-drop", "CHOWN"));
    assertEquals(hex(Capabilities.mask(Capabilities.PODMAN_DEFAULTS) & ~Capabilities.bit("CHOWN")), d.get("CapEff"));
  }

  @Test
  void nonRootUser_hasCapabilitiesInBoundingSetOnly() {
    Map<String, String> s = status(List.of("-u", "1000:1000"));
    assertEquals(hex(0), s.get("CapEff"));
    assertEquals(hex(0), s.get("CapPrm"));
    assertEquals(hex(Capabilities.mask(Capabilities.PODMAN_DEFAULTS)), s.get("CapBnd"));
  }

  @Test
  void seccompUnconfined_turnsTheFilterOff() {
    assertEquals("0", status(List.of("--security-opt", "seccomp=unconfined")).get("Seccomp"));
    // the filter is really in force: the probe's keyctl, personality and TIOCSTI are refused by
    // it, and the same calls get the kernel's own answers when it is off
    var r = Jbox.sh(rootfs, "/probe keyctl personality tiocsti getpid");
    assertEquals("keyctl EPERM\npersonality EPERM\ntiocsti EPERM\ngetpid ok\n", r.out(), r.toString());
    var twin = Jbox.sh(rootfs, List.of("--security-opt", "seccomp=unconfined"), "/probe keyctl personality tiocsti getpid");
    assertFalse(twin.out().contains("EPERM"), twin.toString());
    assertTrue(twin.out().contains("tiocsti EBADF"), twin.toString());
  }

  @Test
  void afVsock_refusedByTheDefaultFilter_inEveryNetworkMode_unixSocketsStillWork() {
    // AF_VSOCK reaches the hypervisor's and other guests' services whatever the network mode
    for (String net : List.of("none", "host")) {
      var r = Jbox.sh(rootfs, List.of("--network", net), "/probe vsock unix");
      assertEquals("vsock EPERM\nunix ok\n", r.out(), net + ": " + r);
    }
    var twin = Jbox.sh(rootfs, List.of("--network", "none", "--security-opt", "seccomp=unconfined"), "/probe vsock");
    assertFalse(twin.out().contains("EPERM"), twin.toString());
  }

  @Test
  void withoutTty_sandboxHasNoControllingTerminal() {
    // field 7 of /proc/self/stat is tty_nr: 0 means no controlling terminal, so TIOCSTI into
    // the caller's terminal is impossible (and the filter refuses TIOCSTI as well)
    var r = Jbox.sh(rootfs, "cut -d' ' -f7 /proc/self/stat; cut -d' ' -f6 /proc/self/stat");
    assertEquals(0, r.code(), r.toString());
    assertEquals("0", r.out().lines().findFirst().orElseThrow());
  }

  @Test
  void symlinkedProcDev_cannotRedirectMountsOutOfRootfs(@TempDir Path t) throws Exception {
    Path victim = t.resolve("victim");
    Files.createDirectories(victim.resolve("dev"));
    Files.createDirectories(victim.resolve("proc"));
    Files.writeString(victim.resolve("hello"), "unique-" + System.nanoTime());
    String before = Files.readString(victim.resolve("hello"));
    Path evil = Jbox.rootfs(t.resolve("evil"));
    replaceWithLink(evil.resolve("dev"), victim.resolve("dev")); // absolute, to a host dir
    replaceWithLink(evil.resolve("proc"), Path.of("../../../../../../../../" + victim.resolve("proc"))); // relative, escaping
    var r = Jbox.sh(evil, "ls /dev/null");
    // the links lead nowhere inside the rootfs: a clean refusal, and the host victim untouched
    assertEquals(125, r.code(), r.toString());
    assertTrue(r.err().startsWith("jbox: create mount point `/"), r.err());
    try (var s = Files.list(victim.resolve("dev"))) {
      assertEquals(List.of(), s.toList(), "nothing created in the host's victim/dev");
    }
    try (var s = Files.list(victim.resolve("proc"))) {
      assertEquals(List.of(), s.toList(), "nothing created in the host's victim/proc");
    }
    try (var s = Files.list(victim)) {
      assertEquals(3, s.count());
    }
    assertEquals(before, Files.readString(victim.resolve("hello")));
  }

  @Test
  void symlinkedProc_insideRootfs_isFollowedWithinIt(@TempDir Path t) throws Exception {
    // benign twin: the same layout with targets that exist inside the rootfs works
    Path twin = Jbox.rootfs(t);
    Files.createDirectories(twin.resolve("altproc"));
    replaceWithLink(twin.resolve("proc"), Path.of("/altproc"));
    var r = Jbox.sh(twin, "ls /altproc/self/status && readlink /proc");
    assertEquals(0, r.code(), r.toString());
    assertEquals("/altproc/self/status\n/altproc\n", r.out());
  }

  static void replaceWithLink(Path p, Path target) throws Exception {
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
    Files.createSymbolicLink(p, target);
  }

  @Test
  void readOnly_refusesWritesAndDefaultWritesLandInRootfs() throws Exception {
    var ro = Jbox.sh(rootfs, List.of("--read-only"), "touch /newfile 2>&1; echo rc=$?");
    assertTrue(ro.out().contains("Read-only file system"), ro.toString());
    assertFalse(Files.exists(rootfs.resolve("newfile")));
    var rw = Jbox.sh(rootfs, "echo hi > /written; echo rc=$?");
    assertEquals("rc=0\n", rw.out(), rw.toString());
    assertEquals("hi\n", Files.readString(rootfs.resolve("written")));
    Files.delete(rootfs.resolve("written"));
  }

  @Test
  void devices_areTheOciDefaultsAndDevptsIsPrivate() {
    var r = Jbox.sh(rootfs, "ls /dev | tr '\\n' ' '; echo; echo ok > /dev/null && head -c 4 /dev/zero | wc -c; readlink /dev/ptmx; readlink /dev/fd");
    assertEquals(0, r.code(), r.toString());
    String first = r.out().lines().findFirst().orElseThrow();
    for (String d : List.of("null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm", "mqueue", "fd", "stdin", "stdout", "stderr")) {
      assertTrue((" " + first).contains(" " + d + " "), d + " missing in /dev: " + first);
    }
    assertFalse(first.contains("sda") || first.contains("vda") || first.contains("kmsg") || first.contains("mem "), first);
    assertTrue(r.out().contains("pts/ptmx") && r.out().contains("/proc/self/fd"), r.out());
  }
}
