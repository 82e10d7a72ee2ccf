package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.cli.LogsArgs;
import dev.jbox.it.FastPath.Answer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox version`, `jbox logs` and `jbox wait` without a JVM (helpers/read_fast.c), against the JVM
 * (JBOX_VERSION_NO_FAST, JBOX_LOGS_NO_FAST, JBOX_WAIT_NO_FAST) on one store, as the test account:
 * real detached sandboxes (exited with output on both streams and an unfinished line, running,
 * killed while waited for) and records, state and log files written as jbox writes them where
 * real ones cannot be made here (a rotated log whose line goes on in the new file, an older
 * jbox's lines, a time the monitor does not write, a log that is a directory, a foreground
 * sandbox whose lock the test holds, a shell's record, a stale "running" record, a state file cut
 * short, names of every character a name may have). Every form the launcher takes must start no
 * JVM and give the JVM's stdout, stderr and exit code; every other form and state must reach the
 * JVM. JBOX_TRACE's phases tell which answered.
 */
class ReadFastPathTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  /** The fast path of the command args name (a wait may be handed to the JVM: fast and jvm both). */
  static FastPath path(List<String> args) {
    return FastPath.of(args.get(0)).stamped().handingOver();
  }

  static Answer jbox(Map<String, String> env, List<String> args, boolean forceJvm) {
    return path(args).answer(env, args, forceJvm);
  }

  /** The launcher's answer and the JVM's: equal bytes and codes. */
  static Answer same(Map<String, String> env, List<String> args) {
    return path(args).same(env, args);
  }

  static List<String> w(String... words) {
    return List.of(words);
  }

  static final String T = "2026-12-03T17:20:00.123456789Z";

  @Test
  void logsAndWait_everyStateTheLaunchersAnswerIsTheJvms() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path root = d.xdg.resolve("jbox");
      Path containers = Path.of(env.get("JBOX_STORAGE")).resolve("containers");
      PsRecords rec = new PsRecords(root, containers);
      FileChannel fgLock = null;
      try {
        // real sandboxes: one that wrote both streams and an unfinished line, then exited 3; one running
        String ended = d.start(List.of("--name", "lg.ended_1-x", "--network=none"),
            "echo out1; echo err1 >&2; echo out2; printf 'no newline'; printf 'err part' >&2; exit 3");
        String running = d.start(List.of("--name", "lgrunning", "--network=none"), "echo hello; exec sleep 1000");
        assertTrue(Detached.eventually(() -> d.jbox("ps", "-a", "--format", "{{.Names}} {{.Status}}").out().contains("lg.ended_1-x Exited (3)")
            && Files.exists(root.resolve(running).resolve("log"))), d.jbox("ps", "-a").toString());
        assertTrue(Detached.eventually(() -> d.jbox("logs", "lgrunning").out().equals("hello\n")));

        // hand-written: a rotated log whose stdout line goes on in the new file, an older jbox's lines
        String rotated = PsRecords.id(0xd1);
        rec.record(rotated, false, "lgrotated", "local/x", List.of("sh"), List.of(), false, Map.of());
        rec.state(rotated, "exited", 1, 1, 1, 1, 0, true);
        Files.writeString(root.resolve(rotated).resolve("log.1"), "an old line\n" + T + " stdout F first\n" + T + " stdout P car");
        Files.writeString(root.resolve(rotated).resolve("log"), "ried on\n" + T.replace(":00.", ":05.") + " stderr F e\n"
            + T.replace(":00.", ":06.") + " stdout F \u00e9t\u00e9 \u2603\n" + T.replace(":00.", ":07.") + " stdout F last\n");
        String noLog = PsRecords.id(0xd2); // exited before writing anything
        rec.record(noLog, false, "lgempty", null, List.of("true"), List.of(), false, Map.of());
        rec.state(noLog, "exited", 1, 1, 1, 1, 0, true);
        String oddTime = PsRecords.id(0xd3); // a time with an offset: java.time's parser judges it
        rec.record(oddTime, false, "lgoddtime", null, List.of("true"), List.of(), false, Map.of());
        rec.state(oddTime, "exited", 1, 1, 1, 1, 0, true);
        Files.writeString(root.resolve(oddTime).resolve("log"), "2026-12-03T17:20:00+01:00 stdout F x\n");
        String dirLog = PsRecords.id(0xd4); // a directory where the log is: the JVM's error
        rec.record(dirLog, false, "lgdirlog", null, List.of("true"), List.of(), false, Map.of());
        rec.state(dirLog, "exited", 1, 1, 1, 1, 0, true);
        Files.createDirectories(root.resolve(dirLog).resolve("log"));
        String shell = PsRecords.id(0xd5); // a jbox shell's: its output is not kept (the JVM's error)
        rec.record(shell, false, "lgshell", null, List.of("bash"), List.of(), false, Map.of("kind", "shell"));
        rec.state(shell, "exited", 1, 1, 1, 1, 0, true);
        String stale = PsRecords.id(0xd6); // its monitor was SIGKILLed: running, with a pid long gone
        rec.record(stale, false, "lgstale", null, List.of("true"), List.of(), false, Map.of());
        rec.state(stale, "running", 999_999_999L, 1, 999_999_999L, 1, null, false);
        String broken = PsRecords.id(0xd7); // a state file cut short: the JVM's error
        rec.record(broken, false, "lgbroken", null, List.of("true"), List.of(), false, Map.of());
        Files.writeString(root.resolve(broken).resolve("state"), "{\"status\":\"exi");
        String longName = PsRecords.id(0xd9); // a name longer than jbox gives (a record made by hand)
        rec.record(longName, false, "l".repeat(200), null, List.of("true"), List.of(), false, Map.of());
        rec.state(longName, "exited", 1, 1, 1, 1, 0, true);
        Files.writeString(root.resolve(longName).resolve("log"), T + " stdout F x\n");
        // a foreground image sandbox, running while the test holds its lock
        String fg = PsRecords.id(0xd8);
        rec.record(fg, true, "lgforeground", "local/fg:1", List.of("sleep"), List.of(), false, Map.of());
        long[] live = rec.sleeper();
        Path fgState = containers.resolve(fg).resolve("state");
        Files.writeString(fgState, "{\"status\":\"running\",\"pid\":" + live[0] + ",\"pidStart\":" + live[1]
            + ",\"monitorPid\":1,\"monitorStart\":1,\"started\":1,\"exitCode\":null,\"finished\":null,\"restartCount\":0}\n");
        fgLock = FileChannel.open(fgState, StandardOpenOption.WRITE);
        fgLock.lock();

        // logs: every form the launcher takes, no JVM, the JVM's bytes
        for (List<String> a : List.of(w("logs", "lg.ended_1-x"), w("logs", "-t", "lg.ended_1-x"), w("logs", "--tail", "2", ended),
            w("logs", "-n", "--tail=1", "lg.ended_1-x"), w("logs", "lgrotated"), w("logs", "-tn", "lgrotated"),
            w("logs", "--timestamps", "--tail", "0", "lgrotated"), w("logs", "lgrotated", "lg.ended_1-x"), w("logs", "-t", "lgrunning"),
            w("logs", "-f", "lgrotated"), w("logs", "--follow", "-t", "lg.ended_1-x"), w("logs", "lgempty"), w("logs", ended.substring(0, 5)),
            w("logs", "--tail", "-1", "-n", "lgrotated", "lgempty", "lgrunning"))) {
          Answer o = same(env, a);
          assertTrue(o.alone() && o.code() == 0, "no JVM for " + a + ": " + o);
        }
        // (so the comparisons compared something)
        assertEquals("out1\nout2\nno newline", same(env, w("logs", "lg.ended_1-x")).out());
        assertEquals("err1\nerr part", same(env, w("logs", "lg.ended_1-x")).err());
        Answer rot = same(env, w("logs", "-t", "lgrotated"));
        // (the stdout line cut at the rotation goes on in the next stdout record, with the first part's time)
        assertEquals("an old line\n" + T + " first\n" + T + " carried on\u00e9t\u00e9 \u2603\n" + T.replace(":00.", ":07.") + " last\n",
            rot.out());
        assertTrue(rot.err().startsWith("jbox: warning: the log of sandbox lgrotated was written by an older jbox"), rot.err());
        assertTrue(rot.err().endsWith(T.replace(":00.", ":05.") + " e\n"), rot.err());

        // the JVM's: a running sandbox followed, --since/--until, unknown or ambiguous names, the
        // states above, help, odd forms
        for (List<String> a : List.of(w("logs", "--since", "1h", "lgrotated"), w("logs", "--until=2030-01-01", "lgrotated"),
            w("logs", "nosuch"), w("logs", "lgrotated", "nosuch"), w("logs", "d"), w("logs", "lgoddtime"), w("logs", "lgdirlog"),
            w("logs", "lgshell"), w("logs", "lgforeground"), w("logs", "lgbroken", "-f"), w("logs", "-f", "lgrotated", "lgempty"),
            w("logs", "--tail", "-5", "lgrotated"), w("logs", "-t", "-t", "lgrotated"), w("logs"), w("logs", "--", "lgrotated"),
            w("logs", "@lgrotated"), w("logs", "-x", "lgrotated"), w("logs", "-n", "d9d9"), w("logs", "d9d9"))) {
          Answer o = same(env, a);
          assertFalse(o.fast(), "the JVM decides " + a + ": " + o);
        }
        // following a running sandbox: the JVM's (here without a jar: the launcher's 125 at once)
        Map<String, String> noJar = new HashMap<>(env);
        noJar.put("JBOX_CLASSPATH", tmp.resolve("no.jar").toString());
        Answer following = jbox(noJar, w("logs", "-f", "lgrunning", "--tail", "1"), false);
        assertTrue(!following.fast() && following.code() == 125, following.toString());
        for (String var : List.of("JBOX_JAVA_OPTS", "JAVA_TOOL_OPTIONS")) {
          Map<String, String> e = new HashMap<>(env);
          e.put(var, "-Dx=y");
          Answer o = jbox(e, w("logs", "lgrotated"), false);
          assertTrue(o.jvm() && !o.fast() && o.code() == 0, var + ": " + o);
        }
        // wait: exited, stale, several, an id prefix: the codes at once, no JVM
        for (List<String> a : List.of(w("wait", "lg.ended_1-x"), w("wait", "lgstale"), w("wait", "lgempty", ended, "lgstale"),
            w("wait", "d6d6"), w("wait", "lgrotated", "lgrotated"))) {
          Answer o = same(env, a);
          assertTrue(o.alone() && o.code() == 0, "no JVM for " + a + ": " + o);
        }
        assertEquals("3\n", same(env, w("wait", "lg.ended_1-x")).out());
        assertEquals("-1\n", same(env, w("wait", "lgstale")).out());
        // the JVM's: unknown names (after the codes before them), --condition, a state it reads
        for (List<String> a : List.of(w("wait", "nosuch"), w("wait", "lgempty", "nosuch"), w("wait", "--condition", "stopped", "lgempty"),
            w("wait", "--", "lgempty"), w("wait"))) {
          Answer o = same(env, a);
          assertFalse(o.fast(), "the JVM decides " + a + ": " + o);
        }
        // a state file the launcher is not sure of in the middle: it prints what it waited for, and
        // the JVM answers the rest (here its error on the cut state file)
        Answer handed = same(env, w("wait", "lgempty", "lgbroken", "lgstale"));
        assertTrue(handed.fast() && handed.jvm() && handed.code() == 125 && handed.out().equals("0\n"), handed.toString());

        // waiting for a running detached sandbox: it ends while both wait (the fast one on its
        // monitor's pidfd), both print the code
        CompletableFuture<Answer> fastWait = CompletableFuture.supplyAsync(() -> jbox(env, w("wait", "lgrunning"), false));
        CompletableFuture<Answer> jvmWait = CompletableFuture.supplyAsync(() -> jbox(env, w("wait", "lgrunning"), true));
        Thread.sleep(1500);
        assertFalse(fastWait.isDone() || jvmWait.isDone(), "both wait while it runs");
        assertEquals(0, d.jbox("kill", "lgrunning").code());
        Answer fw = fastWait.get();
        Answer jw = jvmWait.get();
        assertTrue(fw.fast() && !fw.jvm() && jw.jvm(), fw + "\n" + jw);
        assertEquals("137\n", jw.out(), jw.toString());
        assertEquals(jw.out(), fw.out());
        assertEquals(jw.err(), fw.err());

        // a foreground sandbox: the fast wait blocks on its lock, then reads the code it recorded
        CompletableFuture<Answer> fgFast = CompletableFuture.supplyAsync(() -> jbox(env, w("wait", "lgforeground"), false));
        CompletableFuture<Answer> fgJvm = CompletableFuture.supplyAsync(() -> jbox(env, w("wait", "lgforeground"), true));
        Thread.sleep(1500);
        assertFalse(fgFast.isDone() || fgJvm.isDone(), "both wait while the lock is held");
        fgLock.truncate(0);
        fgLock.write(java.nio.ByteBuffer.wrap(("{\"status\":\"exited\",\"pid\":1,\"pidStart\":1,\"monitorPid\":1,\"monitorStart\":1,"
            + "\"started\":1,\"exitCode\":4,\"finished\":2,\"restartCount\":0}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0);
        fgLock.close();
        fgLock = null;
        Answer ff = fgFast.get();
        Answer fj = fgJvm.get();
        assertTrue(ff.fast() && !ff.jvm(), ff.toString());
        assertEquals("4\n", fj.out(), fj.toString());
        assertEquals(fj.out(), ff.out());
        assertEquals(fj.err(), ff.err());
        assertEquals(fj.code(), ff.code());
      } finally {
        if (fgLock != null) fgLock.close();
        rec.close();
      }
    }
  }

  @Test
  void version_theJvmsFactsKeptForThisJvmAndJar_answerAsTheJvm() throws Exception {
    Path jar = tmp.resolve("v/jbox.jar");
    Files.createDirectories(jar.getParent());
    LauncherTest.jar(jar);
    Path cache = tmp.resolve("cache");
    Map<String, String> env = new HashMap<>(Map.of("JBOX_CLASSPATH", jar.toString(), "XDG_CACHE_HOME", cache.toString()));
    Path kept = cache.resolve("jbox/version");

    // nothing kept: the JVM answers, and keeps its facts; then the launcher answers alike
    Answer first = jbox(env, w("version"), false);
    assertTrue(first.jvm() && !first.fast() && first.code() == 0, first.toString());
    assertTrue(Files.exists(kept), "the JVM kept its facts");
    Answer again = same(env, w("version"));
    assertTrue(again.alone(), again.toString());
    assertEquals(first.out(), again.out());
    assertTrue(again.out().startsWith("Client:        jbox\nVersion:       ") && again.out().contains("\nJava VM:       ")
        && again.out().contains("\nHelper:        " + Jbox.source().resolve("helpers/build/jbox-helper")), again.out());

    // the helper shown is the one the JVM would be told of: none executable there, ""
    Map<String, String> noHelper = new HashMap<>(env);
    noHelper.put("JBOX_HELPER", tmp.resolve("no-helper").toString());
    // (the JVM needs a helper to start from: this one runs, another is named)
    Answer h = same(noHelper, w("version"));
    assertTrue(h.fast() && h.out().contains("\nHelper:        \n"), h.toString());

    // kept for another JVM or jar, cut short, or not printable: the JVM answers (and keeps anew)
    String good = Files.readString(kept);
    Files.writeString(kept, good.replaceFirst("jar ", "jar /other"));
    assertFalse(same(env, w("version")).fast());
    assertTrue(same(env, w("version")).fast(), "kept again");
    Files.writeString(kept, good.substring(0, good.length() - 4));
    assertFalse(same(env, w("version")).fast());
    Files.writeString(kept, good.replace("linux/", "linux/\u00e9"));
    assertFalse(same(env, w("version")).fast());
    Files.writeString(kept, good);
    assertTrue(same(env, w("version")).fast());
    Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 5000)); // a new build of the jar
    assertFalse(same(env, w("version")).fast());
    // other forms and JVM options: the JVM's
    for (List<String> a : List.of(w("version", "-f", "json"), w("version", "--format", "{{.Client.Version}}"), w("version", "x"))) {
      assertFalse(same(env, a).fast(), a.toString());
    }
    Map<String, String> opts = new HashMap<>(env);
    opts.put("JBOX_JAVA_OPTS", "-Dx=y");
    Answer o = jbox(opts, w("version"), false);
    assertTrue(o.jvm() && !o.fast(), o.toString());
  }

  @Test
  void volumeLsAndInspect_theVolumesAsTheJvmReadsThem() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path root = Files.createDirectories(d.xdg.resolve("jbox"));
      Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      List<List<String>> fast = List.of(w("volume", "ls"), w("volume", "ls", "-q"), w("volume", "list", "--quiet"), w("volume", "ls", "--quiet"));
      // no volumes directory yet: the header alone
      for (List<String> a : fast) assertTrue(same(env, a).alone(), a.toString());
      assertEquals("DRIVER  VOLUME NAME\n", same(env, w("volume", "ls")).out());
      // real volumes (one with labels and options), then hand-made entries the JVM leaves out
      for (List<String> a : List.of(w("volume", "create", "zeta"), w("volume", "create", "--label", "k=v", "Alpha.1"),
          w("volume", "create", "-o", "type=tmpfs", "-o", "o=size=1m", "b_2-x"), w("volume", "create", "n".repeat(200)))) {
        assertEquals(0, Jbox.run(a, env).code(), a.toString());
      }
      Path vols = Path.of(env.get("JBOX_STORAGE")).resolve("volumes");
      Files.createDirectories(vols.resolve("nodata"));
      Files.writeString(vols.resolve("nodata/volume.json"), "{}");
      Files.createDirectories(vols.resolve(".hidden/_data"));
      Files.writeString(vols.resolve(".hidden/volume.json"), "{}");
      Files.createDirectories(vols.resolve("nometa/_data"));
      Files.createDirectories(vols.resolve("-dash/_data"));
      Files.writeString(vols.resolve("-dash/volume.json"), "{}");
      for (List<String> a : fast) assertTrue(same(env, a).alone(), a.toString());
      assertEquals("Alpha.1\nb_2-x\n" + "n".repeat(200) + "\nzeta\n", same(env, w("volume", "ls", "-q")).out());
      // a volume.json the decoder does not follow, cut short, not UTF-8, a directory: the JVM's (answer or error)
      Path meta = vols.resolve("zeta/volume.json");
      String good = Files.readString(meta);
      Files.writeString(meta, "{\"created\": 1.5e3, \"labels\": {\"a\": 1}, \"x\": [true, null, \"\\u00e9\"]}");
      assertTrue(same(env, w("volume", "ls")).fast(), "strict JSON of any shape");
      for (String bad : List.of("{\"name\": \"zeta\", ", "[1]", "{\"x\": \"\\u00e9\"} trailing", "{\"a\": 01}")) {
        Files.writeString(meta, bad);
        assertFalse(same(env, w("volume", "ls")).fast(), bad);
      }
      Files.write(meta, new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
      assertFalse(same(env, w("volume", "ls")).fast());
      Files.writeString(meta, good);
      Files.writeString(vols.resolve("a-file"), "not a volume"); // the JVM's error (its volume.json: not a directory)
      Answer file = same(env, w("volume", "ls"));
      assertTrue(!file.fast() && file.code() == 125, file.toString());
      Files.delete(vols.resolve("a-file"));
      Files.createDirectories(vols.resolve("\u00e9t\u00e9/_data")); // a name beyond ASCII: the JVM's
      assertFalse(same(env, w("volume", "ls")).fast());
      Files.delete(vols.resolve("\u00e9t\u00e9/_data"));
      Files.delete(vols.resolve("\u00e9t\u00e9"));
      assertTrue(same(env, w("volume", "ls")).fast());
      // volume inspect NAME...: podman's JSON, byte for byte, without a JVM (time zone UTC, as here)
      for (String v : List.of("ms500", "ms000", "zero", "dup")) Files.createDirectories(vols.resolve(v).resolve("_data"));
      Files.writeString(vols.resolve("ms500/volume.json"), "{\"created\": 1796424415500, \"copyUp\": true, \"anonymous\": true}");
      Files.writeString(vols.resolve("ms000/volume.json"), "{\"created\": 1796424415000, \"labels\": {\"b\": \"2\", \"a\": \"1\"}}");
      Files.writeString(vols.resolve("zero/volume.json"), "{\"created\": \"soon\", \"labels\": [1], \"options\": null}");
      Files.writeString(vols.resolve("dup/volume.json"), "{\"labels\": {\"k\": \"1\"}, \"labels\": {\"k\": \"2\", \"k\": \"3\", \"a b\": \"c d\"}}");
      for (List<String> a : List.of(w("volume", "inspect", "zeta"), w("volume", "inspect", "Alpha.1", "b_2-x", "n".repeat(200)),
          w("volume", "inspect", "ms500", "ms000", "zero", "dup", "zeta"), w("volume", "inspect", "zeta", "zeta"))) {
        Answer o = same(env, a);
        assertTrue(o.alone() && o.code() == 0, a + ": " + o);
      }
      Answer labels = same(env, w("volume", "inspect", "Alpha.1", "b_2-x", "ms500"));
      assertTrue(labels.out().contains("\"Labels\": {\n      \"k\": \"v\"\n    },") && labels.out().contains("\"type\": \"tmpfs\"")
          && labels.out().contains(".5Z\""), labels.out());
      // the JVM's: another zone, an unknown name, options, a label it would print otherwise, a record mounting a volume
      Map<String, String> paris = new HashMap<>(env);
      paris.put("TZ", "Europe/Paris");
      assertFalse(same(paris, w("volume", "inspect", "zeta")).fast());
      Files.writeString(vols.resolve("dup/volume.json"), "{\"labels\": {\"k\": \"a\\\"b\"}}");
      assertFalse(same(env, w("volume", "inspect", "dup")).fast(), "a quote in a label");
      Files.writeString(vols.resolve("dup/volume.json"), "{\"labels\": {\"k\": 5}}");
      assertFalse(same(env, w("volume", "inspect", "dup")).fast(), "a label that is no string");
      Files.writeString(vols.resolve("dup/volume.json"), "{\"created\": 1.5}");
      assertFalse(same(env, w("volume", "inspect", "dup")).fast(), "a fraction");
      for (List<String> a : List.of(w("volume", "inspect", "nosuch"), w("volume", "inspect", "zeta", "nosuch"), w("volume", "inspect", "-a"),
          w("volume", "inspect", "--format", "{{.Name}}", "zeta"), w("volume", "inspect"), w("volume", "inspect", "nodata"),
          w("volume", "inspect", "-dash"))) {
        assertFalse(same(env, a).fast(), a.toString());
      }
      PsRecords rec = new PsRecords(root, Path.of(env.get("JBOX_STORAGE")).resolve("containers"));
      String user = PsRecords.id(0xf1);
      rec.record(user, false, "vuser", null, List.of("sh"), List.of(), false, Map.of("mounts", List.of("--tmpfs /t", "-v zeta:/z")));
      Answer counted = same(env, w("volume", "inspect", "zeta"));
      assertTrue(!counted.fast() && counted.out().contains("\"MountCount\": 1,"), counted.toString());
      assertTrue(same(env, w("volume", "ls")).alone(), "ls shows no count");
      Files.delete(root.resolve(user).resolve("config.json"));
      assertTrue(same(env, w("volume", "inspect", "zeta")).alone());
      // other forms: the JVM's
      for (List<String> a : List.of(w("volume", "ls", "-f", "name=a"), w("volume", "ls", "--format", "json"), w("volume", "ls", "-q", "-q"),
          w("volume", "ls", "x"), w("volume", "ls", "--"))) {
        assertFalse(same(env, a).fast(), a.toString());
      }
    }
  }

  /**
   * The launcher's parser of `jbox logs` (logs_call_parse) against picocli's LogsCommand: every line
   * of up to three words over the option spellings, then a sandbox, goes to the launcher with no
   * jar behind it (a line it leaves to the JVM ends in 125 at once). Every line it answers picocli
   * must take, and its answer must be the JVM's for the options picocli parsed from that line.
   */
  @Test
  void everyLogsLineTheLauncherTakes_picocliTakesWithTheSameOptions() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path root = Files.createDirectories(d.xdg.resolve("jbox"));
      Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      PsRecords rec = new PsRecords(root, Path.of(env.get("JBOX_STORAGE")).resolve("containers"));
      String id = PsRecords.id(0xe1);
      rec.record(id, false, "plog", null, List.of("sh"), List.of(), false, Map.of());
      rec.state(id, "exited", 1, 1, 1, 1, 0, true);
      StringBuilder log = new StringBuilder();
      for (int i = 0; i < 5; i++) log.append(T.replace(":00.", ":0" + i + ".")).append(" stdout F line ").append(i).append('\n');
      Files.writeString(root.resolve(id).resolve("log"), log.toString());
      Map<String, String> noJar = new HashMap<>(env);
      noJar.put("JBOX_CLASSPATH", tmp.resolve("no.jar").toString());
      List<String> words = List.of("-t", "--timestamps", "-n", "--names", "-f", "--tail", "2", "--tail=3", "-tn", "-nf", "--", "-x", "plog");
      List<List<String>> lines = new ArrayList<>();
      lines.add(List.of());
      for (String a : words) {
        lines.add(List.of(a));
        for (String b : words) {
          lines.add(List.of(a, b));
          for (String c : words) lines.add(List.of(a, b, c));
        }
      }
      Map<String, String> jvm = new HashMap<>();
      int taken = 0;
      for (List<String> line : lines) {
        List<String> args = new ArrayList<>(List.of("logs"));
        args.addAll(line);
        args.add("plog");
        Answer r = jbox(noJar, args, false);
        if (!r.fast()) {
          assertEquals(125, r.code(), "left to the JVM (here: no jar): " + args + ": " + r);
          continue;
        }
        taken++;
        String key = LogsArgs.parse(args.subList(1, args.size()));
        assertTrue(key != null, "picocli takes what the launcher takes: " + args);
        String want = jvm.get(key);
        if (want == null) {
          Answer j = jbox(env, args, true);
          assertEquals(0, j.code(), j.toString());
          jvm.put(key, want = j.out() + "\0" + j.err());
        }
        assertEquals(want, r.out() + "\0" + r.err(), args + " parsed by picocli as " + key);
      }
      assertTrue(taken > 100, "lines taken: " + taken);
      assertTrue(jvm.size() >= 8, "answers compared: " + jvm.keySet());
      rec.close();
    }
  }
}
