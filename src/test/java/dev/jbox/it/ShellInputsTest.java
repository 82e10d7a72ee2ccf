package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safety net of a prepared `jbox shell` start (issue 12): every path the JVM looks at while it
 * computes a new project sandbox's policy must be named by the KEY it records
 * (dev.jbox.PolicyInputs), or a start prepared from that KEY could run with a policy the JVM
 * would not compute now. The JVM's new-sandbox path runs under {@code strace -f} (JBOX_DEBUG_PLAN_FILE:
 * the plan is written, not run) for a project with a trusted .jbox/shell.toml that widens and
 * narrows the policy, a home with secrets on the deny list, a write-through cache and a jbox.toml
 * layer; every path a process of the JVM named in a file system call must be in the KEY or on a
 * short allow-list (the JVM's and the C library's own files, jbox's classes, the store's and the
 * project's data that jbox itself writes, /proc of the JVM itself, /dev). An input added later
 * without going through the recorder fails here.
 */
class ShellInputsTest {
  @TempDir Path tmp;

  @BeforeAll
  static void rootless() {
    Jbox.requireRootless();
  }

  Path home;
  Path project;
  /** Where jbox is started. */
  Path where;

  @AfterEach
  void reset() throws Exception {
    // the home layer's work directory belongs to a subordinate id: --reset removes it (from a
    // runtime directory of its own, where no sandbox of the project is linked)
    if (home != null && Files.exists(home.resolve(".local/share/jbox/shells"))) {
      Files.createDirectories(tmp.resolve("xdg-reset"), PRIVATE);
      where = project;
      Jbox.Result r = jbox(List.of(), "xdg-reset", List.of("shell", "--reset"), false);
      assertEquals(0, r.code(), r.toString());
    }
  }

  Map<String, String> env(String runtime) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("HOME", home.toString());
    e.put("SHELL", "/bin/bash");
    e.put("XDG_RUNTIME_DIR", tmp.resolve(runtime).toString());
    e.put("XDG_CONFIG_HOME", tmp.resolve("config").toString());
    e.put("JBOX_STORAGE", tmp.resolve("storage-" + runtime).toString());
    e.put("JBOX_DEBUG_PLAN_FILE", tmp.resolve("plan").toString());
    e.put("JBOX_PRESTART", "check");
    return e;
  }

  static final java.nio.file.attribute.FileAttribute<?> PRIVATE = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
      java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

  /** jbox ARGS in the project, behind {@code prefix} (strace); {@code planOnly}: the plan is written, not run. */
  Jbox.Result jbox(List<String> prefix, String runtime, List<String> args, boolean planOnly) throws Exception {
    ProcessBuilder pb = Jbox.builder(args);
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(pb.command());
    pb.command(cmd);
    pb.directory(where.toFile());
    // (Jbox.builder passes the classpath absolute: an empty or relative entry would look in the project)
    for (String k : List.of("XDG_DATA_HOME", "XDG_RUNTIME_DIR", "JBOX_STORAGE")) pb.environment().remove(k);
    pb.environment().putAll(env(runtime));
    if (!planOnly) pb.environment().remove("JBOX_DEBUG_PLAN_FILE");
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    return Jbox.collect(pb, "jbox " + args, 120);
  }

  @Test
  void everyPathTheJvmLooksAtForANewShellSandbox_isInTheRecordedKey() throws Exception {
    home = tmp.resolve("home");
    project = home.resolve("src/app");
    Files.createDirectories(project.resolve(".git/hooks"));
    Files.writeString(project.resolve(".git/config"), "[core]\n");
    Files.createDirectories(project.resolve(".jbox"));
    Files.createDirectories(project.resolve("sub"));
    Files.createDirectories(home.resolve(".aws"));
    Files.writeString(home.resolve(".aws/credentials"), "[default]\n");
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "secret\n");
    Files.writeString(home.resolve(".ssh/known_hosts"), "host\n");
    Files.createDirectories(home.resolve(".config/gh"));
    Files.createDirectories(home.resolve(".m2"));
    Files.createDirectories(home.resolve(".cache/own"));
    Files.writeString(home.resolve("notes.txt"), "private\n");
    // widening (ro, write-through: trusted below) and narrowing keys
    Files.writeString(project.resolve(".jbox/shell.toml"),
        "ro = [\"~/.ssh/known_hosts\"]\nwrite-through = [\"~/.cache/own\"]\nhide = [\"~/notes.txt\"]\nenv-deny = [\"MY_*\"]\n");
    Files.createDirectories(tmp.resolve("config/jbox"));
    Files.writeString(tmp.resolve("config/jbox/jbox.toml"), "# only a comment\n");
    Files.createDirectories(tmp.resolve("xdg"), PRIVATE);
    where = project;
    // the user's word for the toml, and a first sandbox of the project that runs and ends: the
    // traced start removes it as the project's ended sandbox
    Jbox.Result first = jbox(List.of(), "xdg", List.of("shell", "--trust", "--", "true"), false);
    assertEquals(0, first.code(), first.toString());

    Path trace = tmp.resolve("strace.txt");
    Path key = tmp.resolve("key.txt");
    List<String> strace = List.of("strace", "-f", "-y", "-qq", "-s", "4096", "-e", "trace=%file,readlink,%process", "-o", trace.toString(),
        "env", "JBOX_DEBUG_KEY_FILE=" + key);
    where = project.resolve("sub"); // below the project's top level: the walk up to .git
    Jbox.Result r = jbox(strace, "xdg", List.of("shell", "--", "true"), true);
    assertEquals(0, r.code(), r.toString());
    assertTrue(Files.exists(tmp.resolve("plan")), "the plan was written: " + r);
    List<String> keyLines = Files.readAllLines(key);
    String keyText = String.join("\n", keyLines);
    // the inputs this project has are in it, as observed
    for (String want : List.of("read " + project.resolve(".jbox/shell.toml") + " sha256 ", "lstat " + home.resolve(".aws") + " mode=40",
        "lstat " + home.resolve(".ssh/known_hosts") + " mode=100", "read " + home.resolve(".local/share/jbox/shells"),
        "stat " + home.resolve(".cache/own") + " mode=40", "stat " + home.resolve(".gradle") + " absent",
        "stat " + project.resolve(".git") + " mode=40", "stat " + project.resolve("sub/.git") + " absent",
        "stat /etc/jbox/jbox.toml ", "read " + tmp.resolve("config/jbox/jbox.toml") + " sha256 ", "read /etc/subuid sha256 ",
        "env HOME=" + home, "env XDG_RUNTIME_DIR=" + tmp.resolve("xdg"), "value user.name=", "value options={}",
        "value store=" + tmp.resolve("xdg/jbox"))) {
      assertTrue(keyText.contains(want), "the KEY has `" + want + "`:\n" + keyText);
    }
    List<String> trace1 = Files.readAllLines(trace);
    Set<String> missing = uncovered(trace1, keyLines, where);
    assertTrue(missing.isEmpty(), "paths the JVM looked at that the KEY does not name:\n" + String.join("\n", missing)
        + "\n\nKEY:\n" + keyText);
    // the prepared start's KEY (ShellSandboxes.writePrestart, what helpers/prestart.c re-checks) is
    // this very KEY after its stamp: the paths this run looked at are all it needs to re-check
    Path prepared;
    try (var ls = Files.list(tmp.resolve("xdg/jbox/projects"))) {
      prepared = ls.filter(f -> f.getFileName().toString().endsWith(".prestart")).findFirst().orElseThrow().resolve("key");
    }
    List<String> preparedLines = Files.readAllLines(prepared);
    assertEquals("jbox-prestart 1", preparedLines.get(0));
    assertTrue(preparedLines.get(1).startsWith("jar ") && preparedLines.get(2).startsWith("helper "), preparedLines.toString());
    assertEquals(keyLines, preparedLines.subList(3, preparedLines.size()));
    // the net catches an input left out: without the lines of ~/.aws and the toml, both are named
    List<String> partial = new ArrayList<>();
    for (String l : keyLines) if (!l.contains(home.resolve(".aws").toString()) && !l.contains("shell.toml")) partial.add(l);
    Set<String> caught = uncovered(trace1, partial, where);
    assertTrue(caught.contains(home.resolve(".aws").toString()) && caught.contains(project.resolve(".jbox/shell.toml").toString()),
        caught.toString());

    // the KEY names no sandbox of its own (id, name, the store's state): the same start, again in
    // an empty runtime directory of the same path, records the same KEY
    Files.move(tmp.resolve("xdg"), tmp.resolve("xdg-used"));
    Files.createDirectories(tmp.resolve("xdg"), PRIVATE);
    Jbox.Result again = jbox(List.of("env", "JBOX_DEBUG_KEY_FILE=" + key), "xdg", List.of("shell", "--", "true"), true);
    assertEquals(0, again.code(), again.toString());
    assertEquals(keyText, String.join("\n", Files.readAllLines(key)));

    // the other plain form: --project DIR (relative), started outside the project
    Files.move(tmp.resolve("xdg"), tmp.resolve("xdg-used-2"));
    Files.createDirectories(tmp.resolve("xdg"), PRIVATE);
    where = home;
    Jbox.Result p = jbox(strace, "xdg", List.of("shell", "--project", "src/app", "--", "true"), true);
    assertEquals(0, p.code(), p.toString());
    List<String> projectKey = Files.readAllLines(key);
    assertTrue(projectKey.contains("value options={project=[src/app]}"), String.join("\n", projectKey));
    assertTrue(projectKey.contains("real " + project + " " + project), String.join("\n", projectKey));
    missing = uncovered(Files.readAllLines(trace), projectKey, where);
    assertTrue(missing.isEmpty(), "paths the JVM looked at for --project that the KEY does not name:\n" + String.join("\n", missing)
        + "\n\nKEY:\n" + String.join("\n", projectKey));
  }

  /**
   * The paths processes of the JVM named in a file system call that neither the KEY nor the
   * allow-list covers (TracedPaths).
   */
  Set<String> uncovered(List<String> trace, List<String> key, Path cwd) {
    List<Path> anchors = new ArrayList<>(List.of(Jbox.source(), Path.of("/usr/lib/jvm"), Path.of("/usr/lib/x86_64-linux-gnu"), tmp));
    return TracedPaths.uncovered(trace, key, cwd, anchors, this::allowed);
  }

  /** What is not an input of the policy: the JVM's, the C library's and jbox's own files, and what jbox writes. */
  boolean allowed(Path p, String call, Set<Long> jvm) {
    if (TracedPaths.systemFile(p, jvm)) return true;
    // jbox's classes and the helper: the source tree and the test's classpath (jars under the account's ~/.m2)
    if (p.startsWith(Jbox.source())) return true;
    for (String c : System.getProperty("java.class.path").split(File.pathSeparator)) if (!c.isEmpty() && p.startsWith(c)) return true;
    Path realHome = Path.of(System.getProperty("user.home"));
    if (p.startsWith(realHome.resolve(".cache/JNA")) || p.startsWith(realHome.resolve(".m2"))) return true;
    // what jbox writes and reads back itself: the store, the runtime dir's records and deny layers,
    // JNA's extracted library, the project's home layer (not its trusted-config: an input), the test's own files
    for (Path own : List.of(tmp.resolve("xdg/jbox"), tmp.resolve("storage-xdg"), home.resolve(".cache/jbox/jna"), tmp.resolve("plan"),
        tmp.resolve("key.txt"))) {
      if (p.startsWith(own) || (own.startsWith(p) && !p.equals(Path.of("/")) && p.startsWith(tmp))) return true;
    }
    Path shells = home.resolve(".local/share/jbox/shells");
    if (p.startsWith(shells) && !p.getFileName().toString().equals("trusted-config")) return true;
    if (shells.startsWith(p) && p.startsWith(home) && !p.equals(home)) return true; // its parents, made when missing
    return false;
  }
}
