package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jbox ns, ns monitor and unshare against what /proc says. */
class NsTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static String inode(String pid, String type) throws Exception {
    String l = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type)).toString();
    return l.substring(l.indexOf('[') + 1, l.indexOf(']'));
  }

  @Test
  void ns_inodeColumnsEqualReadlink_andSharedFollows() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      String id = d.start(List.of("--network", "host", "--name", "nsbox"), "exec sleep 1000");
      long pid = d.stateField(id, "pid");
      Jbox.Result r = d.jbox("ns", "nsbox");
      assertEquals(0, r.code(), r.toString());
      List<String> lines = r.out().lines().toList();
      assertTrue(lines.get(0).matches("TYPE +INODE +HOST INODE +SHARED"), r.out());
      int rows = 0;
      for (String l : lines.subList(1, lines.size())) {
        String[] f = l.trim().split(" +");
        assertEquals(inode(Long.toString(pid), f[0]), f[1], l);
        // the host column is jbox's own namespace: same as this test JVM's (nothing in between unshares)
        assertEquals(inode("self", f[0]), f[2], l);
        assertEquals(f[1].equals(f[2]) ? "yes" : "no", f[3], l);
        rows++;
      }
      assertTrue(rows >= 7, r.out());
      assertTrue(r.out().lines().anyMatch(l -> l.matches("user +\\d+ +\\d+ +no")), r.out());
      assertTrue(r.out().lines().anyMatch(l -> l.matches("net +\\d+ +\\d+ +yes")), "--network host shares net: " + r.out());
      List<?> json = (List<?>) Json.parse(d.jbox("ns", "--format", "json", id).out());
      Map<?, ?> first = (Map<?, ?>) json.get(0);
      assertEquals("user", first.get("type"));
      assertEquals(Long.parseLong(inode(Long.toString(pid), "user")), ((Number) first.get("inode")).longValue());
      Jbox.Result own = d.jbox("ns");
      String mnt = inode("self", "mnt");
      assertTrue(own.out().lines().anyMatch(l -> l.matches("mnt +" + mnt)), own.out());
    }
  }

  @Test
  void nsMonitor_printsASandboxsNamespacesAppearingAndDisappearing() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      // driven by what the monitor prints, not by sleeps: the sandbox is removed once its "+" line
      // is out, and the monitor ends once the "-" line is (its --timeout only bounds a failure)
      ProcessBuilder pb = Jbox.builder(List.of("ns", "monitor", "--interval", "100", "--timeout", "120"));
      pb.environment().putAll(d.env());
      Process mon = pb.start();
      try {
        String header = SignalsAndLifetimeTest.readLine(mon.getInputStream());
        assertTrue(header.startsWith("EVENT"), header);
        String id = d.start("exec sleep 1000");
        long pid = d.stateField(id, "pid");
        String uts = inode(Long.toString(pid), "uts");
        StringBuilder out = new StringBuilder();
        String plus = "\\+ +" + uts + " +uts +1 +" + pid + " .*";
        for (String l; !(l = SignalsAndLifetimeTest.readLine(mon.getInputStream())).matches(plus); ) {
          assertTrue(mon.isAlive() || !l.isEmpty(), "the monitor ended before the sandbox appeared: " + out);
          out.append(l).append('\n');
        }
        assertEquals(0, d.jbox("rm", "-f", id).code());
        String minus = "- +" + uts + " +uts .*";
        for (String l; !(l = SignalsAndLifetimeTest.readLine(mon.getInputStream())).matches(minus); ) {
          assertTrue(mon.isAlive() || !l.isEmpty(), "the monitor ended before the sandbox disappeared: " + out);
          out.append(l).append('\n');
        }
      } finally {
        mon.descendants().forEach(ProcessHandle::destroyForcibly);
        mon.destroyForcibly();
      }
      // --timeout ends it, with status 0
      ProcessBuilder once = Jbox.builder(List.of("ns", "monitor", "--interval", "100", "--timeout", "0.5"));
      once.environment().putAll(d.env());
      once.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process m = once.start();
      String all = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(m.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(0, m.exitValue(), all);
      assertTrue(all.startsWith("EVENT"), all);
    }
  }

  @Test
  void unshare_runsInJboxsUserNamespace_withTheSameMaps_keepingCwdAndEnvironment() throws Exception {
    Jbox.Result r = Jbox.run(List.of("unshare", "sh", "-c", "id -u; cat /proc/self/uid_map | wc -l; pwd; echo $UNSHARE_T; readlink /proc/self/ns/mnt"),
        Map.of("UNSHARE_T", "kept"));
    assertEquals(0, r.code(), r.toString());
    List<String> l = r.out().lines().toList();
    assertEquals("0", l.get(0));
    assertTrue(Integer.parseInt(l.get(1).strip()) >= 2, "subordinate ids mapped: " + r.out());
    assertEquals(System.getProperty("user.dir"), l.get(2));
    assertEquals("kept", l.get(3));
    assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString(), l.get(4), "no new mount namespace");
    assertEquals(3, Jbox.run("unshare", "sh", "-c", "exit 3").code());
  }
}
