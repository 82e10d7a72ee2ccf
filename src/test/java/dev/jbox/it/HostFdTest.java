package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
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
 * Issue 10, item 2 (runc CVE-2024-21626 class): no descriptor of the caller crosses into a
 * sandbox, on any path into it, except the ones {@code --preserve-fds N} names. jbox is started
 * the way a user starts it, from a real shell that holds a host directory open on fd 7 and a host
 * file on fd 9 ({@code exec 7<DIR 9<FILE}); ProcessBuilder alone would have closed them. Inside,
 * the static probe lists its own descriptors ({@code fds 0 1 2}).
 */
class HostFdTest {
  @TempDir static Path tmp;
  static Path rootfs;
  static Path hostDir;
  static Path hostFile;
  static Path passed;

  @BeforeAll
  static void setUp() throws IOException {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    Jbox.installProbe(rootfs);
    hostDir = Files.createDirectories(tmp.resolve("home-me/.ssh"));
    Files.writeString(hostDir.resolve("id_ed25519"), "host-private-key\n");
    hostFile = Files.writeString(tmp.resolve("host-file"), "host-file-content\n");
    passed = Files.writeString(tmp.resolve("passed"), "passed-on-purpose\n");
  }

  /** The shell's open descriptors: 7 a host directory, 9 a host file, and 3 when preserving. */
  static String redirections(boolean fd3) {
    return (fd3 ? "3<'" + passed + "' " : "") + "7<'" + hostDir + "' 9<'" + hostFile + "'";
  }

