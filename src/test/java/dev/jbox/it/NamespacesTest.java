package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.sandbox.idmap.IdMaps;
import dev.jbox.sandbox.idmap.IdRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The user namespace first, its id maps, and the nested namespaces (the seeds' inode model). */
class NamespacesTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  @Test
  void idMaps_withSubordinateIds_mapOwnIdToRootAndRangeFromOne() {
    var r = Jbox.sh(rootfs, "cat /proc/self/uid_map; echo ---; cat /proc/self/gid_map");
    assertEquals(0, r.code(), r.toString());
    IdMaps.Caller c = IdMaps.Caller.current();
    var expect = IdMaps.build(c, List.of(), List.of());
    String[] parts = r.out().split("---\n");
    assertEquals(lines(expect.uids()), normalize(parts[0]));
    assertEquals(lines(expect.gids()), normalize(parts[1]));
    assertTrue(normalize(parts[0]).startsWith("0 " + c.uid() + " 1\n1 "), parts[0]);
    assertTrue(r.err().isEmpty(), "no warning with subordinate ids: " + r.err());
  }

  @Test
  void id_insideSandbox_isRoot() {
    var r = Jbox.sh(rootfs, "id");
    assertEquals("uid=0(root) gid=0(root)\n", r.out(), r.toString());
  }

  @Test
  void uidmap_explicit_translatesThroughSubordinateRange() {
    // root stays the caller (the rootfs is the caller's), 1..1000 come from the first subordinate
    // ids, and 5000 is the intermediate id 2000
    var r = Jbox.sh(rootfs, List.of("--uidmap", "0:0:1", "--uidmap", "1:1:1000", "--uidmap", "5000:2000:1", "--gidmap", "0:0:1"), "cat /proc/self/uid_map");
    assertEquals(0, r.code(), r.toString());
    IdMaps.Caller c = IdMaps.Caller.current();
    long start = c.subuids().get(0).start();
    assertEquals("0 " + c.uid() + " 1\n1 " + start + " 1000\n5000 " + (start + 1999) + " 1\n", normalize(r.out()));
  }

  @Test
  void hostname_defaultsToIdAndIsIsolated() throws Exception {
    String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    var r = Jbox.sh(rootfs, "hostname; cat /proc/sys/kernel/domainname; hostname evil 2>&1; hostname");
    assertEquals(0, r.code(), r.toString());
    String[] l = r.out().split("\n");
    assertTrue(l[0].matches("[0-9a-f]{12}"), l[0]);
    assertEquals("(none)", l[1]);
    assertEquals(l[0], l[l.length - 1], "hostname change without CAP_SYS_ADMIN must fail");
    assertEquals(host, Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
    var named = Jbox.sh(rootfs, List.of("--hostname", "box1"), "hostname");
    assertEquals("box1\n", named.out(), named.toString());
  }

  @Test
  void pidNamespace_commandIsPid1AndSeesOnlyItsOwnProcesses() {
    var r = Jbox.sh(rootfs, "echo $$; ls /proc | grep -E '^[0-9]+$' | wc -l; cat /proc/1/cmdline | tr '\\0' ' '");
    assertEquals(0, r.code(), r.toString());
    String[] l = r.out().split("\n");
    assertEquals("1", l[0]);
    assertTrue(Integer.parseInt(l[1].strip()) <= 4, "only the sandbox's processes: " + l[1]);
    assertTrue(l[2].startsWith("sh -c"), l[2]);
  }

  @Test
  void network_private_hasOnlyLoopbackUp() {
    var r = Jbox.sh(rootfs, List.of("--network=none"), "ls /sys/class/net; ip -o link show lo");
    assertEquals(0, r.code(), r.toString());
    String[] l = r.out().split("\n");
    assertEquals("lo", l[0]);
    assertTrue(l[1].contains("UP"), l[1]);
  }

  static Map<String, String> hostNs() throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String t : List.of("user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time")) {
      m.put(t, Files.readSymbolicLink(Path.of("/proc/self/ns/" + t)).toString());
    }
    return m;
  }

  static Map<String, String> sandboxNs(List<String> options) {
    var r = Jbox.sh(rootfs, options, "for t in user mnt pid net uts ipc cgroup time; do echo $t $(readlink /proc/self/ns/$t); done");
    assertEquals(0, r.code(), r.toString());
    return r.out().lines().map(l -> l.split(" ", 2)).collect(Collectors.toMap(a -> a[0], a -> a[1]));
  }

  @Test
  void everyNamespace_private_differsFromHost() throws IOException {
    Map<String, String> host = hostNs();
    Map<String, String> box = sandboxNs(List.of());
    for (String t : host.keySet()) assertNotEquals(host.get(t), box.get(t), t + " must be the sandbox's own");
  }

  @ParameterizedTest
  @CsvSource({"--network=host,net", "--pid=host,pid", "--ipc=host,ipc", "--uts=host,uts", "--cgroupns=host,cgroup", "--timens=host,time"})
  void namespace_sharedWithHost_equalsHostInode(String flag, String type) throws IOException {
    Map<String, String> host = hostNs();
    Map<String, String> box = sandboxNs(List.of(flag));
    assertEquals(host.get(type), box.get(type), type + " shared with " + flag);
    assertNotEquals(host.get("user"), box.get("user"));
    List<String> others = new ArrayList<>(List.of("pid", "net", "uts", "ipc", "cgroup", "time"));
    others.remove(type);
    for (String o : others) assertNotEquals(host.get(o), box.get(o), o + " stays private with " + flag);
  }

  @Test
  void timens_offsets_shiftMonotonicAndBoottimeClocks() throws IOException {
    double hostUp = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    var r = Jbox.sh(rootfs, List.of("--timens", "monotonic=86400,boottime=172800"), "cut -d' ' -f1 /proc/uptime; cat /proc/self/timens_offsets");
    assertEquals(0, r.code(), r.toString());
    double up = Double.parseDouble(r.out().lines().findFirst().orElseThrow());
    assertTrue(up - hostUp > 172000 && up - hostUp < 173600, "boottime offset seen in /proc/uptime: " + up + " vs " + hostUp);
    assertTrue(r.out().contains("monotonic") && r.out().contains("86400"), r.out());
  }

  @Test
  void joinPidNamespace_ofRunningSandbox_seesItsProcesses() throws Exception {
    String marker = "sleep 3" + (System.nanoTime() % 100000);
    ProcessBuilder pb = Jbox.builder(List.of("run", "--rootfs", rootfs.toString(), "sh", "-c", "exec " + marker));
    Process first = pb.start();
    try {
      List<Long> found = Lifetimes.withCmdline(marker);
      for (int i = 0; i < 600 && found.isEmpty(); i++) {
        Thread.sleep(100);
        found = Lifetimes.withCmdline(marker);
      }
      assertEquals(1, found.size(), "the first sandbox's pid 1");
      var r = Jbox.sh(rootfs, List.of("--pid=ns:/proc/" + found.get(0) + "/ns/pid"), "ps -o pid,args");
      assertEquals(0, r.code(), r.toString());
      assertTrue(r.out().contains(marker), r.out());
      assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("1 ")), r.out());
    } finally {
      first.destroyForcibly();
      first.waitFor();
    }
  }

  static String lines(List<IdRange> ranges) {
    return ranges.stream().map(x -> x.line() + "\n").collect(Collectors.joining());
  }

  static String normalize(String procMap) {
    return procMap.lines().map(l -> l.strip().replaceAll("\\s+", " ") + "\n").collect(Collectors.joining());
  }
}
