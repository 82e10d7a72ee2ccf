package dev.jbox.oci.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jbox-oci's lifecycle, rootless, as an engine drives it: create, start, state, kill, delete, run. */
class OciLifecycleTest {
  @TempDir static Path tmp;
  static Path root;

  @AfterEach
  void deleteLeftovers() throws Exception {
    Oci.deleteLeftovers(tmp);
  }

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    root = tmp.resolve("root");
  }

  @Test
  void run_outputAndExitCodeComeBack_stateRemoved() throws Exception {
    Path b = Oci.bundle(tmp.resolve("run"), true, "sh", "-c", "echo hello from $(hostname) $(cat /proc/sys/kernel/domainname); exit 7");
    Oci.edit(b, c -> c.put("domainname", "example.test"));
    Jbox.Result r = Oci.run(Oci.jboxOci(), root, "run", "-b", b.toString(), "run1");
    assertEquals(7, r.code(), r.toString());
    assertEquals("hello from jbox example.test\n", r.out(), r.toString());
    assertFalse(Files.exists(root.resolve("run1")), "run leaves no state behind");
  }

  @Test
  void run_callersDescriptorsClosed_unlessPreserved() throws Exception {
    // from a real shell holding host files open on fds 3 and 7, as an engine's process would
    Path b = Oci.bundle(tmp.resolve("fds"), true, "sh", "-c", "for f in 3 4 7; do [ -e /proc/self/fd/$f ] && echo fd $f $(readlink /proc/self/fd/$f); done; true");
    String oci = Oci.jboxOci().get(0) + " --root " + root + " run -b " + b;
    Jbox.Result r = Oci.exec(List.of("sh", "-c", "exec 3</etc/passwd 7</etc/hostname; " + oci + " fds1; " + oci + " --preserve-fds 1 fds2"), null);
    assertEquals(0, r.code(), r.toString());
    // without --preserve-fds nothing but 0-2 (busybox's own test may open one: no host file); with 1, fd 3
    assertFalse(r.out().contains("/etc/hostname"), r.toString());
    assertEquals(1, r.out().lines().filter(l -> l.equals("fd 3 /etc/passwd")).count(), r.toString());
  }

  @Test
  void exec_callersDescriptorsClosed_unlessPreserved() throws Exception {
    Path b = Oci.bundle(tmp.resolve("execfds"), true, "sleep", "100");
    assertEquals(0, Oci.run(Oci.jboxOci(), root, "run", "-d", "-b", b.toString(), "execfds").code());
    try {
      String show = "for f in 3 4 7; do [ -e /proc/self/fd/$f ] && echo fd $f $(readlink /proc/self/fd/$f); done; true";
      String oci = Oci.jboxOci().get(0) + " --root " + root + " exec ";
      Jbox.Result r = Oci.exec(List.of("sh", "-c", "exec 3</etc/passwd 4</etc/group 7</etc/hostname; " + oci + "execfds sh -c '" + show
          + "'; echo --; " + oci + "--preserve-fds 2 execfds sh -c '" + show + "'"), null);
      assertEquals(0, r.code(), r.toString());
      String[] parts = r.out().split("--\n", -1);
      assertFalse(parts[0].contains("/etc/"), r.toString());
      assertTrue(parts[1].contains("fd 3 /etc/passwd") && parts[1].contains("fd 4 /etc/group") && !parts[1].contains("/etc/hostname"), r.toString());
    } finally {
      Oci.run(Oci.jboxOci(), root, "delete", "--force", "execfds");
    }
  }

  @Test
  void run_missingCommand_exits127AtCreate() {
    Path b = Oci.bundle(tmp.resolve("missing"), true, "/no/such/command");
    Jbox.Result r = Oci.run(Oci.jboxOci(), root, "run", "-b", b.toString(), "missing1");
    assertEquals(127, r.code(), r.toString());
    assertTrue(r.err().contains("/no/such/command"), r.toString());
    assertFalse(Files.exists(root.resolve("missing1")));
  }

  @Test
  void createStartKillDelete_statusesAndStateJson() throws Exception {
    Path b = Oci.bundle(tmp.resolve("life"), true, "sleep", "100");
    Oci.edit(b, c -> c.put("annotations", Map.of("org.example.key", "value")));
    Path pidFile = tmp.resolve("life.pid");
    Jbox.Result r = Oci.run(Oci.jboxOci(), root, "create", "--bundle", b.toString(), "--pid-file", pidFile.toString(), "life1");
    assertEquals(0, r.code(), r.toString());
    long pid = Long.parseLong(Files.readString(pidFile));
    Map<String, Object> s = Oci.state(Oci.jboxOci(), root, "life1");
    assertEquals("created", s.get("status"), s.toString());
    assertEquals(pid, s.get("pid"));
    assertEquals("life1", s.get("id"));
    assertEquals(b.toString(), s.get("bundle"));
    assertEquals(Map.of("org.example.key", "value"), s.get("annotations"));
    assertTrue(((String) s.get("ociVersion")).startsWith("1."), s.toString());
    // created: the init waits, the command has not run yet
    assertTrue(Files.readString(Path.of("/proc/" + pid + "/comm")).startsWith("jbox:stage1"));

    r = Oci.run(Oci.jboxOci(), root, "start", "life1");
    assertEquals(0, r.code(), r.toString());
    assertEquals("running", Oci.state(Oci.jboxOci(), root, "life1").get("status"));
    assertTrue(Oci.await(() -> readComm(pid).equals("sleep")), "the command runs as the same pid");
    r = Oci.run(Oci.jboxOci(), root, "start", "life1");
    assertEquals(125, r.code(), "a second start fails: " + r);

    r = Oci.run(Oci.jboxOci(), root, "delete", "life1");
    assertEquals(125, r.code(), "delete of a running container without --force: " + r);
    assertTrue(r.err().contains("not stopped"), r.toString());

    r = Oci.run(Oci.jboxOci(), root, "kill", "life1", "SIGKILL");
    assertEquals(0, r.code(), r.toString());
    assertTrue(Oci.await(() -> "stopped".equals(Oci.state(Oci.jboxOci(), root, "life1").get("status"))));
    assertEquals(0L, Oci.state(Oci.jboxOci(), root, "life1").get("pid"));
    r = Oci.run(Oci.jboxOci(), root, "kill", "life1", "TERM");
    assertEquals(125, r.code(), "kill of a stopped container: " + r);
    assertTrue(r.err().contains("container not running"), r.toString());

    r = Oci.run(Oci.jboxOci(), root, "delete", "life1");
    assertEquals(0, r.code(), r.toString());
    assertFalse(Files.exists(root.resolve("life1")));
    r = Oci.run(Oci.jboxOci(), root, "state", "life1");
    assertEquals(125, r.code(), r.toString());
    assertTrue(r.err().contains("does not exist"), r.toString());
  }

  /** Without a JVM (a classpath where none can start) against JBOX_OCI_NO_FAST=1 (the JVM's path): the same results. */
  @Test
  void startKillDelete_sameWithAndWithoutTheJvm_onTheTypedRecord() throws Exception {
    Path b = Oci.bundle(tmp.resolve("fast"), true, "sleep", "100");
    Map<String, String> noJvm = new java.util.HashMap<>();
    noJvm.put("JBOX_CLASSPATH", tmp.resolve("no-such.jar").toString());
    noJvm.put("JBOX_OCI_NO_FAST", null);
    for (boolean jvm : List.of(true, false)) {
      Map<String, String> env = jvm ? Map.of("JBOX_OCI_NO_FAST", "1") : noJvm;
      String id = "fast-" + jvm;
      Path pidFile = tmp.resolve(id + ".pid");
      assertEquals(0, Oci.run(Oci.jboxOci(), root, "create", "-b", b.toString(), "--pid-file", pidFile.toString(), id).code());
      long pid = Long.parseLong(Files.readString(pidFile));
      // the typed record, kind oci, and the fast path's marker (this bundle has no hooks)
      Map<String, Object> rec = Json.parseObject(Files.readString(root.resolve(id + "/config.json")));
      assertEquals("oci", rec.get("kind"), rec.toString());
      assertEquals(b.toString(), ((Map<?, ?>) rec.get("oci")).get("bundle"), rec.toString());
      assertTrue(Files.exists(root.resolve(id + "/nohooks")));
      List<String> facts = new java.util.ArrayList<>();
      Jbox.Result r;
      try {
        r = Oci.runEnv(env, Oci.jboxOci(), root, "start", id);
        facts.add("start " + r.code());
        facts.add("state " + Oci.state(Oci.jboxOci(), root, id).get("status"));
        r = Oci.runEnv(env, Oci.jboxOci(), root, "kill", id, "KILL");
        facts.add("kill " + r.code());
        facts.add("stopped " + (r.code() == 0 && Oci.await(() -> "stopped".equals(Oci.state(Oci.jboxOci(), root, id).get("status")))));
        r = Oci.runEnv(env, Oci.jboxOci(), root, "delete", id);
        facts.add("delete " + r.code() + " " + Files.exists(root.resolve(id)));
        r = Oci.runEnv(env, Oci.jboxOci(), root, "delete", "--force", id);
        facts.add("delete --force of a missing id " + r.code());
      } finally {
        Oci.run(Oci.jboxOci(), root, "delete", "--force", id);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // whatever happened above
      }
      assertEquals(List.of("start 0", "state running", "kill 0", "stopped true", "delete 0 false", "delete --force of a missing id 0"),
          facts, "jvm=" + jvm + " " + r);
      assertTrue(Oci.await(() -> !Files.exists(Path.of("/proc/" + pid)) || readComm(pid).isEmpty() || isZombie(pid)));
    }
    // and nothing of the store's own is left in the engine's root
    assertTrue(Files.list(root).noneMatch(p -> p.getFileName().toString().startsWith("@")), root.toString());
  }

  /**
   * An engine upgrades jbox under a running container: a state.json that an older jbox-oci wrote
   * (before the typed record) is still listed, stated, and deleted by delete --force, init killed.
   */
  @Test
  void olderLayout_stateJson_listedStatedAndDeletedByForce() throws Exception {
    Path b = Oci.bundle(tmp.resolve("old"), true, "sleep", "100");
    Path pidFile = tmp.resolve("old.pid");
    assertEquals(0, Oci.run(Oci.jboxOci(), root, "create", "-b", b.toString(), "--pid-file", pidFile.toString(), "old1").code());
    assertEquals(0, Oci.run(Oci.jboxOci(), root, "start", "old1").code());
    long pid = Long.parseLong(Files.readString(pidFile));
    Path dir = root.resolve("old1");
    // the directory as jbox-oci left it before: state.json, pid; no config.json, no nohooks
    Files.delete(dir.resolve("config.json"));
    Files.delete(dir.resolve("nohooks"));
    Files.writeString(dir.resolve("state.json"), "{\"ociVersion\":\"1.0.2\",\"id\":\"old1\",\"bundle\":\"" + b
        + "\",\"rootfs\":\"" + b.resolve("rootfs") + "\",\"created\":\"2026-12-03T20:19:13.123456Z\",\"annotations\":{},\"hooks\":{}}");
    try {
      olderLayout(b, dir, pid);
    } finally {
      Oci.run(Oci.jboxOci(), root, "delete", "--force", "old1");
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // whatever happened above
    }
  }

  private static void olderLayout(Path b, Path dir, long pid) throws Exception {
    Map<String, Object> s = Oci.state(Oci.jboxOci(), root, "old1");
    assertEquals("running", s.get("status"), s.toString());
    assertEquals(pid, s.get("pid"));
    assertEquals(b.toString(), s.get("bundle"));
    Jbox.Result r = Oci.run(Oci.jboxOci(), root, "list", "-q");
    assertTrue(r.out().lines().anyMatch("old1"::equals), r.toString());
    for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("JBOX_OCI_NO_FAST", "1"))) {
      r = Oci.runEnv(env, Oci.jboxOci(), root, "delete", "old1");
      assertEquals(125, r.code(), "a running one needs --force: " + r);
    }
    r = Oci.run(Oci.jboxOci(), root, "delete", "--force", "old1");
    assertEquals(0, r.code(), r.toString());
    assertFalse(Files.exists(dir));
    assertTrue(Files.list(root).noneMatch(p -> p.getFileName().toString().contains("old1")), root.toString());
    assertTrue(Oci.await(() -> !Files.exists(Path.of("/proc/" + pid)) || readComm(pid).isEmpty() || isZombie(pid)));
  }

  @Test
  void deleteForce_killsCreatedAndRunning() throws Exception {
    Path b = Oci.bundle(tmp.resolve("force"), true, "sleep", "100");
    for (boolean start : List.of(false, true)) {
      String id = "force-" + start;
      Path pidFile = tmp.resolve(id + ".pid");
      assertEquals(0, Oci.run(Oci.jboxOci(), root, "create", "-b", b.toString(), "--pid-file", pidFile.toString(), id).code());
      long pid = Long.parseLong(Files.readString(pidFile));
      if (start) assertEquals(0, Oci.run(Oci.jboxOci(), root, "start", id).code());
      Jbox.Result r = Oci.run(Oci.jboxOci(), root, "delete", "--force", id);
      assertEquals(0, r.code(), r.toString());
      assertFalse(Files.exists(root.resolve(id)));
      assertTrue(Oci.await(() -> !Files.exists(Path.of("/proc/" + pid)) || readComm(pid).isEmpty() || isZombie(pid)),
          "the init is gone after delete --force");
    }
    assertEquals(0, Oci.run(Oci.jboxOci(), root, "delete", "--force", "never-was").code(), "--force of a missing id is no error");
  }

  @Test
  void runDetach_psListsTheInit() throws Exception {
    Path b = Oci.bundle(tmp.resolve("detach"), true, "sleep", "100");
    Path pidFile = tmp.resolve("detach.pid");
    Jbox.Result r = Oci.run(Oci.jboxOci(), root, "run", "-d", "-b", b.toString(), "--pid-file", pidFile.toString(), "det1");
    assertEquals(0, r.code(), r.toString());
    long pid = Long.parseLong(Files.readString(pidFile));
    assertEquals("running", Oci.state(Oci.jboxOci(), root, "det1").get("status"));
    r = Oci.run(Oci.jboxOci(), root, "ps", "--format", "json", "det1");
    assertEquals(List.of(pid), Json.parse(r.out().trim()), r.toString());
    r = Oci.run(Oci.jboxOci(), root, "list", "--format", "json");
    assertTrue(r.out().contains("\"det1\""), r.toString());
    assertEquals(0, Oci.run(Oci.jboxOci(), root, "delete", "-f", "det1").code());
  }

  @Test
  void specAndFeatures() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("spec"));
    assertEquals(0, Oci.exec(List.of(Oci.jboxOci().get(0), "spec", "--rootless", "-b", d.toString()), null).code());
    Map<String, Object> c = Json.parseObject(Files.readString(d.resolve("config.json")));
    assertEquals("rootfs", ((Map<?, ?>) c.get("root")).get("path"));
    assertTrue(Json.write(Oci.linux(c).get("namespaces")).contains("\"user\""));
    Jbox.Result r = Oci.exec(List.of(Oci.jboxOci().get(0), "spec", "--rootless", "-b", d.toString()), null);
    assertEquals(125, r.code(), "spec refuses to overwrite: " + r);
    r = Oci.exec(List.of(Oci.jboxOci().get(0), "features"), null);
    assertEquals(0, r.code(), r.toString());
    Map<String, Object> f = Json.parseObject(r.out());
    assertEquals(Boolean.FALSE, ((Map<?, ?>) ((Map<?, ?>) f.get("linux")).get("cgroup")).get("v2"));
    assertTrue(((List<?>) ((Map<?, ?>) f.get("linux")).get("namespaces")).contains("network"));
    Map<?, ?> seccomp = (Map<?, ?>) ((Map<?, ?>) f.get("linux")).get("seccomp");
    assertEquals(Boolean.TRUE, seccomp.get("enabled"), r.out());
    assertTrue(((List<?>) seccomp.get("actions")).containsAll(List.of("SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_LOG")), r.out());
    assertTrue(((List<?>) seccomp.get("operators")).containsAll(List.of("SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE")), r.out());
    assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), seccomp.get("archs"), r.out());
  }

  static String readComm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
    } catch (java.io.IOException e) {
      return "";
    }
  }

  static boolean isZombie(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return s.charAt(s.lastIndexOf(')') + 2) == 'Z';
    } catch (java.io.IOException e) {
      return true;
    }
  }
}
