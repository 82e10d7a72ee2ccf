package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -v, --mount and --tmpfs: ro refuses writes, rw writes through, tmpfs options, hostile targets. */
class VolumesTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  @Test
  void roVolumeRefusesWrites_rwVolumeWritesThroughToHost(@TempDir Path host) throws Exception {
    Files.writeString(host.resolve("in"), "from-host");
    var r = Jbox.sh(rootfs, List.of("-v", host + ":/data/ro:ro", "--volume", host + ":/data/rw"),
        "cat /data/ro/in; echo; (echo x > /data/ro/no) 2>&1; echo out > /data/rw/out; echo rc=$?");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("from-host\n"), r.out());
    assertTrue(r.out().contains("Read-only file system"), r.out());
    assertTrue(r.out().endsWith("rc=0\n"), r.out());
    assertFalse(Files.exists(host.resolve("no")));
    assertEquals("out\n", Files.readString(host.resolve("out")));
  }

  @Test
  void mountBindReadonlyAndTmpfsOptions(@TempDir Path host) throws Exception {
    var r = Jbox.sh(rootfs, List.of("--mount", "type=bind,source=" + host + ",target=/b,readonly",
        "--mount", "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=0700", "--tmpfs", "/scratch:size=2m,noexec"),
        "(touch /b/x) 2>&1 | grep -c Read-only; stat -c %a /t; grep -E ' /(t|scratch) ' /proc/self/mountinfo");
    assertEquals(0, r.code(), r.toString());
    List<String> l = r.out().lines().toList();
    assertEquals("1", l.get(0));
    assertEquals("700", l.get(1));
    assertTrue(r.out().contains("size=1024k") && r.out().contains("size=2048k") && r.out().contains("noexec"), r.out());
  }

  @Test
  void volumeTargetThroughSymlinkInRootfs_staysInsideRootfs(@TempDir Path t, @TempDir Path host) throws Exception {
    Path r2 = Jbox.rootfs(t);
    Path victim = Files.createDirectories(t.resolve("victim"));
    Files.createSymbolicLink(r2.resolve("escape"), victim); // absolute link to a host dir
    Files.writeString(host.resolve("payload"), "p");
    var r = Jbox.sh(r2, List.of("-v", host + ":/escape/inside"), "cat /escape/inside/payload");
    // the link resolves inside the rootfs, where it leads nowhere: refused, nothing on the host
    assertEquals(125, r.code(), r.toString());
    assertTrue(r.err().startsWith("jbox: create mount point `/escape/inside`"), r.err());
    // benign twin: a link to a directory inside the rootfs is followed there
    Files.createDirectories(r2.resolve("real"));
    Files.createSymbolicLink(r2.resolve("inroot"), Path.of("/real"));
    var twin = Jbox.sh(r2, List.of("-v", host + ":/inroot/inside"), "cat /real/inside/payload");
    assertEquals("p", twin.out(), twin.toString());
    try (var s = Files.list(victim)) {
      assertEquals(List.of(), s.toList(), "the host directory behind the symlink is untouched");
    }
  }

  @Test
  void volumeCannotUncoverMaskedPaths(@TempDir Path host) throws Exception {
    // a mount over a masked path is refused outright now (nothing under /proc or /sys), and the
    // mask is in place without one
    var refused = Jbox.sh(rootfs, List.of("--tmpfs", "/proc/acpi"), "true");
    assertEquals(125, refused.code(), refused.toString());
    assertTrue(refused.err().contains("cannot mount on `/proc/acpi`"), refused.toString());
    var r = Jbox.sh(rootfs, "ls -A /proc/acpi | wc -l; (touch /proc/acpi/x) 2>&1 | grep -c Read-only");
    assertEquals("0\n1\n", r.out(), r.toString());
  }

  @Test
  void overlayO_sandboxWritesTheHostDir_hostUnchanged_upperdirKeepsTheChanges(@TempDir Path host, @TempDir Path keep) throws Exception {
    Files.writeString(host.resolve("in"), "orig");
    Files.createDirectories(host.resolve("d"));
    var r = Jbox.sh(rootfs, List.of("-v", host + ":/o:O"),
        "cat /o/in; echo; echo changed > /o/in; echo new > /o/new; rm -r /o/d; cat /o/in /o/new; ls /o");
    assertEquals(0, r.code(), r.toString());
    assertEquals("orig\nchanged\nnew\nin\nnew\n", r.out());
    assertEquals("orig", Files.readString(host.resolve("in")), "the host's file is untouched");
    assertFalse(Files.exists(host.resolve("new")));
    assertTrue(Files.isDirectory(host.resolve("d")));
    // the upper layer went with the sandbox: the next one sees the host's files
    var again = Jbox.sh(rootfs, List.of("-v", host + ":/o:O"), "cat /o/in; ls /o");
    assertEquals("origd\nin\n", again.out(), again.toString());
    // upperdir= and workdir= keep the changes there
    Path upper = Files.createDirectories(keep.resolve("u"));
    Files.createDirectories(keep.resolve("w"));
    var kept = Jbox.sh(rootfs, List.of("-v", host + ":/o:O,upperdir=" + upper + ",workdir=" + keep.resolve("w")), "echo new > /o/new");
    assertEquals(0, kept.code(), kept.toString());
    assertEquals("new\n", Files.readString(upper.resolve("new")));
    assertFalse(Files.exists(host.resolve("new")));
    for (String bad : List.of(":O,upperdir=" + upper, ":O,U", ":upperdir=" + upper + ",workdir=" + upper, ":O,bogus")) {
      var b = Jbox.sh(rootfs, List.of("-v", host + ":/o" + bad), "true");
      assertEquals(125, b.code(), bad + ": " + b);
      assertEquals(1, b.err().lines().count(), b.toString());
    }
  }
}
