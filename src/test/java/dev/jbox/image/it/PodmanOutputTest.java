package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What scripts written for podman read: ps and inspect JSON with podman's field names (checked
 * against the real podman's output for a container of the same image), --format Go templates for
 * ps, inspect and images, ps --filter/-n/-l/--no-trunc with the CREATED and PORTS columns, and
 * images --filter and images REPO.
 */
class PodmanOutputTest extends ImageRunFixture {
  /** A port nothing listens on (other suites run beside this one); b publishes it. */
  private static int PORT;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
    PORT = EveryKindTest.freePort();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> jsonList(Home.Run r) {
    assertEquals(0, r.status(), r.toString());
    return (List<Map<String, Object>>) (List<?>) Json.parse(r.out());
  }

  /** Three kept sandboxes: a (exit 0), b (exit 2, -p PORT:80), c; and a running one, up. */
  private static Process sandboxes(Home j) throws Exception {
    assertEquals(0, j.launch("run", "--name", "a", "--network=none", busybox, "sh", "-c", "exit 0").status());
    assertEquals(2, j.launch("run", "--name", "b", "--network=pasta", "-p", PORT + ":80", "-e", "K=v", busybox, "sh", "-c", "exit 2")
        .status());
    assertEquals(0, j.launch("run", "--name", "c", "--network=none", layered, "sh", "-c", "exit 0").status());
    Process up = j.launcher(List.of("run", "--rm", "--name", "up", "--network=none", busybox, "sh", "-c", "sleep 1000"))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    for (int i = 0; i < 300; i++) {
      if (j.run("ps", "-q", "--filter", "name=^up$").out().strip().length() == 12) return up;
      Thread.sleep(100);
    }
    throw new AssertionError("up never ran");
  }

