package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** A syscall line of strace -f -y: PID, name, arguments. */
  private static final Pattern CALL = Pattern.compile("^(\\d+) +(?:<\\.\\.\\. )?([a-z0-9_]+)(?:\\(| resumed>)(.*)$");
  /** An argument that is a path, with the directory descriptor before it when there is one. */
  private static final Pattern PATH_ARG = Pattern.compile("(?:(?:AT_FDCWD|\\d+)<([^>]*)>, )?\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern RETURNED = Pattern.compile("= (\\d+)$");

  /**
   * The paths processes of the JVM (the process that executed java, and every thread or process
   * it cloned) named in a file system call, that neither the KEY nor the allow-list covers.
   */
  Set<String> uncovered(List<String> trace, List<String> key, Path cwd) {
    // first the processes: a thread's first calls can come before its clone's return in the trace
    Set<Long> jvm = new HashSet<>();
    Map<Long, List<Long>> children = new LinkedHashMap<>();
    for (String line : trace) {
      Matcher m = CALL.matcher(line);
      if (!m.matches()) continue;
      long pid = Long.parseLong(m.group(1));
      String call = m.group(2);
      String args = m.group(3);
      if (call.equals("execve") && args.startsWith("\"") && args.substring(1, args.indexOf('"', 1)).endsWith("/java")) jvm.add(pid);
      if (call.startsWith("clone") || call.equals("fork") || call.equals("vfork")) {
        Matcher ret = RETURNED.matcher(line);
        if (ret.find()) children.computeIfAbsent(pid, k -> new ArrayList<>()).add(Long.parseLong(ret.group(1)));
      }
    }
    for (List<Long> todo = new ArrayList<>(jvm); !todo.isEmpty(); ) {
      for (long c : children.getOrDefault(todo.remove(todo.size() - 1), List.of())) if (jvm.add(c)) todo.add(c);
    }
    Map<String, String> seen = new LinkedHashMap<>();
    for (String line : trace) {
      Matcher m = CALL.matcher(line);
      if (!m.matches()) continue;
      long pid = Long.parseLong(m.group(1));
      String call = m.group(2);
      String args = m.group(3);
      if (!jvm.contains(pid) || call.startsWith("exec")) continue; // execve: the JVM's own executable, found on PATH
      // a call another thread interrupted: strace printed its input paths on the `<unfinished ...>`
      // line; what the resumed line shows are its answers (readlink's target, a relative id)
      if (line.contains(" resumed>")) continue;
      List<String> paths = new ArrayList<>();
      Matcher a = PATH_ARG.matcher(args);
      while (a.find()) {
        String p = a.group(2);
        if (a.group(1) != null && !p.startsWith("/") && !p.isEmpty()) p = a.group(1) + "/" + p;
        else if (a.group(1) == null && !p.startsWith("/") && !p.isEmpty()) p = cwd + "/" + p;
        paths.add(p);
      }
      if (paths.isEmpty()) continue;
      List<String> named = switch (call) {
        case "rename", "renameat", "renameat2", "link", "linkat" -> paths.subList(0, Math.min(2, paths.size()));
        case "symlink", "symlinkat" -> paths.subList(paths.size() - 1, paths.size()); // the link, not its text
        default -> paths.subList(0, 1); // readlink's second string is its answer
      };
      for (String p : named) if (p.startsWith("/")) seen.putIfAbsent(Path.of(p).normalize().toString(), call);
    }
    assertTrue(!jvm.isEmpty(), "no java in the trace: " + String.join("\n", trace.stream().filter(l -> l.contains("exec")).toList()));
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, String> e : seen.entrySet()) {
      if (!covered(e.getKey(), e.getValue(), key, jvm)) out.add(e.getKey());
    }
    return out;
  }

  boolean covered(String p, String call, List<String> key, Set<Long> jvm) {
    Path path = Path.of(p);
    for (String l : key) {
      String[] f = l.split(" ");
      if (f.length < 2) continue;
      switch (f[0]) {
        case "stat", "lstat", "read", "access-x" -> {
          if (f[1].equals(p)) return true;
        }
        case "real" -> {
          // realpath(3) looks at every component of the path and of its answer
          if (Path.of(f[1]).startsWith(path) || (f.length > 2 && Path.of(f[2]).startsWith(path))) return true;
        }
        case "value" -> {
          // a derived value names its sources (a directory: what is below it too)
          for (int i = 2; i + 1 < f.length; i++) if (f[i].equals("from") && path.startsWith(f[i + 1])) return true;
        }
        default -> { }
      }
    }
    if (call.equals("readlink")) {
      // realpath(3) on the way to a path the KEY names or the allow-list holds
      for (String l : key) {
        String[] f = l.split(" ");
        if (f.length >= 2 && f[1].startsWith("/") && Path.of(f[1]).startsWith(path)) return true;
      }
      for (Path anchor : List.of(Jbox.source(), Path.of("/usr/lib/jvm"), Path.of("/usr/lib/x86_64-linux-gnu"), tmp)) {
        if (anchor.startsWith(path)) return true;
      }
      for (String c : System.getProperty("java.class.path").split(File.pathSeparator)) if (!c.isEmpty() && Path.of(c).startsWith(path)) return true;
    }
    return allowed(path, call, jvm);
  }

  /** What is not an input of the policy: the JVM's, the C library's and jbox's own files, and what jbox writes. */
  boolean allowed(Path p, String call, Set<Long> jvm) {
    String s = p.toString();
    if (s.equals("/")) return true;
    // the C library and the JVM: shared libraries, locale, time zone, the JDK and its configuration
    for (String d : List.of("/etc/ld.so.cache", "/etc/ld.so.preload", "/lib/", "/lib64/", "/usr/lib/x86_64-linux-gnu/", "/usr/lib/locale/",
        "/usr/share/locale/", "/etc/locale.alias", "/etc/localtime", "/usr/share/zoneinfo/", "/usr/lib/jvm/", "/etc/java-", "/tmp/.java_pid",
        "/tmp/hsperfdata_", "/dev/", "/sys/fs/cgroup", "/sys/kernel/mm/", "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible",
        "/sys/devices/system/cpu/cpu0/microcode/", "/proc/self/", "/proc/thread-self/", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
        "/proc/cgroups", "/proc/net/if_inet6")) {
      if (s.equals(d) || s.startsWith(d) || (d.endsWith("/") && s.equals(d.substring(0, d.length() - 1)))) return true;
    }
    if (p.startsWith("/proc") && p.getNameCount() >= 2) {
      try {
        if (jvm.contains(Long.parseLong(p.getName(1).toString()))) return true; // /proc/PID of the JVM itself
      } catch (NumberFormatException e) {
        // not a pid
      }
    }
    // HotSpot's settings files in the working directory, which a product JVM does not read
    if (p.getFileName() != null && (p.getFileName().toString().equals(".hotspotrc") || p.getFileName().toString().equals(".hotspot_compiler"))) return true;
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
