package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Planned;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Joining a project's running shell sandbox without a JVM (helpers/shell_join.c): `jbox shell`
 * and `jbox shell -- CMD` while the project's sandbox runs. A differential test runs each form,
 * working directory and environment both ways (JBOX_SHELL_NO_FAST=1 is the JVM's join) with
 * JBOX_DEBUG_PLAN_FILE and compares the plan bytes; the fast join must start no JVM (no
 * java-main phase in JBOX_TRACE). Then the join as users make it, from bash with a secret in the
 * environment and descriptors open, and from a real pty; and every case that must go to the JVM.
 */
class ShellJoinFastPathTest extends ScratchHomeTest {
  Process first;
  String marker;

  @BeforeEach
  void scenario() throws Exception {
    Files.createDirectories(project.resolve("lib/deep"));
    Files.writeString(home.resolve(".bashrc"), "# host rc\n");
  }

  @AfterEach
  void end() throws Exception {
    if (first != null) {
      for (long pid : Lifetimes.withCmdline("sleep " + marker)) new ProcessBuilder("kill", Long.toString(pid)).start().waitFor();
      assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    }
    ScratchHome.reset(project, home, env(), Map.of());
  }

  Map<String, String> env() {
    Map<String, String> e = scratch.env(true);
    e.put("JBOX_PRESTART", "check"); // the JVM's start, recording as by default (the launcher's: LauncherStartTest)
    return e;
  }

  /** The project's sandbox, started in the background: its pid, mnt, net and user namespaces. */
  List<String> startProjectSandbox() throws Exception {
    marker = "7" + System.nanoTime() % 100000;
    String ns = "readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/user";
    ProcessBuilder pb = Jbox.builder(List.of("shell", "--", "sh", "-c", ns + "; exec sleep " + marker));
    pb.directory(project.toFile());
    pb.environment().remove("XDG_DATA_HOME");
    pb.environment().putAll(env());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectErrorStream(true);
    first = pb.start();
    java.io.BufferedReader rd = new java.io.BufferedReader(new java.io.InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
    List<String> nss = new ArrayList<>();
    for (int i = 0; i < 4; i++) nss.add(rd.readLine());
    assertTrue(nss.get(0) != null && nss.get(0).startsWith("pid:"), nss.toString());
    for (int i = 0; i < 1200 && Lifetimes.withCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(50);
    return nss;
  }

  /** One jbox command in cwd with exactly the test's environment plus extra (a null value removes the name). */
  Jbox.Result jbox(Path cwd, Map<String, String> extra, List<String> args) {
    return Jbox.inDir(cwd, env(), extra, args);
  }

  /** A join (or a start) in cwd, the JVM's with jvm (JBOX_SHELL_NO_FAST); the plan it would run when dump is set. */
  Planned join(Path cwd, Map<String, String> extra, List<String> args, boolean jvm, boolean dump) throws Exception {
    return FastPath.of("shell").planned(tmp, extra, jvm, dump, e -> jbox(cwd, e, args));
  }

  static List<String> shell(String... words) {
    List<String> a = new ArrayList<>(List.of("shell"));
    a.addAll(List.of(words));
    return a;
  }

  @Test
  void everyFormCwdAndEnvironment_theFastJoinSendsTheJvmsBytes_andStartsNoJvm() throws Exception {
    startProjectSandbox();
    Path runtime = scratch.runtime();
    try (var s = Files.list(runtime)) {
      assertTrue(s.anyMatch(d -> Files.exists(d.resolve("join.plan"))), "the shell wrote its join template");
    }
    List<List<String>> forms = List.of(shell(), shell("--"), shell("--", "true"), shell("true"), shell("--", "sh", "-c", "exit 3"),
        shell("-", "x"), shell("--", "echo", "--", "-x", "café ☕", ""), shell("--project", project.toString(), "--", "true"),
        shell("--project=" + project, "true"), shell("--project", project.toString()), shell("--project=" + project + "/", "--", "x"));
    List<Path> cwds = List.of(project, project.resolve("lib/deep"), project.resolve(".git"));
    // --project from a directory outside the project: the project's root is the working directory
    Planned out = join(home, Map.of(), shell("--project", "src/app", "--", "pwd"), false, true);
    Planned outJ = join(home, Map.of(), shell("--project", "src/app", "--", "pwd"), true, true);
    assertTrue(out.fast() && !outJ.fast(), out.toString());
    assertArrayEquals(outJ.plan(), out.plan());
    List<Map<String, String>> envs = new ArrayList<>();
    envs.add(Map.of());
    envs.add(Map.of("FOO_TOKEN", "secret", "GH_TOKEN_X", "y", "AWS_PROFILE", "p", "SSH_AUTH_SOCK", "/run/a", "KEEP", "kept",
        "JBOX_OWN", "1", "container", "podman", "PS1", "$ ", "A_SECRET_B", "s", "EMPTY", ""));
    envs.add(Map.of("WITH_EQ", "a=b=c", "a", "lower", "Z", "upper", "_", "/usr/bin/env"));
    envs.add(Map.of("LANG", "C"));
    envs.add(Map.of("LANG", "en_US.UTF-8", "LC_ALL", "POSIX"));
    envs.add(Map.of("LC_CTYPE", "C.UTF-8", "LANG", "C"));
    envs.add(Map.of("LC_ALL", "xx_XX.UTF-8")); // says UTF-8, is not installed: the JVM decodes ASCII
    envs.add(Map.of("CAFE", "café ☕", "LANG", "C")); // the JVM gets C.UTF-8 from the launcher
    envs.add(Map.of("CAFE", "crème", "LANG", "C.UTF-8"));
    Map<String, String> noShell = new HashMap<>();
    noShell.put("SHELL", null);
    envs.add(noShell);
    envs.add(Map.of("SHELL", "/no/such/shell"));
    envs.add(Map.of("SHELL", "bash"));
    for (int fi = 0; fi < forms.size(); fi++) {
      List<String> a = forms.get(fi);
      for (int ei = 0; ei < envs.size(); ei++) {
        Map<String, String> env = envs.get(ei);
        Path cwd = cwds.get((fi + ei) % cwds.size()); // every form with every environment, the cwds in turn
        {
          Planned f = join(cwd, env, a, false, true);
          Planned j = join(cwd, env, a, true, true);
          String what = a + " in " + cwd + " with " + env;
          // where the JVM would not decode UTF-8, anything not ASCII goes to it
          boolean ascii = String.join("", a).chars().allMatch(ch -> ch < 128);
          if (ascii || !"xx_XX.UTF-8".equals(env.get("LC_ALL"))) assertTrue(f.fast(), "no JVM for " + what + ": " + f);
          else assertFalse(f.fast(), what);
          assertFalse(j.fast(), what);
          assertEquals(0, f.code(), what + ": " + f.err());
          assertEquals(j.code(), f.code(), what + ": " + j.err());
          assertNotNull(f.plan(), what);
          assertNotNull(j.plan(), what);
          assertArrayEquals(j.plan(), f.plan(), "the plan of " + what + ":\n" + printable(f.plan()) + "\n" + printable(j.plan()));
        }
      }
    }
  }

  static String printable(byte[] b) {
    return new String(b, StandardCharsets.UTF_8).replaceAll("[\\x00-\\x08\\x0b-\\x1f]", "|");
  }

  /** bash -c SCRIPT in cwd, jbox on PATH as `jbox`; stdout, stderr and the exit code. */
  Jbox.Result bash(Path cwd, String script) throws Exception {
    ProcessBuilder jb = Jbox.builder(List.of());
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "jbox() { \"$JBOX\" \"$@\"; }; " + script);
    pb.directory(cwd.toFile());
    pb.environment().putAll(jb.environment());
    pb.environment().remove("XDG_DATA_HOME");
    pb.environment().putAll(env());
    pb.environment().put("JBOX", jb.command().get(0));
    pb.environment().put("JBOX_TRACE", "1");
    Process p = pb.start();
    p.getOutputStream().close();
    var err = new java.util.concurrent.CompletableFuture<String>();
    new Thread(() -> err.complete(new String(Jbox.readAll(p.getErrorStream()), StandardCharsets.UTF_8))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Jbox.Result(p.exitValue(), out, err.get());
  }

  @Test
  void fastJoin_fromBash_sameNamespacesCwdAndStatus_secretsDropped_noDescriptorLeaks() throws Exception {
    List<String> nss = startProjectSandbox();
    String script = "export FOO_TOKEN=t0k MY_PASSWORD=pw PLAIN=kept; exec 7</etc/hostname 9<>" + tmp.resolve("fd9")
        + "; jbox shell -- sh -c 'readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/user; pwd; "
        + "echo \"tok=$FOO_TOKEN pw=$MY_PASSWORD plain=$PLAIN sb=$JBOX_SANDBOX c=$container\"; "
        + "ls /proc/self/fd | sort -n | tr \"\\n\" \" \"; echo; id -u; exit 7'";
    Jbox.Result r = bash(project.resolve("lib/deep"), script);
    assertTrue(r.err().contains("jbox-trace shell-fast") && !r.err().contains("java-main"), "the fast join: " + r);
    assertEquals(7, r.code(), r.toString());
    List<String> l = r.out().lines().toList();
    assertEquals(nss, l.subList(0, 4), "the project sandbox's pid, mnt, net and user namespaces: " + r);
    assertEquals(project.resolve("lib/deep").toString(), l.get(4), r.toString());
    assertEquals("tok= pw= plain=kept sb=app c=jbox", l.get(5), "secrets of the joining terminal dropped: " + r);
    assertEquals("0 1 2 3 ", l.get(6), "no descriptor of the caller's: " + r);
    assertEquals(Long.toString(Jbox.currentUid()), l.get(7));

    // the same through the JVM, for comparison (the JVM's join is what the fast one replaces)
    Jbox.Result j = bash(project.resolve("lib/deep"), script.replace("; jbox shell", "; JBOX_SHELL_NO_FAST=1 jbox shell"));
    assertTrue(j.err().contains("java-main") && !j.err().contains("shell-fast"), j.toString());
    assertEquals(r.code(), j.code());
    assertEquals(r.out(), j.out());

    // another directory is another project: the JVM plans that one's own sandbox
    Files.createDirectories(home.resolve("src/other"));
    Planned other = join(home.resolve("src/other"), Map.of(), shell("--", "true"), false, true);
    assertFalse(other.fast(), other.toString());
    assertTrue(other.plan() != null && printable(other.plan()).contains("shell-root"), "a new sandbox, not a join");
  }

  @Test
  void fastJoin_interactiveThroughARealPty_promptTerminalAndStatus() throws Exception {
    startProjectSandbox();
    Path driver = tmp.resolve("ptydriver.py");
    Files.writeString(driver, ShellPty.script(
        "    if step == 0 and b'(jbox:app)' in out:",
        "        os.write(fd, b'tty; readlink /proc/1/ns/pid; echo SUM$((40+2)); exit 5\\r'); step = 1"));
    Map<String, String> e = new HashMap<>(env());
    e.put("XDG_DATA_HOME", null);
    e.put("TERM", "dumb");
    e.put("JBOX_TRACE", "1");
    String out = ShellPty.run(List.of(driver.toString()), List.of("shell"), project, e);
    assertTrue(out.contains("jbox-trace shell-fast") && !out.contains("java-main"), "the fast join: " + out);
    assertTrue(out.contains("(jbox:app)"), "the prompt names the sandbox: " + out);
    assertTrue(out.contains("/dev/pts/"), "a terminal of the sandbox's: " + out);
    assertTrue(out.contains("SUM42"), out);
    assertTrue(out.contains("STATUS 5"), out);
  }

  @Test
  void theJvmDecides_optionsStaleLinkChangedTomlRenameAndNoFast_thenTheFastJoinAgain() throws Exception {
    // no sandbox yet: the JVM starts one
    Planned none = join(project, Map.of(), shell("--", "true"), false, false);
    assertTrue(!none.fast() && none.code() == 0, none.toString());
    startProjectSandbox();
    Planned fast = join(project, Map.of(), shell("--", "true"), false, false);
    assertTrue(fast.fast() && fast.code() == 0, fast.toString());
    for (List<String> a : List.of(shell("--root", "--", "true"), shell("--network", "none", "--", "true"), shell("--project="),
        shell("--project", project.resolve("no-such").toString()), shell("--project", "--", "true"), shell("--help"))) {
      Planned o = join(project, Map.of(), a, false, false);
      Planned j = join(project, Map.of(), a, true, false);
      assertFalse(o.fast(), a + ": " + o);
      assertEquals(j.code(), o.code(), a.toString());
      assertEquals(j.err(), o.err(), a.toString());
    }
    assertFalse(join(project, Map.of("JBOX_SHELL_NO_FAST", "1"), shell("--", "true"), false, false).fast());
    // a .jbox/shell.toml made while it runs: the JVM joins once with its env-deny list, then the launcher
    Files.createDirectories(project.resolve(".jbox"));
    Files.writeString(project.resolve(".jbox/shell.toml"), "env-deny = [\"PROJECT_*\"]\n");
    Map<String, String> env = Map.of("PROJECT_KEY", "k", "OTHER", "o");
    Planned changed = join(project, env, shell("--", "sh", "-c", "echo k=$PROJECT_KEY o=$OTHER"), false, false);
    assertFalse(changed.fast(), changed.toString());
    assertEquals("k= o=o\n", changed.out());
    Planned again = join(project, env, shell("--", "sh", "-c", "echo k=$PROJECT_KEY o=$OTHER"), false, false);
    assertTrue(again.fast(), again.toString());
    assertEquals("k= o=o\n", again.out());
    // renamed: the JVM once (the template's name is stale), then the launcher with the new name
    assertEquals(0, jbox(project, Map.of(), List.of("rename", "app", "web")).code());
    Planned renamed = join(project, Map.of(), shell("--", "sh", "-c", "echo $JBOX_SANDBOX"), false, false);
    assertTrue(!renamed.fast() && renamed.out().equals("web\n"), renamed.toString());
    Planned fastRenamed = join(project, Map.of(), shell("--", "sh", "-c", "echo $JBOX_SANDBOX"), false, false);
    assertTrue(fastRenamed.fast() && fastRenamed.out().equals("web\n"), fastRenamed.toString());
    // a config file with settings: the JVM (it might change the capabilities)
    Files.createDirectories(tmp.resolve("config/jbox"));
    Files.writeString(tmp.resolve("config/jbox/jbox.toml"), "[run]\n");
    assertFalse(join(project, Map.of(), shell("--", "true"), false, false).fast());
    // still the JVM's once a JVM recorded where the settings put the store (storage.key, which
    // ps and the other fast paths follow): a shell's join takes the settings themselves
    assertEquals(0, jbox(project, Map.of(), List.of("ps")).code());
    assertTrue(Files.isRegularFile(scratch.runtime().resolve("storage.key")), "ps's JVM recorded the settings' store");
    assertFalse(join(project, Map.of(), shell("--", "true"), false, false).fast());
    Files.delete(tmp.resolve("config/jbox/jbox.toml"));
    // the sandbox ended: the link is stale, the JVM starts a new one
    for (long pid : Lifetimes.withCmdline("sleep " + marker)) new ProcessBuilder("kill", Long.toString(pid)).start().waitFor();
    assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    first = null;
    Planned stale = join(project, Map.of(), shell("--", "sh", "-c", "exit 4"), false, false);
    assertTrue(!stale.fast() && stale.code() == 4, stale.toString());
  }
}
