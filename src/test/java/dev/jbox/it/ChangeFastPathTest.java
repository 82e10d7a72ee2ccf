package dev.jbox.it;

import static dev.jbox.it.FastPathStores.copy;
import static dev.jbox.it.FastPathStores.deleteTree;
import static dev.jbox.it.FastPathStores.env;
import static dev.jbox.it.FastPathStores.holdFor;
import static dev.jbox.it.FastPathStores.idOf;
import static dev.jbox.it.FastPathStores.words;
import static dev.jbox.it.FastPathStores.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox stop` and `jbox rm` without a JVM (helpers/change_fast.c), differentially, as the
 * unprivileged account: rm runs on two copies of one store (real sandboxes of every state, an image
 * sandbox's directory, planted links, garbage), once through the launcher and once with
 * JBOX_CHANGE_NO_FAST=1, and stdout, stderr, the exit code and the whole resulting store tree
 * (names, types, modes, contents, link targets) must be the same; the usual forms must have taken
 * the fast path (an rm-fast or stop-fast phase in JBOX_TRACE and no java-main), every doubtful one
 * must have been left to the JVM. stop runs on pairs of real running sandboxes that trap the
 * signals, one stopped each way, and must end them the same way.
 */
class ChangeFastPathTest {
  @TempDir static Path tmp;
  static Path rootfs;
  static FastPathStores stores;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    stores = new FastPathStores(tmp);
  }

  static Outcome jbox(Map<String, String> env, List<String> args, boolean jvm, String phase) {
    return FastPath.change(phase).run(env, args, jvm);
  }

  static Outcome both(Path base, List<String> args, String phase, Consumer<Path> prepare) throws Exception {
    return stores.both(base, args, FastPath.change(phase), prepare);
  }

  @Test
  void rm_ofEndedSandboxes_leavesTheStoreAsTheJvmDoes_andEveryDoubtGoesToTheJvm() throws Exception {
    Path base = stores.newStore("rm");
    Map<String, String> env = env(base);
    List<String> toStop = new ArrayList<>();
    try {
      for (String n : List.of("created1", "created2", "garbage1", "linked1", "imgsrc1", "imgsrc2", "imgsrc3")) {
        Jbox.Result r = Jbox.run(List.of("create", "--name", n, "--network=none", "--rootfs", rootfs.toString(), "true"), env);
        assertEquals(0, r.code(), r.toString());
      }
      Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", "exited1", "--network=none", "--rootfs", rootfs.toString(), "true"), env);
      assertEquals(0, r.code(), r.toString());
      assertEquals(0, Jbox.run(List.of("wait", "exited1"), env).code());
      r = Jbox.run(List.of("run", "-d", "--name", "running1", "--network=none", "--rootfs", rootfs.toString(), "sleep", "1000"), env);
      assertEquals(0, r.code(), r.toString());
      toStop.add("running1");
      Path rt = base.resolve("xdg/jbox");
      // garbage where a record should be (its exec template still names it)
      write(rt.resolve(idOf(base, "garbage1")).resolve("config.json"), "garbage");
      // a planted link where the sandbox's lock file goes, to a file outside the store
      String linked = idOf(base, "linked1");
      Path outside = Files.createDirectories(base.resolve("outside"));
      write(outside.resolve("victim"), "keep me");
      Files.createSymbolicLink(rt.resolve(linked).resolve("lock"), outside.resolve("victim"));
      // image sandboxes: their records and writable layers in containers/ID (as an image run
      // leaves them; the overlay's directories belong to the caller here), one with a directory
      // only the user namespace deletes (an overlay's work/work is d---------), one whose lock
      // (its state file) a monitor holds
      Map<String, String> images = new TreeMap<>();
      for (String n : List.of("imgsrc1", "imgsrc2", "imgsrc3")) {
        String id = idOf(base, n);
        Path home = Files.createDirectories(base.resolve("storage/containers").resolve(id));
        for (String f : List.of("config.json", "exec.plan")) Files.move(rt.resolve(id).resolve(f), home.resolve(f));
        Files.createDirectories(home.resolve("upper/etc/deep"));
        write(home.resolve("upper/etc/deep/file"), "changed");
        Files.createSymbolicLink(home.resolve("upper/etc/link"), outside.resolve("victim"));
        Files.createDirectories(home.resolve("work/work"));
        Files.createDirectories(home.resolve("merged"));
        write(home.resolve("state"), "");
        Files.createDirectories(rt.resolve("files").resolve(id));
        write(rt.resolve("files").resolve(id).resolve("hosts"), "127.0.0.1 localhost\n");
        deleteTree(rt.resolve(id));
        images.put(n, id);
      }

      // the usual forms: no JVM, the JVM's answer and store
      for (List<String> a : List.of(words("rm", "created1"), words("rm", "exited1"), words("rm", "created1", "exited1", "created2"),
          words("rm", idOf(base, "exited1").substring(0, 12)), words("rm", idOf(base, "created2")), words("rm", "imgsrc1"),
          words("rm", "imgsrc1", "created1"))) {
        assertTrue(both(base, a, "rm-fast", null).fast(), "no JVM for " + a);
      }
      // the JVM answers: an unknown name, one of two unknown, garbage, a running sandbox, the
      // planted link, a tree the user namespace deletes, a held lock, options, a sandbox twice
      for (List<String> a : List.of(words("rm", "nosuch"), words("rm", "created1", "nosuch"), words("rm", "garbage1"),
          words("rm", "running1"), words("rm", "created1", "running1"), words("rm", "linked1"),
          words("rm", "-f", "created1"), words("rm", "-v", "created1"), words("rm", "--", "created1"), words("rm", "created1", "created1"),
          words("rm", "CREATED1"))) {
        assertFalse(both(base, a, "rm-fast", null).fast(), "the JVM decides " + a);
      }
      // an overlay's work/work is d--------- (made in each copy: cp cannot read it)
      Outcome work = both(base, words("rm", "imgsrc2"), "rm-fast", copyBase -> {
        try {
          Files.setPosixFilePermissions(copyBase.resolve("storage/containers").resolve(images.get("imgsrc2")).resolve("work/work"),
              PosixFilePermissions.fromString("---------"));
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      });
      assertFalse(work.fast(), work.toString());
      assertEquals(0, work.code(), work.toString());
      // a monitor's lock on an image sandbox's state file: it runs, say the JVM and the launcher
      Outcome held = both(base, words("rm", "imgsrc3"), "rm-fast", copyBase -> holdFor(copyBase.resolve("storage/containers")
          .resolve(images.get("imgsrc3")).resolve("state"), 15000));
      assertFalse(held.fast(), held.toString());
      assertEquals(125, held.code(), held.toString());
      // another command holding the sandbox's lock for a moment: the JVM waits for it, so the
      // launcher leaves it to the JVM; both then remove it
      Outcome busy = both(base, words("rm", "created2"), "rm-fast", copyBase -> holdFor(copyBase.resolve("xdg/jbox")
          .resolve(idOf(base, "created2")).resolve("lock"), 1500));
      assertFalse(busy.fast(), busy.toString());
      assertEquals(0, busy.code(), busy.toString());
      // a link planted where the generated files' directory goes: the JVM's
      Outcome files = both(base, words("rm", "created1"), "rm-fast", copyBase -> {
        try {
          Path f = copyBase.resolve("xdg/jbox/files");
          deleteTree(f);
          Files.createSymbolicLink(f, Path.of("../../outside"));
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      });
      assertFalse(files.fast(), files.toString());
      // a JVM option variable asks for the JVM, as for exec and kill
      Map<String, String> opts = new HashMap<>(env);
      opts.put("JDK_JAVA_OPTIONS", "-Dx=y");
      Path optsBase = tmp.resolve("opts-" + System.nanoTime());
      copy(base, optsBase);
      opts.putAll(env(optsBase));
      Outcome o = jbox(opts, words("rm", "created1"), false, "rm-fast");
      assertFalse(o.fast(), o.toString());
      assertEquals(0, o.code(), o.toString());
      // the outside file stayed whatever went
      assertEquals("keep me", Files.readString(outside.resolve("victim")));
    } finally {
      for (String n : toStop) Jbox.run(List.of("rm", "-f", n), env);
    }
  }

  /** The Status column of name in ps -a, once it is no longer Up (or after 20 s). */
  static String endedStatus(Map<String, String> env, String name) throws Exception {
    String st = "";
    for (int i = 0; i < 400; i++) {
      Jbox.Result r = Jbox.run(List.of("ps", "-a", "--format", "{{.Names}} {{.Status}}"), env);
      for (String line : r.out().split("\n")) if (line.startsWith(name + " ")) st = line.substring(name.length() + 1);
      if (!st.startsWith("Up")) return st.replaceAll("\\) .* ago$", ")");
      Thread.sleep(50);
    }
    return st;
  }

  static void awaitReady(Path dir) throws Exception {
    for (int i = 0; i < 400 && !Files.exists(dir.resolve("ready")); i++) Thread.sleep(50);
    assertTrue(Files.exists(dir.resolve("ready")), "the traps are set in " + dir);
  }

  @Test
  void stop_endsRunningSandboxesAsTheJvmDoes_andEveryDoubtGoesToTheJvm() throws Exception {
    Path base = stores.newStore("stop");
    Map<String, String> env = env(base);
    List<String> names = new ArrayList<>();
    try {
      // {options, script, the status it must end with}: TERM trapped into exit 7; TERM ignored
      // (SIGKILL after -t 0); the record's stop signal (HUP) trapped into exit 5
      List<Object[]> cases = List.of(
          new Object[] {"term", List.of(), "trap 'exit 7' TERM; touch /out/ready; while :; do sleep 0.1; done", "Exited (7)"},
          new Object[] {"ignore", List.of("-t", "0"), "trap '' TERM; touch /out/ready; while :; do sleep 0.1; done", "Exited (137)"},
          new Object[] {"hup", List.of("--time=20"), "trap 'exit 5' HUP; touch /out/ready; while :; do sleep 0.1; done", "Exited (5)"});
      for (Object[] c : cases) {
        String n = (String) c[0];
        for (String way : List.of("f", "j")) {
          Path out = Files.createDirectories(tmp.resolve("out-" + n + way + "-" + System.nanoTime()));
          Jbox.Result r = Jbox.run(List.of("run", "-d", "--name", n + way, "--network=none", "-v", out + ":/out", "--rootfs",
              rootfs.toString(), "sh", "-c", (String) c[2]), env);
          assertEquals(0, r.code(), r.toString());
          names.add(n + way);
          awaitReady(out);
          if (n.equals("hup")) {
            Path rec = base.resolve("xdg/jbox").resolve(r.out().strip()).resolve("config.json");
            write(rec, Files.readString(rec).replace("\"stopSignal\": \"TERM\"", "\"stopSignal\": \"SIGHUP\""));
          }
        }
        @SuppressWarnings("unchecked")
        List<String> opts = (List<String>) c[1];
        List<String> fa = new ArrayList<>(List.of("stop"));
        fa.addAll(opts);
        fa.add(n + "f");
        List<String> ja = new ArrayList<>(List.of("stop"));
        ja.addAll(opts);
        ja.add(n + "j");
        Outcome f = jbox(env, fa, false, "stop-fast");
        Outcome j = jbox(env, ja, true, "stop-fast");
        assertTrue(f.fast(), "no JVM for " + fa + ": " + f);
        assertEquals(new Outcome(0, n + "j\n", "", false), j, ja.toString());
        assertEquals(new Outcome(0, n + "f\n", "", true), f, fa.toString());
        assertEquals(c[3], endedStatus(env, n + "f"), fa.toString());
        assertEquals(c[3], endedStatus(env, n + "j"), ja.toString());
      }
      // stopped ones, and a created one: nothing to do, both ways (several at once on the fast path)
      Jbox.Result r = Jbox.run(List.of("create", "--name", "created1", "--network=none", "--rootfs", rootfs.toString(), "true"), env);
      assertEquals(0, r.code(), r.toString());
      names.add("created1");
      for (List<String> a : List.of(words("stop", "termf"), words("stop", "-t", "0", "created1", "ignorej", "hupf"), words("stop", "created1"))) {
        Outcome f = jbox(env, a, false, "stop-fast");
        Outcome j = jbox(env, a, true, "stop-fast");
        assertTrue(f.fast(), a + ": " + f);
        assertEquals(new Outcome(j.code(), j.out(), j.err(), true), f, a.toString());
      }
      // a restart policy: the JVM holds its restarts first; after a sandbox the launcher stopped,
      // the rest of the line goes to the JVM (the output is still one answer, in order)
      for (String way : List.of("f", "j")) {
        Path out = Files.createDirectories(tmp.resolve("out-r" + way + "-" + System.nanoTime()));
        r = Jbox.run(List.of("run", "-d", "--name", "restart" + way, "--restart=always", "--network=none", "-v", out + ":/out",
            "--rootfs", rootfs.toString(), "sh", "-c", "trap 'exit 3' TERM; touch /out/ready; while :; do sleep 0.1; done"), env);
        assertEquals(0, r.code(), r.toString());
        names.add("restart" + way);
        awaitReady(out);
        Path out2 = Files.createDirectories(tmp.resolve("out-p" + way + "-" + System.nanoTime()));
        r = Jbox.run(List.of("run", "-d", "--name", "plain" + way, "--network=none", "-v", out2 + ":/out", "--rootfs",
            rootfs.toString(), "sh", "-c", "trap 'exit 4' TERM; touch /out/ready; while :; do sleep 0.1; done"), env);
        assertEquals(0, r.code(), r.toString());
        names.add("plain" + way);
        awaitReady(out2);
      }
      Outcome f = jbox(env, words("stop", "plainf", "restartf"), false, "stop-fast");
      Outcome j = jbox(env, words("stop", "plainj", "restartj"), true, "stop-fast");
      assertFalse(f.fast(), f.toString());
      assertEquals(new Outcome(0, "plainj\nrestartj\n", "", false), j);
      assertEquals(new Outcome(0, "plainf\nrestartf\n", "", false), f);
      for (String way : List.of("f", "j")) {
        assertEquals("Exited (4)", endedStatus(env, "plain" + way));
        assertEquals("Exited (3)", endedStatus(env, "restart" + way));
      }
      // every other form: the JVM's answer
      for (List<String> a : List.of(words("stop", "nosuch"), words("stop", "created1", "nosuch"), words("stop", "-t", "-1", "created1"),
          words("stop", "-t", "x", "created1"), words("stop"), words("stop", "--", "created1"), words("stop", "-x", "created1"),
          words("stop", "@f"), words("stop", "CREATED1"))) {
        f = jbox(env, a, false, "stop-fast");
        j = jbox(env, a, true, "stop-fast");
        assertFalse(f.fast(), a + ": " + f);
        assertEquals(j, f, a.toString());
      }
    } finally {
      for (String n : names) Jbox.run(List.of("rm", "-f", n), env);
    }
  }

  @Test
  void volumeCreate_ofANamedVolume_makesWhatTheJvmMakes_andEveryDoubtGoesToTheJvm() throws Exception {
    Path base = stores.newStore("vol");
    Map<String, String> env = env(base);
    assertEquals(0, Jbox.run(List.of("volume", "create", "existing"), env).code());
    long before = System.currentTimeMillis();
    Outcome o = both(base, words("volume", "create", "v1"), "volume-create-fast", null);
    assertTrue(o.fast(), o.toString());
    assertEquals(new Outcome(0, "v1\n", "", true), o);
    String rec = Files.readString(stores.lastFast().resolve("storage/volumes/v1/volume.json"));
    var m = java.util.regex.Pattern.compile("\"created\": ([0-9]+),").matcher(rec);
    assertTrue(m.find(), rec);
    long created = Long.parseLong(m.group(1));
    assertTrue(created >= before && created <= System.currentTimeMillis(), "created now: " + rec);
    // the volume works: a sandbox writes into it, and volume ls lists it
    Jbox.Result r = Jbox.run(List.of("run", "--rm", "--network=none", "-v", "v1:/data", "--rootfs", rootfs.toString(), "sh", "-c",
        "echo hi > /data/f"), env(stores.lastFast()));
    assertEquals(0, r.code(), r.toString());
    assertEquals("hi\n", Files.readString(stores.lastFast().resolve("storage/volumes/v1/_data/f")));
    assertTrue(Jbox.run(List.of("volume", "ls", "-q"), env(stores.lastFast())).out().contains("v1\n"));
    assertTrue(both(base, words("volume", "create", "a.b-c_D9"), "volume-create-fast", null).fast());
    // the JVM's: a name taken, an odd name, labels, options, --ignore, two names, none (random)
    for (List<String> a : List.of(words("volume", "create", "existing"), words("volume", "create", ".x"),
        words("volume", "create", "a/b"), words("volume", "create", "-l", "k=v", "v2"), words("volume", "create", "-o", "type=tmpfs", "v2"),
        words("volume", "create", "--ignore", "existing"), words("volume", "create", "v2", "v3"), words("volume", "create", "--", "v2"),
        words("volume", "create", "x".repeat(256)))) {
      assertFalse(both(base, a, "volume-create-fast", null).fast(), a.toString());
    }
    // a store the JVM would change first: no volumes directory yet, or one open to others
    Path fresh = stores.newStore("vol-fresh");
    assertFalse(both(fresh, words("volume", "create", "v1"), "volume-create-fast", null).fast());
    Outcome open = both(base, words("volume", "create", "v4"), "volume-create-fast",
        c -> {
          try {
            Files.setPosixFilePermissions(c.resolve("storage/volumes"), PosixFilePermissions.fromString("rwxr-xr-x"));
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });
    assertFalse(open.fast(), open.toString());
    assertEquals(0, open.code(), open.toString());
  }

  @Test
  void volumeRm_ofAnUnusedVolume_leavesTheStoreAsTheJvmDoes_andEveryDoubtGoesToTheJvm() throws Exception {
    Path base = stores.newStore("volrm");
    Map<String, String> env = env(base);
    for (String v : List.of("v1", "v2", "v3", "sub")) assertEquals(0, Jbox.run(List.of("volume", "create", v), env).code());
    // v2 holds what a sandbox wrote (its root is the caller)
    Jbox.Result r = Jbox.run(List.of("run", "--rm", "--network=none", "-v", "v2:/d", "--rootfs", rootfs.toString(),
        "sh", "-c", "mkdir -p /d/a/b && echo x > /d/a/b/f && ln -s /etc /d/link"), env);
    assertEquals(0, r.code(), r.toString());
    Path vols = base.resolve("storage/volumes");
    for (List<String> a : List.of(words("volume", "rm", "v1"), words("volume", "rm", "v2"))) {
      assertTrue(both(base, a, "volume-rm-fast", null).fast(), "no JVM for " + a);
    }
    // the JVM's: the user namespace's tree, unknown, options, two names, garbage, a link for _data,
    // an earlier removal's leftovers
    // a directory of a subordinate id, which only the user namespace deletes (made in each copy:
    // cp -a, not root, would make it the caller's)
    Outcome sub = both(base, words("volume", "rm", "sub"), "volume-rm-fast", c -> {
      Jbox.Result w = Jbox.run(List.of("run", "--rm", "--network=none", "-v", "sub:/s", "--rootfs", rootfs.toString(), "sh", "-c",
          "mkdir /s/own && echo y > /s/own/f && chown -R 1000:1000 /s/own"), env(c));
      assertEquals(0, w.code(), w.toString());
    });
    assertFalse(sub.fast(), sub.toString());
    assertEquals(0, sub.code(), sub.toString());
    for (List<String> a : List.of(words("volume", "rm", "nosuch"), words("volume", "rm", "-f", "v1"),
        words("volume", "rm", "v1", "v3"), words("volume", "rm", "--all"), words("volume", "rm", ".x"), words("volume", "rm"))) {
      assertFalse(both(base, a, "volume-rm-fast", null).fast(), a.toString());
    }
    Map<String, Consumer<Path>> hostile = new TreeMap<>(Map.of(
        "garbage", c -> write(c.resolve("storage/volumes/v1/volume.json"), "{garbage"),
        "data-link", c -> {
          deleteTree(c.resolve("storage/volumes/v1/_data"));
          try {
            Files.createSymbolicLink(c.resolve("storage/volumes/v1/_data"), Path.of("../../../outside"));
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        },
        "leftover", c -> {
          try {
            Files.createDirectories(c.resolve("storage/volumes/.removing-old-1/_data"));
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        }));
    Files.createDirectories(base.resolve("outside"));
    for (var h : hostile.entrySet()) {
      Outcome o = both(base, words("volume", "rm", "v1"), "volume-rm-fast", h.getValue());
      assertFalse(o.fast(), h.getKey() + ": " + o);
    }
    // a sandbox that mounts anything: the JVM decides whether it uses the volume (here: it does, exit 2)
    r = Jbox.run(List.of("create", "--name", "user1", "--network=none", "-v", "v3:/d", "--rootfs", rootfs.toString(), "true"), env);
    assertEquals(0, r.code(), r.toString());
    Outcome used = both(base, words("volume", "rm", "v3"), "volume-rm-fast", null);
    assertFalse(used.fast(), used.toString());
    assertEquals(2, used.code(), used.toString());
    assertFalse(both(base, words("volume", "rm", "v1"), "volume-rm-fast", null).fast());
    assertTrue(Files.isDirectory(vols.resolve("v1/_data")), "the base store stays");
  }
}
