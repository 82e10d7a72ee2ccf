package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Signals sent to jbox reach the sandbox; a killed jbox leaves no process and no mount behind. */
class SignalsAndLifetimeTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static Process start(List<String> options, String script) throws Exception {
    List<String> a = new java.util.ArrayList<>(List.of("run", "--rootfs", rootfs.toString()));
    a.addAll(options);
    a.addAll(List.of("sh", "-c", script));
    Process p = Jbox.builder(a).redirectErrorStream(true).start();
    String first = readLine(p.getInputStream());
    assertEquals("ready", first, "the sandbox did not start");
    return p;
  }

  static String readLine(InputStream in) throws Exception {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') b.append((char) c);
    return b.toString();
  }

  static void signal(long pid, String sig) throws Exception {
    assertEquals(0, new ProcessBuilder("kill", "-s", sig, Long.toString(pid)).start().waitFor());
  }

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2"})
  void signalToJbox_isForwardedToTheSandbox(String sig) throws Exception {
    Process p = start(List.of(), "trap 'echo got-" + sig + "; exit 7' " + sig + "; echo ready; while :; do sleep 0.05; done");
    signal(p.pid(), sig);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sandbox did not end on SIG" + sig);
    String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals("got-" + sig + "\n", rest);
    assertEquals(7, p.exitValue());
  }

  @Test
  void sigtermWithInit_reachesACommandWithoutHandlers() throws Exception {
    Process p = start(List.of("--init"), "echo ready; exec sleep 60");
    signal(p.pid(), "TERM");
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(128 + 15, p.exitValue());
  }

  @Test
  void sigkillOfJbox_leavesNoProcessAndNoMount() throws Exception {
    String marker = "4242" + (System.nanoTime() % 100000);
    String mountsBefore = Lifetimes.mountinfo();
    Process p = start(List.of(), "sleep " + marker + " & echo ready; exec sleep " + marker);
    List<Long> inside = Lifetimes.withCmdline("sleep " + marker);
    for (int i = 0; i < 600 && inside.size() < 2; i++) {
      Thread.sleep(100);
      inside = Lifetimes.withCmdline("sleep " + marker);
    }
    assertEquals(2, inside.size(), "both sleeps run: " + inside);
    signal(p.pid(), "KILL");
    p.waitFor(60, TimeUnit.SECONDS);
    for (int i = 0; i < 600 && !Lifetimes.withCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(100);
    assertEquals(List.of(), Lifetimes.withCmdline("sleep " + marker), "sandbox processes outlived jbox");
    assertEquals(mountsBefore, Lifetimes.mountinfo(), "no mount appears in the caller's namespace");
  }

  @Test
  void sigkillOfSandboxPid1_endsJboxWith137() throws Exception {
    String marker = "4343" + (System.nanoTime() % 100000);
    Process p = start(List.of(), "echo ready; exec sleep " + marker);
    List<Long> pid1 = Lifetimes.withCmdline("sleep " + marker);
    for (int i = 0; i < 600 && pid1.isEmpty(); i++) { // "ready" comes just before the exec
      Thread.sleep(100);
      pid1 = Lifetimes.withCmdline("sleep " + marker);
    }
    assertEquals(1, pid1.size());
    signal(pid1.get(0), "KILL");
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(137, p.exitValue());
  }

  @Test
  void sigkillOfJboxWhileJvmRuns_leavesNoJvm() throws Exception {
    // the JVM pauses at start-up until its pause file is gone (HotSpot's PauseAtStartup), so it
    // is surely still running when the launcher (the helper) is killed (a FIFO --env-file did
    // this before jbox refused FIFOs there)
    Path pause = tmp.resolve("pause-" + System.nanoTime());
    ProcessBuilder pb = Jbox.builder(List.of("run", "--rootfs", rootfs.toString(), "true")).redirectErrorStream(true);
    pb.environment().put("JBOX_JAVA_OPTS", "-XX:+UnlockDiagnosticVMOptions -XX:+PauseAtStartup -XX:PauseAtStartupFile=" + pause);
    Process p = pb.start();
    long jvm = -1;
    for (int i = 0; i < 600 && jvm < 0; i++) {
      for (long k : Lifetimes.descendants(p.pid())) {
        if (Lifetimes.cmdline(k).contains("dev.jbox.cli.Main")) jvm = k;
      }
      if (jvm < 0) Thread.sleep(100);
    }
    assertTrue(jvm > 0, "the JVM child was not seen");
    signal(p.pid(), "KILL");
    p.waitFor(60, TimeUnit.SECONDS);
    final long j = jvm;
    for (int i = 0; i < 600 && !Lifetimes.cmdline(j).isEmpty(); i++) Thread.sleep(100);
    assertEquals("", Lifetimes.cmdline(j), "the JVM outlived the launcher");
    java.nio.file.Files.deleteIfExists(pause);
  }
}