  @Test
  void psFilters_lastLatest_noTrunc_templates_andTheCreatedAndPortsColumns() throws Exception {
    Home j = jbox();
    Process up = sandboxes(j);
    try {
      var table = j.run("ps", "-a");
      String[] lines = table.out().split("\n");
      assertTrue(lines[0].matches("CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES"), table.out());
      String b = table.out().lines().filter(l -> l.endsWith("  b")).findFirst().orElse("");
      assertTrue(b.contains("0.0.0.0:" + PORT + "->80/tcp") && b.contains("Exited (2)") && b.contains(" ago "), table.out());

      assertEquals("up\n", j.run("ps", "--format", "{{.Names}}").out(), "running only");
      assertEquals("a\nb\nc\nup\n", j.run("ps", "-a", "--format", "{{.Names}}").out());
      assertEquals("b\n", j.run("ps", "-a", "--filter", "status=exited", "--filter", "name=b", "--format", "{{.Names}}").out());
      assertEquals("a\nb\n", j.run("ps", "-a", "--filter", "name=^[ab]$", "--format", "{{.Names}}").out());
      assertEquals("c\n", j.run("ps", "-a", "--filter", "ancestor=" + layered, "--format", "{{.Names}}").out());
      assertEquals("a\nb\nup\n", j.run("ps", "-a", "--filter", "ancestor=" + busybox.substring(0, busybox.lastIndexOf(':')),
          "--format", "{{.Names}}").out());
      assertEquals("", j.run("ps", "-a", "--filter", "label=x=y", "--format", "{{.Names}}").out());
      String idB = j.run("inspect", "--format", "{{.Id}}", "b").out().strip();
      assertEquals("b\n", j.run("ps", "-a", "--filter", "id=" + idB.substring(0, 6), "--format", "{{.Names}}").out());
      assertEquals("c\nup\n", j.run("ps", "-n", "2", "--format", "{{.Names}}").out());
      assertEquals("up\n", j.run("ps", "-l", "--format", "{{.Names}}").out());
      assertEquals(idB + "\n", j.run("ps", "-a", "--no-trunc", "-q", "--filter", "name=b").out());
      assertEquals(idB.substring(0, 12) + " b\n", j.run("ps", "-a", "--filter", "name=b", "--format", "{{.ID}} {{.Names}}").out());
      assertEquals(idB + "\n", j.run("ps", "-a", "--no-trunc", "--filter", "name=b", "--format", "{{.ID}}").out());
      var tt = j.run("ps", "-a", "--filter", "name=b", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.Ports}}");
      assertEquals("CONTAINER ID  NAMES  PORTS\n" + idB.substring(0, 12) + "  b      0.0.0.0:" + PORT + "->80/tcp\n", tt.out());
      assertEquals("\"sh -c exit 2\"\n", j.run("ps", "-a", "--filter", "name=b", "--format", "{{json .Command}}").out());

      var bad = j.run("ps", "--filter", "color=red");
      assertEquals(125, bad.status());
      assertEquals(1, bad.err().strip().lines().count(), bad.err());
      var badTemplate = j.run("ps", "--format", "{{.Nope}");
      assertEquals(125, badTemplate.status());
      assertEquals(1, badTemplate.err().strip().lines().count(), badTemplate.err());

      // inspect --format: the host pid of the running sandbox's pid 1, and podman's fields
      long pid = Long.parseLong(j.run("inspect", "--format", "{{.State.Pid}}", "up").out().strip());
      String nspid = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("NSpid:"))
          .findFirst().orElseThrow();
      assertTrue(nspid.matches("NSpid:\\s+" + pid + "(\\s+\\d+)*\\s+1"), nspid);
      assertEquals("exited 2 b\n", j.run("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.Name}}", "b").out());
      assertTrue(j.run("inspect", "--format", "{{range .Config.Env}}{{.}} {{end}}", "b").out().contains("K=v "));
      assertEquals("{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"" + PORT + "\"}]}\n",
          j.run("inspect", "--format", "{{json .NetworkSettings.Ports}}", "b").out());
    } finally {
      up.destroyForcibly();
      up.waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void imagesFilterRepoAndTemplates() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", busybox).status());
    assertEquals(0, j.run("pull", layered).status());
    String repoB = busybox.substring(0, busybox.lastIndexOf(':'));
    assertEquals(busybox + "\n", j.run("images", "--format", "{{.Repository}}:{{.Tag}}", repoB).out());
    assertEquals(layered + "\n", j.run("images", "--filter", "reference=*layered*", "--format", "{{.Repository}}:{{.Tag}}").out());
    assertEquals("", j.run("images", "--filter", "dangling=true", "--format", "{{.ID}}").out());
    var t = j.run("images", "--format", "table {{.Repository}}\\t{{.Tag}}", repoB);
    assertEquals("REPOSITORY" + " ".repeat(Math.max(2, repoB.length() - 10 + 2)) + "TAG\n" + repoB + "  1\n", t.out());
    var bad = j.run("images", "--filter", "color=red");
    assertEquals(125, bad.status(), bad.toString());
  }

  /** podman's own JSON for a container of the same image (created, never started). */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> podman(Path home) throws Exception {
    Files.createDirectories(home.resolve("run"));
    Files.setAttribute(home.resolve("run"), "unix:mode", 0700);
    List<String> base = List.of("podman", "--runtime", "runc", "--root", home.resolve("s").toString(), "--runroot",
        home.resolve("r").toString(), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file");
    String out = null;
    List<Map<String, Object>> result = null;
    try {
      for (List<String> tail : List.of(List.of("pull", "--tls-verify=false", "-q", busybox),
          List.of("create", "--name", "pb", "-p", PORT + ":80", "-e", "K=v", busybox, "sh", "-c", "exit 2"),
          List.of("ps", "-a", "--format", "json"), List.of("inspect", "pb"),
          // podman's files belong to subordinate ids: only its user namespace removes them
          List.of("unshare", "rm", "-rf", home.resolve("s").toString(), home.resolve("r").toString()))) {
        List<String> argv = new ArrayList<>(base);
        argv.addAll(tail);
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_RUNTIME_DIR", home.resolve("run").toString());
        pb.environment().put("XDG_CONFIG_HOME", home.resolve("config").toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Jbox.Result r = Jbox.collect(pb, String.valueOf(argv), 120);
        String o = r.out();
        assertEquals(0, r.code(), tail + ": " + r.err());
        if (tail.get(0).equals("ps")) out = o;
        if (tail.get(0).equals("inspect")) {
          result = List.of(((List<Map<String, Object>>) Json.parse(out)).get(0), ((List<Map<String, Object>>) Json.parse(o)).get(0));
        }
      }
    } finally {
      // rootless podman's pause process (catatonit -P, holding its user namespace) outlives every
      // podman command: it would outlive the suite too
      Path pause = home.resolve("run/libpod/tmp/pause.pid");
      if (Files.exists(pause)) ProcessHandle.of(Long.parseLong(Files.readString(pause).trim())).ifPresent(ProcessHandle::destroy);
    }
    return result;
  }

  @Test
  void psJsonAndInspect_usePodmansFieldNamesAndShapes_checkedAgainstRealPodman() throws Exception {
    // podman wants a run root of at most 50 characters
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "jp");
    List<Map<String, Object>> real;
    try {
      real = podman(dir);
    } finally {
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
    Home j = jbox();
    assertEquals(2, j.launch("run", "--name", "b", "--network=pasta", "-p", PORT + ":80", "-e", "K=v", busybox, "sh", "-c", "exit 2")
        .status());
    Map<String, Object> ps = jsonList(j.run("ps", "-a", "--format", "json")).get(0);
    Map<String, Object> inspect = jsonList(j.run("inspect", "b")).get(0);
    List<String> differ = new ArrayList<>();
    for (String k : ps.keySet()) {
      if (k.equals("Kind") || k.equals("Detached")) continue; // jbox's own
      if (!real.get(0).containsKey(k)) differ.add("ps: podman has no " + k);
      else if (!sameShape(real.get(0).get(k), ps.get(k))) differ.add("ps " + k + ": podman " + real.get(0).get(k) + ", jbox " + ps.get(k));
    }
    compare("inspect", real.get(1), inspect, differ);
    assertEquals(List.of(), differ);
    // the same values where both know them
    assertEquals(List.of("b"), ps.get("Names"));
    assertEquals(real.get(0).get("Ports"), ps.get("Ports"));
    assertEquals(((Map<?, ?>) real.get(1).get("NetworkSettings")).get("Ports"), ((Map<?, ?>) inspect.get("NetworkSettings")).get("Ports"));
    assertEquals(real.get(1).get("Path"), inspect.get("Path"));
    assertEquals(real.get(1).get("Args"), inspect.get("Args"));
    assertTrue(String.valueOf(inspect.get("Created")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), inspect.toString());
    assertFalse(((List<?>) ((Map<?, ?>) inspect.get("Config")).get("Env")).isEmpty());
  }

  /** Every field of jbox's object (but Jbox) is podman's, with the same JSON type, recursively into objects. */
  private static void compare(String where, Map<String, Object> podman, Map<String, Object> jbox, List<String> differ) {
    for (Map.Entry<String, Object> e : jbox.entrySet()) {
      String k = e.getKey();
      if (k.equals("Jbox")) continue;
      if (!podman.containsKey(k)) {
        differ.add(where + ": podman has no " + k);
        continue;
      }
      Object p = podman.get(k);
      if (!sameShape(p, e.getValue())) differ.add(where + "." + k + ": podman " + p + ", jbox " + e.getValue());
      else if (p instanceof Map<?, ?> pm && e.getValue() instanceof Map<?, ?> jm && !k.equals("Ports") && !k.equals("PortBindings")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> a = (Map<String, Object>) pm;
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) jm;
        compare(where + "." + k, a, b, differ);
      }
    }
  }

  private static boolean sameShape(Object podman, Object jbox) {
    if (podman == null || jbox == null) return true; // null is any type's "none"
    if (podman instanceof Number) return jbox instanceof Number;
    return podman.getClass().equals(jbox.getClass()) || (podman instanceof Map && jbox instanceof Map)
        || (podman instanceof List && jbox instanceof List);
  }
}
