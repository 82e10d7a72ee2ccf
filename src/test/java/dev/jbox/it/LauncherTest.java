package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `jbox` command is the C helper itself (helpers/main.c, jbox_command): an installed layout
 * (/usr/lib/jbox/{jbox-helper,jbox.jar,jbox.jsa} and a `jbox` symlink to the helper) is found
 * without any shell, and the AppCDS archive built by scripts/cds covers the whole Java side of
 * `run`, so no class of jbox is read from the jar on that path.
 */
class LauncherTest {
  @TempDir static Path tmp;
  static Path lib;
  static Path jbox;
  static Path rootfs;

  @BeforeAll
  static void installedLayout() throws Exception {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    lib = Files.createDirectories(tmp.resolve("usr/lib/jbox"));
    Files.copy(Jbox.source().resolve("helpers/build/jbox-helper"), lib.resolve("jbox-helper"));
    lib.resolve("jbox-helper").toFile().setExecutable(true);
    jar(lib.resolve("jbox.jar"));
    Path bin = Files.createDirectories(tmp.resolve("usr/bin"));
    jbox = Files.createSymbolicLink(bin.resolve("jbox"), Path.of("../lib/jbox/jbox-helper"));
  }

  /** jbox.jar from the compiled classes, its libraries named by the manifest's Class-Path. */
  static void jar(Path dest) throws IOException {
    Path classes = Jbox.source().resolve("target/classes");
    List<String> deps = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(":")) {
      if (e.endsWith(".jar")) deps.add(Path.of(e).toUri().toString());
    }
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", deps));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(dest), m);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
  }

  static Jbox.Result run(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(jbox.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    for (String k : List.of("JBOX_HELPER", "JBOX_CLASSPATH", "JBOX_HOME", "JBOX_TRACE", "JBOX_CONFIG", "JBOX_CDS", "JBOX_JAVA_OPTS")) {
      pb.environment().remove(k);
    }
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    p.getOutputStream().close();
    byte[][] o = new byte[2][];
    Thread t = new Thread(() -> o[1] = Jbox.readAll(p.getErrorStream()));
    t.start();
    o[0] = Jbox.readAll(p.getInputStream());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jbox did not finish");
    t.join(5000);
    return new Jbox.Result(p.exitValue(), new String(o[0], StandardCharsets.UTF_8), new String(o[1], StandardCharsets.UTF_8));
  }

  @Test
  void aSymlinkNamedJbox_findsTheJarBesideTheHelper_andRuns() throws Exception {
    Jbox.Result v = run(Map.of(), "--version");
    assertEquals(0, v.code(), v.toString());
    assertTrue(v.out().startsWith("jbox "), v.toString());
    Jbox.Result r = run(Map.of(), "run", "--rm", "--network=none", "--rootfs", rootfs.toString(), "sh", "-c", "echo in; exit 7");
    assertEquals(7, r.code(), r.toString());
    assertEquals("in\n", r.out(), r.toString());
  }

  @Test
  void aMissingJar_isOneLine_exit125() throws Exception {
    Jbox.Result r = run(Map.of("JBOX_CLASSPATH", tmp.resolve("nope.jar").toString()), "--version");
    assertEquals(125, r.code(), r.toString());
    assertTrue(r.err().startsWith("jbox: ") && r.err().lines().count() == 1, r.toString());
  }

  /** An empty or relative JBOX_CLASSPATH entry would have the JVM load classes from the working directory (often a project a sandboxed build writes). */
  @Test
  void aClasspathEntryThatIsNotAbsolute_isOneLine_exit125_beforeAnyJvm() throws Exception {
    String jar = lib.resolve("jbox.jar").toString();
    for (String cp : List.of("jbox.jar", ":" + jar, jar + ":", jar + "::" + jar, jar + ":classes", "./x.jar")) {
      Jbox.Result r = run(Map.of("JBOX_CLASSPATH", cp), "--version");
      assertEquals(125, r.code(), cp + ": " + r);
      assertTrue(r.err().startsWith("jbox: JBOX_CLASSPATH: every entry must be an absolute path") && r.err().lines().count() == 1, cp + ": " + r);
    }
    Jbox.Result ok = run(Map.of("JBOX_CLASSPATH", jar), "--version");
    assertEquals(0, ok.code(), ok.toString());
  }

  @Test
  void aMissingJava_isOneLine_exit125() throws Exception {
    Jbox.Result r = run(Map.of("JAVA_HOME", tmp.resolve("no-jdk").toString()), "--version");
    assertEquals(125, r.code(), r.toString());
    assertTrue(r.err().startsWith("jbox: ") && r.err().contains("JAVA_HOME") && r.err().lines().count() == 1, r.toString());
  }

  private static String cdsOutput;

  /** scripts/cds on the installed layout's jar, once; its output. */
  static synchronized String cds() throws Exception {
    if (cdsOutput != null) return cdsOutput;
    Process cds = new ProcessBuilder(Jbox.source().resolve("scripts/cds").toString(), lib.resolve("jbox.jar").toString())
        .redirectErrorStream(true).start();
    String out = new String(cds.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, cds.waitFor(), out);
    assertTrue(Files.size(lib.resolve("jbox.jsa")) > 0, "no archive: " + out);
    cdsOutput = out;
    return out;
  }

  @Test
  void theRunArchive_holdsEveryJboxClassOfTheShellPath() throws Exception {
    cds();
    Path home = Files.createDirectories(tmp.resolve("shell-home"));
    Files.createDirectories(home.resolve(".ssh"));
    Path project = Files.createDirectories(home.resolve("src/p"));
    Path xdg = Files.createDirectories(tmp.resolve("shell-xdg"), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    Map<String, String> env = Map.of("HOME", home.toString(), "XDG_RUNTIME_DIR", xdg.toString(),
        "XDG_DATA_HOME", home.resolve(".local/share").toString());
    Path log = tmp.resolve("shell-classes.log");
    Map<String, String> traced = new java.util.HashMap<>(env);
    traced.put("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    try {
      Jbox.Result r = run(traced, "shell", "--project", project.toString(), "--", "sh", "-c", "test -e ~/.ssh || echo absent");
      assertEquals(0, r.code(), r.toString());
      assertEquals("absent\n", r.out(), r.toString());
    } finally {
      run(env, "shell", "--project", project.toString(), "--reset"); // the layer's work dir belongs to a subordinate id
    }
    List<String> lines = Files.readAllLines(log);
    assertTrue(lines.stream().anyMatch(l -> l.contains("dev.jbox.cli.ShellCommand") && l.contains("shared objects file")),
        "the run archive is not used: " + lines.stream().filter(l -> l.contains("dev.jbox.")).toList());
    // (except JNA's: the deny layer's mknod; a Library interface and its proxy cannot be archived)
    assertEquals(List.of(), lines.stream().filter(l -> l.contains(" dev.jbox.") && !l.contains("shared objects file")
        && !l.contains("$$Lambda$") && !l.contains("dev.jbox.sys.FsCalls$C ") && !l.contains("__dynamic_proxy__")).toList(),
        "jbox classes read from the jar on the shell path (extend dev.jbox.cli.CdsTraining)");
  }

  @Test
  void theCdsArchive_holdsEveryJboxClassOfTheRunPath() throws Exception {
    String out = cds();
    Path log = tmp.resolve("classes.log");
    Jbox.Result r = run(Map.of("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + log),
        "run", "--rm", "--network=none", "-e", "A=1", "-v", tmp + ":/x:ro", "--rootfs", rootfs.toString(), "true");
    assertEquals(0, r.code(), r.toString());
    List<String> lines = Files.readAllLines(log);
    List<String> fromJar = lines.stream().filter(l -> l.contains(" dev.jbox.") && !l.contains("shared objects file")).toList();
    assertTrue(lines.stream().anyMatch(l -> l.contains("dev.jbox.cli.RunCommand") && l.contains("shared objects file")),
        "the archive is not used: " + lines.stream().filter(l -> l.contains("dev.jbox.")).toList());
    assertEquals(List.of(), fromJar, "jbox classes read from the jar on the run path (extend dev.jbox.cli.CdsTraining)");
    // nor a regex, lambda or stream: the first one costs the method-handle machinery (dev.jbox.Text)
    assertEquals(List.of(), lines.stream().filter(l -> l.contains(" java.util.regex.") || l.contains("$$Lambda")
        || l.contains(" java.util.stream.")).toList());
    // nor a FileChannel: the first one loads libnet (an IPv6 probe), IOUtil and a socketpair
    // (dev.jbox.SmallFiles reads and writes the run path's files through java.io)
    assertEquals(List.of(), lines.stream().filter(l -> l.contains(" sun.nio.ch.FileChannelImpl ")).toList(),
        "a FileChannel on the run path");

    // ps, images, inspect and logs skip picocli on their usual forms (FastArgs) and use the run
    // archive, trained on them: no picocli class, no jbox class from the jar; in a store and
    // runtime dir of their own (the account's are shared with other test runs), with a detached
    // sandbox that printed a line and ended
    Path run = Files.createDirectories(tmp.resolve("ro-run"));
    Files.setPosixFilePermissions(run, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Map<String, String> own = Map.of("JBOX_STORAGE", tmp.resolve("ro-store").toString(), "XDG_RUNTIME_DIR", run.toString());
    Jbox.Result d = run(own, "run", "-d", "--name", "ro", "--network=none", "--rootfs", rootfs.toString(), "echo", "hello");
    assertEquals(0, d.code(), d.toString());
    for (int i = 0; i < 1200 && !run(own, "ps", "-a", "--format", "{{.Status}}").out().startsWith("Exited"); i++) Thread.sleep(50);
    assertEquals(0, run(own, "volume", "create", "lv").code());
    for (List<String> line : List.of(List.of("ps"), List.of("ps", "-a"), List.of("ps", "-aq"), List.of("images"),
        List.of("images", "--format", "json"), List.of("inspect", "ro"), List.of("inspect", "--format", "{{.Name}}", "ro"),
        List.of("inspect", "lv"), List.of("inspect", "--type", "volume", "-f", "{{.Name}}", "lv"),
        List.of("logs", "ro"), List.of("logs", "--tail", "1", "ro"), List.of("logs", "-t", "ro"))) {
      Path roLog = tmp.resolve("ro-classes.log");
      Map<String, String> env = new java.util.HashMap<>(own);
      env.put("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + roLog);
      Jbox.Result ro = run(env, line.toArray(String[]::new));
      assertEquals(0, ro.code(), line + ": " + ro);
      if (line.equals(List.of("logs", "-t", "ro"))) {
        assertTrue(ro.out().matches("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z hello\n"), line + ": " + ro);
      } else if (line.get(0).equals("logs")) {
        assertEquals("hello\n", ro.out(), line + ": " + ro);
      }
      List<String> loaded = Files.readAllLines(roLog);
      assertTrue(loaded.stream().anyMatch(l -> l.contains("dev.jbox.cli.FastArgs ") && l.contains("shared objects file")),
          line + ": the run archive, trained on FastArgs, is not used: " + loaded.stream().filter(l -> l.contains("dev.jbox.")).toList());
      assertEquals(List.of(), loaded.stream().filter(l -> l.contains(" picocli.")).toList(), line + ": picocli loaded");
      // nor a lambda (but the JDK's own in inspect's date formatting): the first one starts the
      // JDK's method-handle machinery
      if (!line.get(0).equals("inspect")) {
        assertEquals(List.of(), loaded.stream().filter(l -> l.contains("$$Lambda") || l.contains("LambdaForm$MH/")).toList(),
            line + ": a lambda linked");
      }
      assertEquals(List.of(), loaded.stream().filter(l -> l.contains(" dev.jbox.") && !l.contains("shared objects file")).toList(),
          line + ": jbox classes read from the jar (extend dev.jbox.cli.CdsTraining)");
    }

    // the lifecycle commands FastArgs parses, with the cli archive trained on them: no picocli, no
    // regex, no jbox class from the jar, and no lambda but those of JNA's own start (stop and kill
    // load JNA for pidfds; the JDK's logging and proxies); top reads the sandbox's /etc/passwd
    // without JNA (issue 14); no java.time formatter (volume inspect's CreatedAt), Formatter (system
    // df's sizes) or security provider either
    Jbox.Result lc = run(own, "run", "-d", "--name", "lc", "--network=none", "--rootfs", rootfs.toString(), "sleep", "1000");
    try {
      assertEquals(0, lc.code(), lc.toString());
      // (rm of a created sandbox: recorded in the image store, its directory claimed through its lock)
      Jbox.Result cr = run(own, "create", "--name", "cr", "--network=none", "--rootfs", rootfs.toString(), "true");
      assertEquals(0, cr.code(), cr.toString());
      for (List<String> line : List.of(List.of("port", "ro"), List.of("wait", "ro"), List.of("rename", "ro", "ro2"),
          List.of("rename", "ro2", "ro"), List.of("top", "lc"), List.of("kill", "-s", "CONT", "lc"), List.of("stop", "-t", "0", "lc"),
          List.of("wait", "--condition", "exited", "lc"), List.of("rm", "lc"), List.of("rm", "cr"),
          // and the store-wide commands FastArgs parses (issue 14): no picocli, no lambda either
          List.of("volume", "ls"), List.of("volume", "ls", "-q"), List.of("system", "df"), List.of("volume", "inspect", "lv"), List.of("volume", "rm", "lv"),
          List.of("volume", "create", "lv2"), List.of("volume", "rm", "lv2"), List.of("version"), List.of("version", "-f", "json"),
          List.of("info"), List.of("info", "--format", "json"))) {
        Path lcLog = tmp.resolve("lc-classes.log");
        Map<String, String> env = new java.util.HashMap<>(own);
        Path cdsLog = tmp.resolve("lc-cds.log");
        env.put("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + lcLog + " -Xlog:cds=info:file=" + cdsLog);
        env.put("JBOX_KILL_NO_FAST", "1"); // kill's JVM path (the launcher signals a running sandbox itself)
        Jbox.Result r2 = run(env, line.toArray(String[]::new));
        assertEquals(0, r2.code(), line + ": " + r2);
        if (line.get(0).equals("top")) assertTrue(r2.out().matches("(?s)PID +HOSTPID +USER +COMMAND\n1 +[0-9]+ +root +sleep 1000\n"), line + ": " + r2);
        List<String> loaded = Files.readAllLines(lcLog);
        assertTrue(loaded.stream().anyMatch(l -> l.contains("dev.jbox.cli.FastArgs ") && l.contains("shared objects file")),
            line + ": the cmds archive, trained on FastArgs, is not used: " + loaded.stream().filter(l -> l.contains("dev.jbox.")).toList());
        // the small archive of these commands, not the cli archive (whose mapping cost them about 5 ms)
        assertTrue(Files.readString(cdsLog).contains("Opened archive " + lib.resolve("jbox-cmds.jsa")), line + ": " + Files.readString(cdsLog));
        assertEquals(List.of(), loaded.stream().filter(l -> l.contains(" picocli.") || l.contains(" java.util.regex.")).toList(),
            line + ": picocli or a regex loaded");
        boolean jna = List.of("kill", "stop").contains(line.get(0));
        assertEquals(List.of(), loaded.stream().filter(l -> !jna && l.contains(" com.sun.jna.") || l.contains(" java.time.format.")
            || l.contains(" java.util.Formatter ") || l.contains(" sun.security.provider.") || l.contains(" java.security.SecureRandom ")).toList(),
            line + ": JNA, a java.time formatter, a Formatter or a security provider loaded");
        assertEquals(List.of(), loaded.stream().filter(l -> l.contains("dev.jbox") && l.contains("$$Lambda")
            || !jna && (l.contains("$$Lambda") || l.contains("LambdaForm$MH/"))).toList(), line + ": a lambda linked");
        // (but FsCalls$C and Signals$LibC, JNA interfaces behind a dynamic proxy, which CDS does not archive)
        assertEquals(List.of(), loaded.stream().filter(l -> l.contains(" dev.jbox.") && !l.contains("shared objects file")
            && !l.contains("__dynamic_proxy__") && !l.contains("dev.jbox.sys.FsCalls$C ") && !l.contains("dev.jbox.sandboxes.Signals$LibC ")).toList(),
            line + ": jbox classes read from the jar (extend dev.jbox.cli.CdsTraining)");
      }
    } finally {
      // `rm lc` above ends it; a failure before that would leave its sleep 1000 running
      Lifetimes.removeLeftovers(run, args -> {
        try {
          return run(own, args.toArray(String[]::new));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, run.resolve("jbox"));
    }

    // every other command has an archive of its own, so that the run archive stays small, and the
    // commands that only read or change records one smaller than it
    assertTrue(Files.size(lib.resolve("jbox-cli.jsa")) > Files.size(lib.resolve("jbox.jsa")), out);
    assertTrue(Files.size(lib.resolve("jbox-cli.jsa")) > Files.size(lib.resolve("jbox-cmds.jsa")), out);
    Path cliLog = tmp.resolve("cli-classes.log");
    // an empty store of its own: a listed image loads classes the training's empty listing does not
    Jbox.Result images = run(Map.of("JBOX_JAVA_OPTS", "-Xlog:class+load=info:file=" + cliLog,
        "JBOX_STORAGE", tmp.resolve("empty-store").toString()), "system", "df");
    assertEquals(0, images.code(), images.toString());
    List<String> cli = Files.readAllLines(cliLog);
    assertTrue(cli.stream().anyMatch(l -> l.contains("dev.jbox.cli.SystemCommand") && l.contains("shared objects file")),
        "the cli archive is not used: " + cli.stream().filter(l -> l.contains("dev.jbox.")).toList());
    // (except what implements picocli's interfaces, the version provider and lambdas: picocli's
    // classes, compiled for Java 5, cannot be archived, nor can their implementations)
    assertEquals(List.of(), cli.stream().filter(l -> l.contains(" dev.jbox.") && !l.contains("shared objects file")
        && !l.contains("$$Lambda$") && !l.contains("dev.jbox.cli.Version ")).toList());
    run(own, "rm", "-f", "ro");
  }
}
