package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox doctor} as the test account with subordinate ids (the account without them is
 * checked by tests/system/nosubid.sh, and user.max_user_namespaces=0 by
 * tests/system/doctor-sysctl.sh, which scripts/test runs as root in a phase of its own).
 */
class DoctorTest {
  @TempDir static Path tmp;

  @BeforeAll
  static void rootless() {
    Jbox.requireRootless();
  }

  @Test
  void aMachineSetUpForSandboxes_exits0() {
    Jbox.Result r = Jbox.run("doctor");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("sandboxes can run here"), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ok    newuidmap: ") && l.contains("setuid root")), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ok    user namespace: ")), r.toString());
    assertTrue(r.out().lines().noneMatch(l -> l.startsWith("FAIL")), r.toString());
  }

  @Test
  void json_listsEveryCheckWithItsStatus() {
    Jbox.Result r = Jbox.run("doctor", "--format", "json");
    assertEquals(0, r.code(), r.toString());
    Map<String, Object> root = Json.parseObject(r.out());
    assertEquals(Boolean.TRUE, root.get("ok"), r.toString());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> checks = (List<Map<String, Object>>) root.get("checks");
    List<String> names = checks.stream().map(c -> (String) c.get("name")).toList();
    for (String n : List.of("newuidmap", "newgidmap", "subordinate ids", "user namespace", "network", "overlay", "storage", "cgroups")) {
      assertTrue(names.contains(n), n + " missing from " + names);
    }
    assertTrue(checks.stream().allMatch(c -> List.of("ok", "info", "warn", "fail").contains(c.get("status"))), r.out());
  }

  @Test
  void newuidmapNotOnPath_namesTheUidmapPackage_exit1() {
    Map<String, String> env = Map.of("PATH", tmp.toString(), "JAVA_HOME", System.getProperty("java.home"));
    Jbox.Result r = Jbox.run(List.of("doctor"), env);
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("FAIL  newuidmap: newuidmap not found on PATH")), r.toString());
    assertTrue(r.out().contains("fix: sudo apt install uidmap"), r.toString());
    assertTrue(r.out().contains("sandboxes cannot run here"), r.toString());
  }

  @Test
  void runStoppedBySetUp_namesJboxDoctor() {
    Path rootfs = Jbox.rootfs(tmp);
    Map<String, String> env = Map.of("PATH", tmp.resolve("empty").toString(), "JAVA_HOME", System.getProperty("java.home"));
    Jbox.Result r = Jbox.run(List.of("run", "--rm", "--network=none", "--rootfs", rootfs.toString(), "/bin/true"), env);
    assertEquals(125, r.code(), r.toString());
    assertTrue(r.err().contains("jbox doctor"), r.toString());
  }

  /** CI builds the shim (libisal-dev in scripts/test-packages.txt): doctor says pulls use it. */
  @Test
  void isalShimLoads_ok() {
    Jbox.Result r = Jbox.run("doctor");
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ok    ISA-L: pulls inflate gzip layers with ISA-L (")
        && l.contains("libjbox-isal.so")), r.toString());
  }

  /** Without the shim a pull silently inflates with the JDK's zlib: doctor warns and names the fix. */
  @Test
  void isalShimMissing_warnsWithTheFix_stillExit0() {
    Jbox.Result r = Jbox.run(List.of("doctor"), Map.of("JBOX_ISAL", tmp.resolve("no/libjbox-isal.so").toString()));
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("warn  ISA-L: " + tmp.resolve("no/libjbox-isal.so")
        + " is missing: pulls inflate gzip layers with the JDK's zlib")), r.toString());
    assertTrue(r.out().contains("a source build needs libisal-dev"), r.toString());
  }

  /** A shim whose libisal.so.2 is missing (here: a file that is no library) does not load: a warning. */
  @Test
  void isalShimThatDoesNotLoad_warnsToInstallLibisal() throws Exception {
    Path junk = tmp.resolve("libjbox-isal.so");
    java.nio.file.Files.writeString(junk, "not a library");
    Jbox.Result r = Jbox.run(List.of("doctor"), Map.of("JBOX_ISAL", junk.toString()));
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("warn  ISA-L: " + junk + " does not load")), r.toString());
    assertTrue(r.out().contains("sudo apt install libisal2"), r.toString());
  }

  /** CI builds jbox-unpack (libisal-dev and libssl-dev in scripts/test-packages.txt): doctor says pulls use it. */
  @Test
  void unpacker_ok() {
    Jbox.Result r = Jbox.run("doctor");
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ok    unpacker: pulls unpack gzip and plain layers with ")
        && l.endsWith("jbox-unpack")), r.toString());
  }

  /** Without it a pull silently unpacks in the JVM: doctor warns and names the fix. */
  @Test
  void unpackerMissing_warnsWithTheFix_stillExit0() {
    Jbox.Result r = Jbox.run(List.of("doctor"), Map.of("JBOX_UNPACK", tmp.resolve("no/jbox-unpack").toString()));
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("warn  unpacker: " + tmp.resolve("no/jbox-unpack")
        + " is missing: pulls unpack layers in the JVM")), r.toString());
    assertTrue(r.out().contains("a source build needs libisal-dev and libssl-dev"), r.toString());
  }

  /** One that cannot start (as when libisal.so.2 is not installed: the loader exits 127): a warning. */
  @Test
  void unpackerThatDoesNotStart_warnsToInstallItsLibraries() throws Exception {
    Path fake = tmp.resolve("jbox-unpack");
    java.nio.file.Files.writeString(fake, "#!/bin/sh\nexit 127\n");
    fake.toFile().setExecutable(true);
    Jbox.Result r = Jbox.run(List.of("doctor"), Map.of("JBOX_UNPACK", fake.toString()));
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("warn  unpacker: " + fake + " does not start (status 127")), r.toString());
    assertTrue(r.out().contains("sudo apt install libisal2 libssl3"), r.toString());
  }

  @Test
  void badFormat_isOneLine_exit125() {
    Jbox.Result r = Jbox.run("doctor", "--format", "xml");
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
  }
}
