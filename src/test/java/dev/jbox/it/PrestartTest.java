package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prepared start of a project's new `jbox shell` sandbox, its first part (issue 12): the JVM
 * writes the KEY of every input of the policy it computed ($XDG_RUNTIME_DIR/jbox/projects/
 * ID.prestart/key, 0700/0600), and the launcher re-checks it, before the JVM starts, for a shell
 * of a project whose sandbox does not run (helpers/prestart.c; JBOX_DEBUG_PRESTART=1 prints its
 * answer). Each kind of input changed (a deny-listed path appearing and going, the project's
 * .jbox/shell.toml, an environment variable the policy reads, the user's jbox.toml, the project
 * moved, another jar or helper) must make the KEY stale, and the sandbox then started must have
 * the new policy; a KEY that is not the caller's own 0600 file in a 0700 directory, a symlink,
 * garbage or a truncated one is never taken as fresh.
 */
class PrestartTest {
  @TempDir Path tmp;
  Path home;
  Path project;

  @BeforeAll
  static void rootless() {
    Jbox.requireRootless();
  }

  @BeforeEach
  void scratch() throws Exception {
    home = tmp.resolve("home");
    project = home.resolve("src/app");
    Files.createDirectories(project.resolve(".git/hooks"));
    Files.writeString(home.resolve("notes.txt"), "private\n");
    Files.createDirectories(tmp.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  @AfterEach
  void end() throws Exception {
    reset(home);
  }

  /** The project's home layer under h removed (its work directory belongs to a subordinate id). */
  void reset(Path h) {
    if (!Files.exists(h.resolve(".local/share/jbox/shells"))) return;
    Jbox.Result r = jbox(project, Map.of("HOME", h.toString()), List.of("shell", "--reset"));
    assertEquals(0, r.code(), r.toString());
  }

  Map<String, String> env() {
    Map<String, String> e = new HashMap<>();
    e.put("HOME", home.toString());
    e.put("SHELL", "/bin/bash");
    e.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    e.put("XDG_RUNTIME_DIR", tmp.resolve("xdg").toString());
    e.put("XDG_CONFIG_HOME", tmp.resolve("config").toString());
    e.put("JBOX_STORAGE", tmp.resolve("storage").toString());
    e.put("JBOX_DEBUG_PRESTART", "1");
    e.put("JBOX_TRACE", "1");
    return e;
  }

  Jbox.Result jbox(Path cwd, Map<String, String> extra, List<String> args) {
    ProcessBuilder pb = Jbox.builder(args);
    pb.directory(cwd.toFile());
    for (String k : List.of("XDG_DATA_HOME", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE")) pb.environment().remove(k);
    pb.environment().putAll(env());
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getValue() == null) pb.environment().remove(e.getKey());
      else pb.environment().put(e.getKey(), e.getValue());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return Jbox.collect(pb, "jbox " + args, 60);
  }

  record Start(Jbox.Result r, String verdict) {
    String out() {
      return r.out();
    }
  }

  /** `jbox shell -- sh -c SCRIPT` in the project: its result and the launcher's verdict on the KEY. */
  Start shell(Map<String, String> extra, String script) {
    return shellIn(project, extra, script);
  }

  Start shellIn(Path cwd, Map<String, String> extra, String script) {
    return start(cwd, extra, List.of("shell", "--", "sh", "-c", script));
  }

  Start start(Path cwd, Map<String, String> extra, List<String> args) {
    Jbox.Result r = jbox(cwd, extra, args);
    assertEquals(0, r.code(), r.toString());
    String verdict = r.err().lines().filter(l -> l.startsWith("jbox: prestart: ")).findFirst().orElse("(none)");
    // the check is made before the JVM starts, and the JVM still starts the sandbox
    String err = r.err();
    if (!verdict.equals("(none)")) {
      int check = err.indexOf(verdict.contains("fresh") ? "jbox-trace prestart-fresh " : "jbox-trace prestart-stale ");
      int main = err.indexOf("jbox-trace java-main ");
      assertTrue(check >= 0 && main > check, "the KEY is checked before the JVM starts:\n" + r);
    }
    return new Start(r, verdict);
  }

  Path keyFile() throws Exception {
    try (var s = Files.list(tmp.resolve("xdg/jbox/projects"))) {
      Path d = s.filter(p -> p.getFileName().toString().endsWith(".prestart")).findFirst().orElseThrow();
      return d.resolve("key");
    }
  }

  /** Two starts through the JVM (the first makes the home layer: its KEY is stale at once), then a fresh KEY. */
  void prepared() {
    shell(Map.of(), "true");
    Start s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: none:"), s.verdict());
    assertFresh(Map.of());
  }

  void assertFresh(Map<String, String> extra) {
    Start s = shell(extra, "true");
    assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
  }

  @Test
  void theKeyHoldsUntilAnInputOfThePolicyChanges_andTheNewPolicyIsInForce() throws Exception {
    prepared();
    Path key = keyFile();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertTrue(Files.readString(key).startsWith("jbox-prestart 1\njar "), Files.readString(key));

    // a deny-listed secret appears: stale, and it is absent inside; then it goes again
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "secret\n");
    Start s = shell(Map.of(), "test -e ~/.ssh && echo visible || echo hidden");
    assertTrue(s.verdict().contains("stale: changed: " + home.resolve(".ssh")), s.verdict());
    assertEquals("hidden\n", s.out());
    assertFresh(Map.of());
    Files.delete(home.resolve(".ssh/id_ed25519"));
    Files.delete(home.resolve(".ssh"));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: " + home.resolve(".ssh")), s.verdict());
    assertFresh(Map.of());

    // the project's .jbox/shell.toml hides one more file
    assertEquals("private\n", shell(Map.of(), "cat ~/notes.txt").out());
    Files.createDirectories(project.resolve(".jbox"));
    Files.writeString(project.resolve(".jbox/shell.toml"), "hide = [\"~/notes.txt\"]\n");
    s = shell(Map.of(), "test -e ~/notes.txt && echo visible || echo hidden");
    assertTrue(s.verdict().contains("stale: changed: " + project.resolve(".jbox/shell.toml")), s.verdict());
    assertEquals("hidden\n", s.out());
    assertFresh(Map.of());
    // its bytes change (a narrowing key only: no --trust needed)
    Files.writeString(project.resolve(".jbox/shell.toml"), "hide = []\n");
    s = shell(Map.of(), "cat ~/notes.txt");
    assertTrue(s.verdict().contains("stale: changed: " + project.resolve(".jbox/shell.toml")), s.verdict());
    assertEquals("private\n", s.out());
    assertFresh(Map.of());

    // an environment variable the policy reads: HOME (another home is overlaid)
    Path home2 = tmp.resolve("home2");
    Files.createDirectories(home2);
    Files.writeString(home2.resolve("marker"), "two\n");
    Map<String, String> other = Map.of("HOME", home2.toString());
    s = shell(other, "cat ~/marker; echo $HOME");
    assertTrue(s.verdict().contains("stale: changed: HOME"), s.verdict());
    assertEquals("two\n" + home2 + "\n", s.out());
    reset(home2);
    // and back: the KEY now is the other home's
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale:"), s.verdict());
    assertFresh(Map.of());

    // the user's jbox.toml appears (comments only: the store stays) and changes
    Files.createDirectories(tmp.resolve("config/jbox"));
    Files.writeString(tmp.resolve("config/jbox/jbox.toml"), "# mine\n");
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: " + tmp.resolve("config/jbox/jbox.toml")), s.verdict());
    assertFresh(Map.of());
    Files.writeString(tmp.resolve("config/jbox/jbox.toml"), "# mine, changed\n");
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: " + tmp.resolve("config/jbox/jbox.toml")), s.verdict());
    assertFresh(Map.of());

    // another helper (a jbox upgrade): its stamp
    Path helper = Jbox.source().resolve("helpers/build/jbox-helper");
    Files.setLastModifiedTime(helper, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: another helper:"), s.verdict());
    assertFresh(Map.of());

    // the project moved: another project (no KEY), whose writable directory is the new one
    reset(home);
    Path moved = home.resolve("src/app2");
    Files.move(project, moved);
    project = moved;
    s = shell(Map.of(), "touch here && pwd");
    assertTrue(s.verdict().contains("stale: none:"), s.verdict());
    assertEquals(moved + "\n", s.out());
    assertTrue(Files.exists(moved.resolve("here")));

    // --network=none (an option the launcher knows): the KEY's options are the call's
    s = start(project, Map.of(), List.of("shell", "--network=none", "--", "true"));
    assertTrue(s.verdict().contains("stale: changed: options"), s.verdict());
    s = start(project, Map.of(), List.of("shell", "--network", "none", "--", "true"));
    assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: options"), s.verdict());

    // JBOX_SHELL_NO_FAST: no check at all
    s = shell(Map.of("JBOX_SHELL_NO_FAST", "1"), "true");
    assertEquals("(none)", s.verdict());
  }

  @Test
  void aKeyThatIsNotTheCallersOwnPrivateFile_orNotAKey_isNeverFresh() throws Exception {
    prepared();
    Path key = keyFile();
    String good = Files.readString(key);
    // group- or world-readable
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    Start s = shell(Map.of(), "test -e ~/notes.txt && echo ok");
    assertTrue(s.verdict().contains("stale: not the caller's own 0600 file"), s.verdict());
    assertEquals("ok\n", s.out());
    assertFresh(Map.of()); // the JVM wrote it again, 0600
    // the directory open to others
    Files.setPosixFilePermissions(key.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: not the caller's own 0700 directory"), s.verdict());
    assertFresh(Map.of());
    // a symlink to a good copy
    Path copy = tmp.resolve("key-copy");
    Files.writeString(copy, good);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    Files.delete(key);
    Files.createSymbolicLink(key, copy);
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: not the caller's own 0600 file"), s.verdict());
    assertFalse(Files.isSymbolicLink(key), "the JVM replaced the link with a file");
    assertFresh(Map.of());
    // garbage, and a truncated KEY (0600, the caller's own)
    for (String bad : List.of("garbage\n", good.substring(0, good.length() - 7), good + "unknown kind\n",
        good.replace("\nstat ", "\nstat relative/"))) {
      Files.writeString(key, bad);
      s = shell(Map.of(), "true");
      assertTrue(s.verdict().contains("stale: not a KEY this helper checks"), bad + "\n" + s.verdict());
      assertFresh(Map.of());
    }
    // a line whose answer was edited (the parse holds, the check does not)
    Files.writeString(key, good.replace("env HOME=" + home + "\n", "env HOME=/elsewhere\n"));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: HOME"), s.verdict());
  }
}
