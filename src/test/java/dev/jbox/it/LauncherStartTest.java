package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher's own start of a project's new `jbox shell` sandbox (issue 12, helpers/shell_start.c),
 * by default (no JBOX_PRESTART) from a fresh prepared start: as the test account, with the real helper and
 * pasta. Every start the test means to be the launcher's is asserted to be (its JBOX_TRACE stamp
 * `shell-start` and no `java-main`), so a silent fall back to the JVM fails the test; every start
 * that must go to the JVM is asserted to have gone there.
 */
class LauncherStartTest extends ScratchHomeTest {
  @BeforeEach
  void scenario() throws Exception {
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "PRIVATE KEY\n");
    Files.writeString(home.resolve("precious"), "mine\n");
  }

  @AfterEach
  void end() throws Exception {
    for (long pid : Lifetimes.ownWithCmdline("sleep " + marker)) new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    ScratchHome.reset(project, home, env(), Map.of("JBOX_PRESTART", "check"));
  }

  final String marker = "7" + (100_000 + System.nanoTime() % 100_000);

  Map<String, String> env() {
    Map<String, String> e = scratch.env(true);
    e.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    e.put("JBOX_DEBUG_PRESTART", "1");
    e.put("JBOX_TRACE", "1");
    return e;
  }

  Jbox.Result jbox(Path cwd, Map<String, String> extra, List<String> args) {
    return Jbox.inDir(cwd, env(), extra, args);
  }

  Jbox.Result shell(Map<String, String> extra, String script) {
    return jbox(project, extra, List.of("shell", "--", "sh", "-c", script));
  }

  static boolean byLauncher(Jbox.Result r) {
    return r.err().contains("jbox-trace shell-start ") && !r.err().contains("jbox-trace java-main ");
  }

  static boolean byJvm(Jbox.Result r) {
    return r.err().contains("jbox-trace java-main ") && !r.err().contains("jbox-trace shell-start ");
  }

  /** A start the launcher made: its result (asserted so). */
  Jbox.Result launcher(Map<String, String> extra, String script) {
    Jbox.Result r = shell(extra, script);
    assertTrue(byLauncher(r), "the launcher started it:\n" + r);
    return r;
  }

  /** A start the JVM made: its result (asserted so). */
  Jbox.Result jvm(Map<String, String> extra, String script) {
    Jbox.Result r = shell(extra, script);
    assertTrue(byJvm(r), "the JVM started it:\n" + r);
    return r;
  }

  /**
   * A JVM start, then a second start: the first one's KEY is stale at once when that start made
   * something the policy looks at (jbox's data directory under a new $HOME, a hidden path), and
   * fresh when another project's start made it already (then the second start is the launcher's);
   * either way the prepared start is fresh after the second.
   */
  void prepared() {
    Jbox.Result first = jvm(Map.of(), "true");
    assertEquals(0, first.code(), first.toString());
    Jbox.Result second = shell(Map.of(), "true");
    assertEquals(0, second.code(), second.toString());
  }

  Path runtime() {
    return scratch.runtime();
  }

  String projectId() throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(project.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(d, 0, 8);
  }

  String linkedId() throws Exception {
    return Files.readSymbolicLink(runtime().resolve("projects/" + projectId())).toString();
  }

  /** Every file, directory and link under dir (but the prepared start's own), with its type and mode; ids as ID. */
  static Map<String, String> listing(Path dir, String id) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (var s = Files.walk(dir, 3)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = dir.relativize(p).toString().replace(id, "ID");
        if (rel.contains(".prestart")) continue;
        String type = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p).toString().replace(id, "ID")
            : Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "dir" : "file";
        String mode = Files.isSymbolicLink(p) ? "" : " " + PosixFilePermissions.toString(
            Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        out.put(rel, type + mode);
      }
    }
    return out;
  }

  /** A record file of sandbox id with its id and created time put back to placeholders. */
  String record(String id, String file) throws Exception {
    String s = new String(Files.readAllBytes(runtime().resolve(id).resolve(file)), StandardCharsets.ISO_8859_1);
    return s.replace(id, "ID").replaceFirst("\n  \"created\": [0-9]+,\n", "\n  \"created\": 0,\n");
  }

  /** A shell in the background, `sh -c 'SCRIPT; exec sleep MARKER'`, waited for until the sleep runs. */
  Process background(Map<String, String> extra, String script, java.io.File errors) throws Exception {
    ProcessBuilder pb = Jbox.builder(List.of("shell", "--", "sh", "-c", script + "; exec sleep " + marker));
    pb.directory(project.toFile());
    for (String k : List.of("XDG_DATA_HOME", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE")) pb.environment().remove(k);
    pb.environment().putAll(env());
    pb.environment().putAll(extra);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errors);
    Process p = pb.start();
    for (int i = 0; i < 1200 && Lifetimes.ownWithCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(50);
    assertFalse(Lifetimes.ownWithCmdline("sleep " + marker).isEmpty(), "the shell started: " + Files.readString(errors.toPath()));
    return p;
  }

  @Test
  void theDefault_andJboxPrestart1_areTheLaunchersStart_jboxPrestart0_theJvmsWithNothingKept() throws Exception {
    prepared();
    assertEquals(0, launcher(Map.of(), "true").code());
    assertEquals(0, launcher(Map.of("JBOX_PRESTART", "1"), "true").code());
    Path key = runtime().resolve("projects/" + projectId() + ".prestart/key");
    assertTrue(Files.exists(key));
    Jbox.Result off = jvm(Map.of("JBOX_PRESTART", "0"), "true");
    assertEquals(0, off.code(), off.toString());
    assertFalse(Files.exists(key), "JBOX_PRESTART=0 drops the prepared start");
    assertEquals(0, jvm(Map.of("JBOX_PRESTART", "0"), "true").code());
    assertEquals(0, jvm(Map.of(), "true").code()); // keeps it again
    assertEquals(0, launcher(Map.of(), "true").code());
  }

  @Test
  void theLaunchersStart_writesWhatTheJvmsStartWrites_byteForByte_andTheSameFilesLinksAndModes() throws Exception {
    prepared();
    Map<String, String> extra = new HashMap<>();
    extra.put("FOO_TOKEN", "secret");
    extra.put("QUOTED", "a\"b\\c");
    extra.put("UNICODE", "caf\u00e9 \u2615");
    extra.put("LC_ALL", "C.UTF-8");
    String script = "cat /etc/hostname /etc/hosts /etc/resolv.conf; exit 3";
    // the JVM's start (JBOX_PRESTART=check: the KEY is kept and checked, the JVM starts) and the launcher's,
    // each with the same call; its records after it ended, its listing while it runs
    Map<String, String> viaJvm = new HashMap<>(extra);
    viaJvm.put("JBOX_PRESTART", "check");
    List<Map<String, String>> listings = new ArrayList<>();
    List<Map<String, String>> records = new ArrayList<>();
    List<String> outs = new ArrayList<>();
    for (Map<String, String> e : List.of(viaJvm, extra)) {
      Jbox.Result r = shell(e, script);
      assertEquals(3, r.code(), r.toString());
      assertTrue(e == extra ? byLauncher(r) : byJvm(r), r.toString());
      outs.add(r.out());
      String id = linkedId();
      Map<String, String> rec = new TreeMap<>();
      for (String f : List.of("config.json", "exec.plan", "project", "join.plan")) rec.put(f, record(id, f));
      records.add(rec);
      java.io.File errors = tmp.resolve("bg-errors").toFile();
      Process p = background(e, "true", errors);
      String running = linkedId();
      Map<String, String> l = listing(runtime(), running);
      l.putAll(listing(home.resolve(".local/share/jbox"), running));
      listings.add(l);
      for (long pid : Lifetimes.ownWithCmdline("sleep " + marker)) new ProcessBuilder("kill", Long.toString(pid)).start().waitFor();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      String err = Files.readString(errors.toPath());
      assertTrue(e == extra ? err.contains("jbox-trace shell-start ") && !err.contains("java-main") : err.contains("java-main"), err);
    }
    assertEquals(outs.get(0), outs.get(1), "the same /etc files inside");
    assertTrue(outs.get(1).contains("# generated by jbox"), outs.get(1));
    assertEquals(records.get(0), records.get(1), "the same records, but for the id and the created time");
    assertFalse(records.get(1).get("config.json").contains("FOO_TOKEN"), records.get(1).get("config.json"));
    assertEquals(listings.get(0), listings.get(1), "the same files, links and modes");
    assertTrue(listings.get(1).containsKey("files/ID/hosts") && listings.get(1).get("ID/config.json").equals("file rw-r--r--"),
        listings.get(1).toString());
    assertEquals("link ID", listings.get(1).get("projects/" + projectId()), listings.get(1).toString());
  }

  @Test
  void aLauncherStartedShell_isTheSandboxTheJvmStarts_andEveryVerbReachesIt() throws Exception {
    prepared();
    Map<String, String> secrets = Map.of("SSH_AUTH_SOCK", "/tmp/agent.sock", "FOO_TOKEN", "secret", "KEEP_ME", "yes");
    Jbox.Result r = launcher(secrets, "id -u; id -g; touch built && echo project-writable; touch /usr/x 2>/dev/null && echo usr-writable || echo usr-ro;"
        + " test -e ~/.ssh && echo ssh-visible || echo ssh-absent; env | grep -E '^(SSH_AUTH_SOCK|FOO_TOKEN|KEEP_ME)=';"
        + " echo \"$JBOX_SANDBOX\"; echo x >> ~/.bashrc; exit 7");
    assertEquals(7, r.code(), r.toString());
    String uid = Long.toString(Jbox.currentUid());
    String gid = new String(new ProcessBuilder("id", "-g").start().getInputStream().readAllBytes()).strip();
    assertEquals(List.of(uid, gid, "project-writable", "usr-ro", "ssh-absent", "KEEP_ME=yes", "app"), r.out().lines().toList(), r.toString());
    assertEquals(Jbox.currentUid(), ((Number) Files.getAttribute(project.resolve("built"), "unix:uid")).longValue());
    assertFalse(Files.exists(home.resolve(".bashrc")), "the home is copy-on-write");
    Jbox.Result diff = jbox(project, Map.of(), List.of("shell", "--diff"));
    assertTrue(diff.out().contains("A " + home.resolve(".bashrc")), diff.toString());

    // it runs: ps lists it, a second shell joins it (the same namespaces), stop and rm reach it
    String ns = "readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net";
    java.io.File errors = tmp.resolve("bg-errors").toFile();
    Process first = background(Map.of(), ns + " > ns-first", errors);
    assertTrue(Files.readString(errors.toPath()).contains("jbox-trace shell-start "), Files.readString(errors.toPath()));
    Jbox.Result ps = jbox(project, Map.of(), List.of("ps"));
    assertTrue(ps.out().lines().anyMatch(l -> l.endsWith(" app") && l.contains("(host)") && l.contains("Up")), ps.toString());
    Jbox.Result join = shell(Map.of(), ns);
    assertEquals(0, join.code(), join.toString());
    assertEquals(Files.readString(project.resolve("ns-first")), join.out(), "joined: " + join);
    assertTrue(join.err().contains("jbox-trace shell-fast "), join.toString());
    Jbox.Result stop = jbox(project, Map.of(), List.of("stop", "app"));
    assertEquals(0, stop.code(), stop.toString());
    assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    assertEquals(List.of(), Lifetimes.ownWithCmdline("sleep " + marker));
    Jbox.Result rm = jbox(project, Map.of(), List.of("rm", "app"));
    assertEquals(0, rm.code(), rm.toString());
    assertFalse(Files.exists(runtime().resolve(linkedIdOrNone())), "rm removed the record");

    // after rm the link names nothing: the launcher starts again; then SIGKILL of the launcher
    String mountsBefore = Lifetimes.mountinfo();
    Process killed = background(Map.of(), "true", errors);
    assertTrue(Files.readString(errors.toPath()).contains("jbox-trace shell-start "), Files.readString(errors.toPath()));
    assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(killed.pid())).start().waitFor());
    killed.waitFor(60, TimeUnit.SECONDS);
    for (int i = 0; i < 600 && !Lifetimes.ownWithCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(100);
    assertEquals(List.of(), Lifetimes.ownWithCmdline("sleep " + marker), "sandbox processes outlived the launcher");
    assertEquals(mountsBefore, Lifetimes.mountinfo(), "no mount appears in the caller's namespace");
    String killedId = linkedId();
    for (int i = 0; i < 100 && Files.exists(runtime().resolve("files").resolve(killedId)); i++) Thread.sleep(100);
    assertFalse(Files.exists(runtime().resolve("files").resolve(killedId)), "the /etc files went with the sandbox");
    // the next start removes that ended one (the launcher's, again)
    assertEquals(0, launcher(Map.of(), "true").code());
    assertFalse(Files.exists(runtime().resolve(killedId)), "the ended sandbox was removed");
    try (var l = Files.list(runtime())) {
      assertEquals(1, l.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).count(), "one record: the last one's");
    }

    // --reset after a launcher start: the home's changes go
    Jbox.Result reset = jbox(project, Map.of(), List.of("shell", "--reset"));
    assertEquals(0, reset.code(), reset.toString());
    assertEquals("", jbox(project, Map.of(), List.of("shell", "--diff")).out());
    // the home layer is gone with it: the JVM makes it again (the launcher's plan would mount it)
    Jbox.Result afterReset = jvm(Map.of(), "echo y >> ~/.bashrc; cat ~/.bashrc");
    assertEquals("y\n", afterReset.out(), afterReset.toString());
    assertTrue(afterReset.err().contains("the launcher's start goes to the JVM: the project's home layer"), afterReset.toString());
    assertEquals("y\n", launcher(Map.of(), "cat ~/.bashrc").out());
    assertEquals("mine\n", Files.readString(home.resolve("precious")));
  }

  String linkedIdOrNone() {
    try {
      return linkedId();
    } catch (Exception e) {
      return "none";
    }
  }

  @Test
  void whatTheLauncherDoesNotExpect_goesToTheJvm_neverAWrongSandbox_nothingOutsideJboxsDirsTouched() throws Exception {
    prepared();
    Path prestart = runtime().resolve("projects/" + projectId() + ".prestart");
    // a record template cut short or replaced: the JVM starts (and writes the templates again)
    for (String t : List.of("start.hostname", "start.hosts", "start.resolv.conf", "start.project", "start.join.plan")) {
      byte[] good = Files.readAllBytes(prestart.resolve(t));
      Files.write(prestart.resolve(t), java.util.Arrays.copyOf(good, good.length - 1));
      Jbox.Result r = jvm(Map.of(), "cat /etc/hostname; echo $JBOX_SANDBOX");
      assertEquals(0, r.code(), r.toString());
      assertTrue(r.out().endsWith("\napp\n"), r.toString());
      assertEquals(0, launcher(Map.of(), "true").code(), t + " written again");
    }
    // a template of the wrong mode or a symlink: the JVM
    Files.setPosixFilePermissions(prestart.resolve("start.hosts"), PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(0, jvm(Map.of(), "true").code());
    assertEquals(0, launcher(Map.of(), "true").code());
    Files.copy(prestart.resolve("start.resolv.conf"), tmp.resolve("resolv-copy"));
    Files.delete(prestart.resolve("start.resolv.conf"));
    Files.createSymbolicLink(prestart.resolve("start.resolv.conf"), tmp.resolve("resolv-copy"));
    assertEquals(0, jvm(Map.of(), "true").code());
    assertEquals(0, launcher(Map.of(), "true").code());
    // a stale KEY (the project's toml appears): the JVM, with the new policy
    Files.createDirectories(project.resolve(".jbox"));
    Files.writeString(project.resolve(".jbox/shell.toml"), "hide = [\"~/precious\"]\n");
    assertEquals("hidden\n", jvm(Map.of(), "test -e ~/precious && echo visible || echo hidden").out());
    assertEquals("hidden\n", launcher(Map.of(), "test -e ~/precious && echo visible || echo hidden").out());
    // an allow-list (a firewall beside the plan, which no template holds) is never prepared
    Files.writeString(project.resolve(".jbox/shell.toml"), "allow-host = [\"10.213.7.2\"]\n");
    jvm(Map.of(), "true");
    assertEquals(0, jvm(Map.of(), "true").code(), "never the launcher's");

    Files.delete(project.resolve(".jbox/shell.toml"));
    jvm(Map.of(), "true");
    assertEquals(0, launcher(Map.of(), "true").code());
    // the ended sandbox holds a file that is not jbox's, or a symlink: the JVM (which removes the
    // sandbox's own directory and never follows the link)
    for (String kind : List.of("file", "link", "dir")) {
      Path ended = runtime().resolve(linkedId());
      if (kind.equals("file")) Files.writeString(ended.resolve("extra.txt"), "x");
      if (kind.equals("link")) Files.createSymbolicLink(ended.resolve("fgstate.old"), home.resolve("precious"));
      if (kind.equals("dir")) Files.createDirectory(ended.resolve("sub"));
      Jbox.Result r = jvm(Map.of(), "true");
      assertTrue(r.err().contains("jbox: prestart: the launcher's start goes to the JVM: the ended sandbox holds a file that is not jbox's"), r.toString());
      assertFalse(Files.exists(ended), "the JVM removed it");
      assertEquals("mine\n", Files.readString(home.resolve("precious")));
      assertEquals(0, launcher(Map.of(), "true").code());
    }
    // the project's lock held (another shell of the project is starting): the JVM, which waits for it
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(runtime().resolve("projects/" + projectId() + ".lock"),
        java.nio.file.StandardOpenOption.WRITE); var lock = ch.lock()) {
      ProcessBuilder pb = Jbox.builder(List.of("shell", "--", "true"));
      pb.directory(project.toFile());
      pb.environment().putAll(env());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("locked-errors").toFile());
      Process p = pb.start();
      Thread.sleep(1500);
      assertTrue(p.isAlive(), "waits for the lock: " + Files.readString(tmp.resolve("locked-errors")));
      lock.release();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue());
      String err = Files.readString(tmp.resolve("locked-errors"));
      assertTrue(err.contains("the launcher's start goes to the JVM: the project's lock is held") && err.contains("java-main"), err);
    }
    // JBOX_SHELL_NO_FAST: the JVM
    Jbox.Result noFast = shell(Map.of("JBOX_SHELL_NO_FAST", "1"), "true");
    assertTrue(noFast.err().contains("java-main") && !noFast.err().contains("shell-start"), noFast.toString());
    assertEquals("mine\n", Files.readString(home.resolve("precious")));
  }

  @Test
  void aNameAnotherSandboxHas_goesToTheJvm_whichNamesItOtherwise() throws Exception {
    // a project elsewhere with the same directory name, its home layer made beforehand
    Path other = home.resolve("elsewhere/app");
    Files.createDirectories(other.resolve(".git"));
    Map<String, String> check = Map.of("JBOX_PRESTART", "check");
    Jbox.Result first = jbox(other, check, List.of("shell", "--", "true"));
    assertEquals(0, first.code(), first.toString());
    assertEquals(0, jbox(other, check, List.of("rm", "app")).code());
    prepared();
    assertEquals(0, launcher(Map.of(), "true").code());
    Jbox.Result rm = jbox(project, Map.of(), List.of("rm", "app"));
    assertEquals(0, rm.code(), rm.toString());
    Jbox.Result there = jbox(other, check, List.of("shell", "--", "sh", "-c", "echo $JBOX_SANDBOX"));
    assertEquals("app\n", there.out(), there.toString());
    Jbox.Result r = jvm(Map.of(), "echo $JBOX_SANDBOX");
    assertTrue(r.out().matches("app-[0-9a-f]{6}\n"), r.toString());
    assertTrue(r.err().contains("the launcher's start goes to the JVM: the name is taken"), r.toString());
    Jbox.Result resetOther = jbox(other, check, List.of("shell", "--reset"));
    assertEquals(0, resetOther.code(), resetOther.toString());
  }

  /**
   * The launcher's start in the helper built with ASan and UBSan (as make check builds it, which
   * Maven runs after the tests: built here when it is not there yet): a start, the ended
   * sandbox's removal, and a start it gives up (a file that is not jbox's in the ended sandbox),
   * with no sanitizer report.
   */
  @Test
  void theLaunchersStart_underAsanAndUbsan_reportsNothing() throws Exception {
    Path asan = Jbox.source().resolve("helpers/build/asan/jbox-helper");
    Jbox.Result made = Jbox.collect(new ProcessBuilder("make", "-s", "-C", Jbox.source().resolve("helpers").toString(),
        "build/asan/jbox-helper"), "make build/asan/jbox-helper", 600);
    assertEquals(0, made.code(), made.toString());
    assertTrue(Files.isExecutable(asan), asan.toString());
    prepared();
    for (String kind : List.of("start", "foreign file")) {
      if (kind.equals("foreign file")) Files.writeString(runtime().resolve(linkedId()).resolve("extra.txt"), "x");
      ProcessBuilder pb = Jbox.builder(List.of("shell", "--", "sh", "-c", "echo ok; exit 5"));
      pb.command().set(0, asan.toString());
      pb.command().add(1, "jbox"); // JBOX_HELPER stays the helper the prepared start was made with
      pb.directory(project.toFile());
      for (String k : List.of("XDG_DATA_HOME", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE")) pb.environment().remove(k);
      pb.environment().putAll(env());
      pb.environment().put("ASAN_OPTIONS", "detect_leaks=0:exitcode=99");
      pb.environment().put("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Jbox.Result r = Jbox.collect(pb, "jbox shell (asan)", 120);
      assertFalse(r.err().contains("Sanitizer") || r.err().contains("runtime error"), r.toString());
      assertEquals(5, r.code(), r.toString());
      assertEquals("ok\n", r.out(), r.toString());
      assertTrue(kind.equals("start") ? byLauncher(r) : byJvm(r), kind + ":\n" + r);
    }
  }

  @Test
  void ctrlC_throughARealPty_onALauncherStartedShell_endsTheForegroundJob_shellGoesOn() throws Exception {
    prepared();
    String out = ShellPty.ctrlCSession(tmp.resolve("ptydriver.py"), project, env(), marker);
    assertTrue(out.contains("jbox-trace shell-start ") && !out.contains("jbox-trace java-main "), "the launcher started it: " + out);
    assertTrue(out.contains("AFTER42"), "the shell went on after ctrl-c: " + out);
    assertFalse(out.contains("SLEPT2"), "ctrl-c ended the sleep, not only the shell line: " + out);
    assertTrue(out.contains("STATUS 4"), out);
    assertEquals(List.of(), Lifetimes.ownWithCmdline("sleep " + marker), "ctrl-c ended the sleep");
  }
}
