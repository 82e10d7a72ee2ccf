package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.it.Jbox.Home;
import dev.jbox.it.Lifetimes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's own {@code jbox run --rm} (helpers/run_fast.c, PROTOCOL.md "The launcher's run"),
 * as the test account through the real launcher against a loopback registry: once the JVM kept a
 * fresh KEY and its templates, the launcher runs the sandbox without a JVM, writes the records and
 * files the JVM writes (byte for byte, with the id and the created time put back, and the same
 * modes), and the sandbox behaves as the JVM's: output, exit status, stdin with -i, -t on a real
 * pty, ps, inspect, exec, kill, nothing left after it, no descriptor of the caller's shell
 * inherited, a SIGKILL of the launcher; what crashed runs left, a broken template and -t without
 * a terminal go to the JVM.
 */
class RunFastTest extends ImageRunFixture {
  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  /** The launcher with JBOX_TRACE=1 and JBOX_DEBUG_PRESTART=1 and extra (a null value removes). */
  static ProcessBuilder launcher(Home j, Map<String, String> extra, List<String> args) {
    ProcessBuilder pb = j.launcher(args);
    pb.environment().put("JBOX_TRACE", "1");
    pb.environment().put("JBOX_DEBUG_PRESTART", "1");
    pb.environment().remove("JBOX_RUN_PREPARED");
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getValue() == null) pb.environment().remove(e.getKey());
      else pb.environment().put(e.getKey(), e.getValue());
    }
    return pb;
  }

  static Home.Run launch(Home j, Map<String, String> extra, String... args) throws Exception {
    ProcessBuilder pb = launcher(j, extra, List.of(args));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return Home.finish(pb.start());
  }

  static Home.Run launch(Home j, String... args) throws Exception {
    return launch(j, Map.of(), args);
  }

  static void byLauncher(Home.Run r) {
    assertTrue(r.err().contains("jbox-trace run-fast ") && !r.err().contains("java-main"), "the launcher ran it: " + r);
  }

  static void byJvm(Home.Run r, String why) {
    assertTrue(r.err().contains("java-main") && !r.err().contains("jbox-trace run-fast "), "the JVM ran it: " + r);
    if (why != null) assertTrue(r.err().contains("the launcher's run goes to the JVM: " + why), why + ": " + r);
  }

  /**
   * What one running sandbox has on disk, by path (the id as ID): each entry's type and mode, and
   * the bytes of every file but the helper's {@code state} (pids), with the id and the created
   * time as ID and CREATED.
   */
  static Map<String, String> snapshot(Home j, String id) throws Exception {
    Map<String, String> out = new TreeMap<>();
    Path c = j.storage.resolve("containers").resolve(id);
    Path f = j.home.resolve("run/jbox/files").resolve(id);
    String created = null;
    for (Path dir : List.of(c, f)) {
      String name = dir == c ? "containers/ID" : "files/ID";
      out.put(name, PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
      try (var s = Files.list(dir)) {
        for (Path p : s.sorted().toList()) {
          String n = name + "/" + p.getFileName();
          String what = (Files.isDirectory(p) ? "d " : "f ") + PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
          if (Files.isRegularFile(p) && !n.endsWith("/state")) {
            String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            if (n.endsWith("config.json")) {
              java.util.regex.Matcher m = java.util.regex.Pattern.compile("\n  \"created\": (\\d+),\n").matcher(text);
              assertTrue(m.find(), text);
              created = m.group(1);
              text = text.replace("\"created\": " + created + ",", "\"created\": CREATED,");
            }
            what += " " + text.replace(id, "ID").replace(id.substring(0, 12), "HOST");
          }
          out.put(n, what);
        }
      }
    }
    assertTrue(created != null, "a config.json: " + out);
    return out;
  }

  /** A running `run --rm -i ... read` of these words: started, its id, its snapshot; then let go. */
  record Running(Process p, String id, Map<String, String> files, Path errors) {
    Home.Run finish(String input) throws Exception {
      try (OutputStream in = p.getOutputStream()) {
        in.write(input.getBytes(StandardCharsets.UTF_8));
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      return new Home.Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          Files.readString(errors));
    }
  }

  Running start(Home j, Map<String, String> extra, String... args) throws Exception {
    ProcessBuilder pb = launcher(j, extra, List.of(args));
    Path errors = Files.createTempFile(t, "err", ".txt");
    pb.redirectError(errors.toFile());
    waitGone(j); // (an earlier run's directory goes after its command ends: not this one's)
    List<Path> before = containers(j);
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("started", out.readLine(), Files.readString(errors));
    List<Path> now = new ArrayList<>(containers(j));
    now.removeAll(before);
    assertEquals(1, now.size(), now.toString());
    String id = now.get(0).getFileName().toString();
    return new Running(p, id, snapshot(j, id), errors);
  }

  @Test
  void theLaunchersRun_writesWhatTheJvmsWrites_andBehavesAsIt() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    String[] run = {"run", "--rm", "-i", "--network=none", busybox, "sh", "-c", "echo started; read x; echo got $x; echo err >&2; exit 7"};
    // the JVM's run (the launcher only checks): it keeps the KEY and the templates
    Running jvm = start(j, Map.of("JBOX_RUN_PREPARED", "check"), run);
    Home.Run jr = jvm.finish("one\n");
    assertEquals(7, jr.status(), jr.toString());
    assertEquals("got one\n", jr.out());
    assertTrue(jr.err().contains("java-main"), jr.err());
    // another command of the same options and image: the same prepared run, the call's command
    // put in (words to quote every way, a marker's length of @); the JVM's run of it first
    String[] other = run.clone();
    other[other.length - 1] = "echo started; read x; echo got $x $#; echo err >&2; exit 7";
    other = java.util.Arrays.copyOf(other, other.length + 3);
    other[other.length - 3] = "zero";
    other[other.length - 2] = "q\"b\\s\n\t\u0001 caf\u00e9 \ud83d\ude00 '";
    other[other.length - 1] = "@".repeat(64) + " " + "@".repeat(12);
    Running jvmOther = start(j, Map.of("JBOX_RUN_PREPARED", "check"), other);
    assertEquals("got one 2\n", jvmOther.finish("one\n").out());
    Running fast = start(j, Map.of(), other);
    Home.Run fr = fast.finish("two\n");
    assertEquals(7, fr.status(), fr.toString());
    assertEquals("got two 2\n", fr.out());
    assertEquals("err\n", Jbox.withoutTrace(fr.err()).replace("jbox: run-prepared: fresh\n", ""));
    byLauncher(fr);
    assertFalse(jvmOther.id().equals(fast.id()));
    assertEquals(jvmOther.files(), fast.files());
    // and the first words again, from the launcher too
    Running again = start(j, Map.of(), run);
    Home.Run ar = again.finish("three\n");
    assertEquals("got three\n", ar.out(), ar.toString());
    byLauncher(ar);
    assertEquals(jvm.files(), again.files());
    assertEquals(List.of(), containers(j), "--rm left nothing");
    assertEquals(List.of(), listing(j.home.resolve("run/jbox/files")), "nor /etc files");

    // while it runs it is a sandbox like any other: ps, inspect, exec, kill
    Running live = start(j, Map.of(), run);
    String shortId = live.id().substring(0, 12);
    Home.Run ps = j.launch("ps", "-q", "--no-trunc");
    assertTrue(ps.out().contains(live.id()), ps.toString());
    Home.Run inspect = j.launch("inspect", shortId);
    assertEquals(0, inspect.status(), inspect.toString());
    assertTrue(inspect.out().contains(live.id()), inspect.toString());
    Home.Run exec = j.launch("exec", shortId, "busybox", "cat", "/etc/hostname");
    assertEquals(shortId + "\n", exec.out(), exec.toString());
    assertEquals(0, j.launch("kill", shortId).status());
    assertTrue(live.p().waitFor(60, TimeUnit.SECONDS));
    assertEquals(137, live.p().exitValue());
    waitGone(j);
  }

  /** The store's sandbox directories gone (the cleaner runs after the command's end). */
  static void waitGone(Home j) throws Exception {
    for (int i = 0; i < 100 && !(containers(j).isEmpty() && listing(j.home.resolve("run/jbox/files")).isEmpty()); i++) Thread.sleep(100);
    assertEquals(List.of(), containers(j));
    assertEquals(List.of(), listing(j.home.resolve("run/jbox/files")));
  }

  static List<Path> listing(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) return List.of();
    try (var s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void fromAShellWithDescriptorsOpen_theSandboxInheritsNone_andASigkillOfTheLauncherLeavesNothing() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    String inside = "ls /proc/self/fd | sort -n | tr '\\n' ' '";
    String[] run = {"run", "--rm", "--network=none", busybox, "sh", "-c", inside};
    assertEquals(0, launch(j, run).status()); // the JVM's: keeps the KEY
    ProcessBuilder pb = launcher(j, Map.of(), List.of());
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "exec 7</etc/hostname 9<>" + t.resolve("fd9") + " 12<.; exec \"$0\" \"$@\""));
    cmd.add(pb.command().get(0));
    cmd.addAll(List.of(run));
    pb.command(cmd);
    Jbox.Result r = Jbox.collect(pb, "bash -c jbox run", 60);
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.err().contains("jbox-trace run-fast "), r.toString());
    assertEquals("0 1 2 3 ", r.out(), "stdin, stdout, stderr and ls's own directory only");
    waitGone(j);

    // SIGKILL of the launcher (which became the sandbox's helper): the sandbox and its files go
    String marker = "jbox-runfast-" + System.nanoTime() % 100000;
    // (the marker is sh's $0: in its command line, which the sandbox's sh keeps while sleep runs)
    String[] sleeper = {"run", "--rm", "--network=none", busybox, "sh", "-c", "echo started; sleep 1000; :", marker};
    Running first = start(j, Map.of("JBOX_RUN_PREPARED", "check"), sleeper); // the JVM's: keeps the KEY
    Home.Run kill = j.launch("kill", first.id());
    assertEquals(0, kill.status(), kill + "\n" + containers(j) + "\n" + Files.readString(first.errors()));
    assertTrue(first.p().waitFor(60, TimeUnit.SECONDS));
    waitGone(j);
    String mountsBefore = Lifetimes.mountinfo();
    Running killed = start(j, Map.of(), sleeper);
    assertTrue(Files.readString(killed.errors()).contains("jbox-trace run-fast "), Files.readString(killed.errors()));
    assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(killed.p().pid())).start().waitFor());
    killed.p().waitFor(60, TimeUnit.SECONDS);
    for (int i = 0; i < 600 && !Lifetimes.ownWithCmdline(marker).isEmpty(); i++) Thread.sleep(100);
    assertEquals(List.of(), Lifetimes.ownWithCmdline(marker), "sandbox processes outlived the launcher");
    assertEquals(mountsBefore, Lifetimes.mountinfo(), "no mount appears in the caller's namespace");
    waitGone(j);
  }

  /** The launcher on a real pty (script(1)), with TERM term: stdout and stderr together, CRLF as LF. */
  static Jbox.Result onPty(Home j, String term, String... args) {
    ProcessBuilder pb = launcher(j, Map.of("TERM", term), List.of());
    StringBuilder line = new StringBuilder("exec '" + pb.command().get(0) + "'");
    for (String a : args) line.append(" '").append(a.replace("'", "'\\''")).append("'");
    pb.command("script", "-qec", line.toString(), "/dev/null");
    Jbox.Result r = Jbox.collect(pb, "script jbox run -t", 60);
    return new Jbox.Result(r.code(), r.out().replace("\r\n", "\n"), r.err());
  }

  @Test
  void dashT_onATerminal_runsFromTheLauncher_withTheCallersTerm_andWithoutOneTheJvmWarns() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    String[] run = {"run", "--rm", "-it", "--network=none", busybox, "sh", "-c", "tty; echo TERM=$TERM; exit 3"};
    Jbox.Result first = onPty(j, "vt220", run);
    assertEquals(3, first.code(), first.toString());
    assertTrue(first.out().contains("java-main"), first.toString());
    Jbox.Result fast = onPty(j, "vt220", run);
    assertEquals(3, fast.code(), fast.toString());
    assertTrue(fast.out().contains("jbox-trace run-fast ") && !fast.out().contains("java-main"), fast.toString());
    assertTrue(fast.out().contains("/dev/pts/0\nTERM=vt220\n"), fast.toString());
    // another TERM is another plan: the KEY holds the caller's
    Jbox.Result other = onPty(j, "xterm-256color", run);
    assertTrue(other.out().contains("jbox: run-prepared: stale: changed: TERM"), other.toString());
    assertTrue(other.out().contains("TERM=xterm-256color\n"), other.toString());
    // no terminal: the JVM's warning, and its run
    Home.Run piped = launch(j, Map.of("TERM", "xterm-256color"), run);
    byJvm(piped, "-t without a terminal");
    assertTrue(piped.err().contains("jbox: warning: -t given but stdin is not a terminal"), piped.toString());
    assertEquals(3, piped.status(), piped.toString());
    waitGone(j);
  }

  @Test
  void whatACrashedRunLeft_andABrokenTemplate_goToTheJvm_whichMendsThem() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    String[] run = {"run", "--rm", "--network=none", busybox, "sh", "-c", "echo hi"};
    assertEquals("hi\n", launch(j, run).out());
    byLauncher(launch(j, run));

    // a crashed run's directory (an rm marker, two minutes old, no lock held): the JVM sweeps it
    Path crashed = j.storage.resolve("containers").resolve("ab".repeat(32));
    Files.createDirectories(crashed.resolve("upper"));
    Files.createFile(crashed.resolve("rm"));
    Files.setLastModifiedTime(crashed, FileTime.fromMillis(System.currentTimeMillis() - 120_000));
    Home.Run swept = launch(j, run);
    assertEquals("hi\n", swept.out(), swept.toString());
    byJvm(swept, "what a crashed run left is there to sweep");
    assertFalse(Files.exists(crashed), "the JVM swept it");
    byLauncher(launch(j, run));
    // a young one (a run between its mkdir and its helper's lock) is no leftover
    Files.createDirectories(crashed);
    Files.createFile(crashed.resolve("rm"));
    byLauncher(launch(j, run));
    assertTrue(Files.exists(crashed));
    Files.delete(crashed.resolve("rm"));
    Files.delete(crashed);

    // a broken template: the JVM runs it and writes the templates again
    Path dir;
    try (var s = Files.list(j.home.resolve("run/jbox/runs"))) {
      dir = s.filter(p -> Files.exists(p.resolve("run.plan"))).findFirst().orElseThrow();
    }
    byte[] plan = Files.readAllBytes(dir.resolve("run.plan"));
    Files.write(dir.resolve("run.plan"), java.util.Arrays.copyOf(plan, plan.length - 1));
    Home.Run broken = launch(j, run);
    assertEquals("hi\n", broken.out(), broken.toString());
    byJvm(broken, "a template it cannot fill");
    byLauncher(launch(j, run));
    // a marker too long
    String conf = Files.readString(dir.resolve("run.config.json"));
    Files.writeString(dir.resolve("run.config.json"), conf.replace("@".repeat(64), "@".repeat(65)));
    byJvm(launch(j, run), "a template it cannot fill");
    byLauncher(launch(j, run));
    // an older jbox's KEY named by every word (the command's too) is found first: stale once (its
    // jar), then the JVM removes it and the KEY of the options and image is found again
    Path old = dir.resolveSibling(dev.jbox.sandboxes.RunPrepared.argvHash(java.util.Arrays.copyOfRange(run, 1, run.length))
        .substring(0, 16) + ".prepared");
    Files.createDirectory(old, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    for (Path f : listing(dir)) Files.copy(f, old.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    Files.writeString(old.resolve("key"), Files.readString(old.resolve("key")).replaceFirst("\njar \\d+ ", "\njar 1 "));
    Home.Run shadowed = launch(j, run);
    assertTrue(shadowed.err().contains("jbox: run-prepared: stale: another jar"), shadowed.toString());
    assertEquals("hi\n", shadowed.out(), shadowed.toString());
    assertFalse(Files.exists(old.resolve("key")));
    byLauncher(launch(j, run));
    // the launcher's run makes its KEY the newest (the 64 newest are kept: a run in use stays)
    Files.setLastModifiedTime(dir.resolve("key"), FileTime.fromMillis(1_000_000));
    byLauncher(launch(j, run));
    assertTrue(Files.getLastModifiedTime(dir.resolve("key")).toMillis() > System.currentTimeMillis() - 600_000);
    // the debug switch that compares the JVM's plan: the JVM
    byJvm(launch(j, Map.of("JBOX_DEBUG_PLAN_FILE", t.resolve("plan.bin").toString()), run), "a debug file");
    // (that plan never ran: what the JVM made for it is only jbox's own files)
    for (Path unrun : List.of(j.storage.resolve("containers"), j.home.resolve("run/jbox/files"))) {
      for (Path p : listing(unrun)) {
        try (var w = Files.walk(p)) {
          for (Path q : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
      }
    }
    // off: the JVM runs and nothing is kept
    Home.Run off = launch(j, Map.of("JBOX_RUN_PREPARED", "0"), run);
    assertTrue(off.err().contains("java-main") && !off.err().contains("run-prepared"), off.toString());
    waitGone(j);
  }
}