  /** bash -c 'exec REDIRECTIONS; exec jbox ARGS...' with env added to jbox's usual environment. */
  static Jbox.Result fromShell(boolean fd3, List<String> args, Map<String, String> env) {
    ProcessBuilder jb = Jbox.builder(args);
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "exec " + redirections(fd3) + "; exec \"$0\" \"$@\""));
    cmd.addAll(jb.command());
    return run(cmd, jb.environment(), env);
  }

  static Jbox.Result run(List<String> cmd, Map<String, String> base, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().putAll(base);
    if (env != null) pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Path out = Files.createTempFile(tmp, "out", ""), err = Files.createTempFile(tmp, "err", "");
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail(cmd + " did not finish within 60 s");
      }
      return new Jbox.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static List<String> runArgs(String... rest) {
    List<String> a = new ArrayList<>(List.of("run", "--rootfs", rootfs.toString()));
    a.addAll(List.of(rest));
    return a;
  }

  /** The shell really holds the descriptors: a sandbox run with them passed on purpose sees them. */
  @Test
  void theShellHoldsTheDescriptors_preserveFdsPassesExactlyTheFirstN() {
    var r = fromShell(true, runArgs("--preserve-fds", "1", "sh", "-c", "/probe fds; cat <&3"), null);
    assertEquals(0, r.code(), r.toString());
    assertEquals("fds 0 1 2 3\npassed-on-purpose\n", r.out(), r.toString());
  }

  /**
   * What the launcher hands the JVM: a stand-in `java` (JAVA_HOME/bin/java, a script that execs
   * the static probe on the host) lists what it inherited: 0, 1, 2 and the plan pipe on 3.
   */
  @Test
  void launcher_givesTheJvmOnly012AndThePlanPipe() throws IOException {
    Path jdk = Files.createDirectories(tmp.resolve("fake-jdk/bin"));
    Path java = jdk.resolve("java");
    Files.writeString(java, "#!/bin/sh\nexec '" + Jbox.source().resolve("helpers/build/tests/probe") + "' fds\n");
    java.toFile().setExecutable(true);
    var r = fromShell(false, List.of("version"), Map.of("JAVA_HOME", jdk.getParent().toString(), "JBOX_CDS", "0"));
    assertEquals(0, r.code(), r.toString());
    assertEquals("fds 0 1 2 3\n", r.out(), r.toString());
  }

  @Test
  void run_foreground_holdsOnly012() {
    var r = fromShell(false, runArgs("/probe", "fds"), null);
    assertEquals(0, r.code(), r.toString());
    assertEquals("fds 0 1 2\n", r.out(), r.toString());
    // the attack of the issue: ../ from an inherited directory fd walks the host
    var walk = fromShell(false, runArgs("sh", "-c", "cat /proc/self/fd/7/id_ed25519 /proc/self/fd/9; ls /proc/self/fd/7/../.."), null);
    assertFalse(walk.out().contains("host-private-key") || walk.out().contains("host-file-content") || walk.out().contains("home-me"), walk.toString());
  }

  @Test
  void run_init_commandAndItsPid1HoldNoHostFd() {
    var r = fromShell(false, runArgs("--init", "/probe", "fds"), null);
    assertEquals(0, r.code(), r.toString());
    assertEquals("fds 0 1 2\n", r.out(), r.toString());
  }

  @Test
  void run_tty_holdsOnly012() {
    // a real pty (script(1)) around a real shell that opens the descriptors, then jbox run -t
    ProcessBuilder jb = Jbox.builder(runArgs("-t", "/probe", "fds"));
    StringBuilder line = new StringBuilder("exec " + redirections(false) + "; exec");
    for (String a : jb.command()) line.append(" '").append(a).append("'");
    var r = run(List.of("script", "-qec", "bash -c \"" + line + "\"", "/dev/null"), jb.environment(), null);
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("fds 0 1 2\r\n"), r.toString());
    assertFalse(r.out().contains("fds 0 1 2 "), r.toString());
  }

  @Test
  void preserveFds_countsAreChecked_oneLineAndNothingCreated() {
    Path xdg = tmp.resolve("xdg-bad");
    var r = fromShell(true, runArgs("--preserve-fds", "2", "-d", "/probe", "fds"), Map.of("XDG_RUNTIME_DIR", mkdirs(xdg).toString()));
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
    assertTrue(r.err().contains("descriptor 4 is not open"), r.toString());
    assertEquals(List.of(), list(xdg.resolve("jbox")), "no state directory left");
    var bad = fromShell(false, runArgs("--preserve-fds", "x", "true"), null);
    assertEquals(125, bad.code(), bad.toString());
    assertEquals(1, bad.err().lines().count(), bad.toString());
  }

  @Test
  void detachedExecAndStart_holdOnly012_preserveFdsOnlyWhenAsked() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      var r = fromShell(true, List.of("run", "-d", "--preserve-fds", "1", "--rootfs", rootfs.toString(), "sh", "-c",
          "/probe fds; cat <&3; exec sleep 1000"), d.env());
      assertEquals(0, r.code(), r.toString());
      String id = r.out().strip();
      try {
        assertTrue(Detached.eventually(() -> d.jbox("logs", id).out().contains("passed-on-purpose")), d.jbox("logs", id).toString());
        assertEquals("fds 0 1 2 3\npassed-on-purpose\n", d.jbox("logs", id).out());

        var ex = fromShell(true, List.of("exec", id, "/probe", "fds"), d.env());
        assertEquals(0, ex.code(), ex.toString());
        assertEquals("fds 0 1 2\n", ex.out(), ex.toString());
        var exp = fromShell(true, List.of("exec", "--preserve-fds", "1", id, "sh", "-c", "/probe fds; cat <&3"), d.env());
        assertEquals(0, exp.code(), exp.toString());
        assertEquals("fds 0 1 2 3\npassed-on-purpose\n", exp.out(), exp.toString());

        // jbox start runs the recorded plan, which has no --preserve-fds: fd 3 of this caller stays out
        assertEquals(0, d.jbox("kill", id).code());
        d.jbox("wait", id);
        var st = fromShell(true, List.of("start", id), d.env());
        assertEquals(0, st.code(), st.toString());
        assertTrue(Detached.eventually(() -> fdsLines(d.jbox("logs", id).out()).size() == 2), d.jbox("logs", id).toString());
        assertEquals(List.of("fds 0 1 2 3", "fds 0 1 2"), fdsLines(d.jbox("logs", id).out()));
      } finally {
        d.jbox("rm", "-f", id);
      }
    }
  }

  static List<String> fdsLines(String log) {
    List<String> out = new ArrayList<>();
    for (String l : log.split("\n")) if (l.startsWith("fds")) out.add(l);
    return out;
  }

  static Path mkdirs(Path p) {
    try {
      return Files.createDirectories(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) return List.of();
    try (var s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().equals("files") && !p.getFileName().toString().startsWith(".")
          && !p.getFileName().toString().endsWith(".lock")).toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

}
