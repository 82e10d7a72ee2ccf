package dev.jbox.it;

import static dev.jbox.it.PsRecords.D;
import static dev.jbox.it.PsRecords.H;
import static dev.jbox.it.PsRecords.M;
import static dev.jbox.it.PsRecords.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Answer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox ps` without a JVM (helpers/ps_fast.c), against the JVM (JBOX_PS_NO_FAST=1) on one store,
 * as the test account: real sandboxes (created, running detached, running in the foreground of
 * another process, exited 0 and 3) and records written as jbox writes them (an image sandbox's in
 * the image store, running with a process of the test's; control bytes in a command and an
 * image; published ports of every form; a 128-character name and a 500-character command; an
 * exit code of 137; a stale "running" record; an OCI container's record, an unreadable one and
 * one of the wrong shape, which both leave out). Every form the launcher takes must start no JVM
 * and print the JVM's bytes and exit code; every other form, and every store the launcher is not
 * sure of (text above ASCII, a record it cannot decode, an ended --rm sandbox or leftovers the
 * JVM cleans up, a configuration file, JVM options), must reach the JVM and answer as it does.
 * The ages are set again before each pair of calls (PsRecords says why they cannot change between
 * the two).
 */
class PsFastPathTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static Answer jbox(Map<String, String> env, List<String> args, boolean forceJvm) {
    return FastPath.of(args.get(0)).stamped().answer(env, args, forceJvm);
  }

  /** The launcher's answer and the JVM's, the ages set again just before; equal bytes and codes. */
  static Answer same(PsRecords times, Map<String, String> env, List<String> args) throws IOException {
    times.retime();
    return FastPath.of(args.get(0)).stamped().same(env, args);
  }

  static List<String> ps(String... words) {
    List<String> a = new ArrayList<>(List.of("ps"));
    a.addAll(List.of(words));
    return a;
  }

  /** The forms the launcher answers. */
  static final List<List<String>> FAST = List.of(ps(), ps("-a"), ps("--all"), ps("-q"), ps("--quiet"), ps("-aq"), ps("-qa"),
      ps("-a", "-q"), ps("--no-trunc"), ps("-a", "--no-trunc"), ps("--no-trunc", "-q"), ps("--quiet", "--all", "--no-trunc"),
      ps("-qa", "--no-trunc"));

  /** Forms the JVM answers: other options, repeats, values, positionals, help, errors. */
  static final List<List<String>> JVM = List.of(ps("--format", "json"), ps("-a", "--format", "{{.Names}} {{.Status}}"),
      ps("-n", "2"), ps("-l"), ps("-a", "-f", "status=exited"), ps("-a", "-a"), ps("-aq", "-q"), ps("--all=true"), ps("-aql"),
      ps("-x"), ps("--bogus"), ps("nosuch"), ps("-q", "extra"), ps("--"), ps("-a", "--", "x"), ps("@nofile"), ps("-n"),
      ps("--no-trunc=false"));

  @Test
  void everyState_theLaunchersTableIsTheJvms_andEveryOtherFormGoesToTheJvm() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path root = d.xdg.resolve("jbox");
      Path containers = Path.of(env.get("JBOX_STORAGE")).resolve("containers");
      PsRecords rec = new PsRecords(root, containers);
      java.nio.channels.FileChannel fgLock = null;
      try {
        // real sandboxes, each of a state
        assertEquals(0, d.jbox("create", "--name", "pcreated", "--network=none", "--rootfs", rootfs.toString(), "sh").code());
        String running = d.start(List.of("--name", "prunning", "--network=none"), "sleep 1000");
        String ex0 = d.start(List.of("--name", "pexit0", "--network=none"), "true");
        String ex3 = d.start(List.of("--name", "pexit3", "--network=none"), "exit 3");
        assertTrue(Detached.eventually(() -> {
          String o = d.jbox("ps", "-a", "--format", "{{.Names}} {{.Status}}").out();
          return o.contains("pexit0 Exited (0)") && o.contains("pexit3 Exited (3)") && o.contains("prunning Up");
        }), "every real sandbox in its state: " + d.jbox("ps", "-a"));
        String created = d.jbox("ps", "-aq", "--no-trunc", "-f", "name=pcreated").out().strip();
        for (String id : List.of(created, running, ex0, ex3)) rec.ages(root.resolve(id).resolve("config.json"), "created", 3 * D + 12 * H);
        rec.ages(root.resolve(running).resolve("state"), "started", 2 * H + 30 * M);
        for (String id : List.of(ex0, ex3)) rec.ages(root.resolve(id).resolve("state"), "started", 5 * D + 12 * H, "finished", 10 * M + 30 * S);

        // records as jbox writes them, where real sandboxes cannot be made here
        long[] live = rec.sleeper();
        String img = PsRecords.id(0xa1);
        Path f = rec.record(img, true, "podd", "registry.example/odd\u001b[31m:1", List.of("sh", "-c", "a\tb\nc\u007f"),
            List.of("8080:80", "127.0.0.1:9090:90/udp", "[::1]:1:2", "+81:081", "8082:82:", "0:1", "bogus", "1:2/sctp"), false, Map.of());
        rec.ages(f, "created", 59 * M + 30 * S);
        rec.ages(rec.state(img, "running", live[0], live[1], live[0], live[1], null, false), "started", 30 * M + 30 * S);
        String longOne = PsRecords.id(0xa2);
        f = rec.record(longOne, true, "n".repeat(128), "r".repeat(300), List.of("y".repeat(500)), List.of(), false, Map.of());
        rec.ages(f, "created", 7 * D + 12 * H);
        rec.ages(rec.state(longOne, "exited", 1, 1, 1, 1, 137, true), "started", 30 * H + 30 * M, "finished", 90 * S);
        String stale = PsRecords.id(0xa3);
        rec.ages(rec.record(stale, false, "pstale", "local/x", List.of("true"), List.of(), false, Map.of()), "created", 2 * H + 30 * M);
        rec.ages(rec.state(stale, "running", 999_999_999L, 1, 999_999_999L, 1, null, false), "started", 90 * M);
        // foreground image sandboxes: the state record in containers/ID/state, running while its lock is held
        String fgUp = PsRecords.id(0xa7);
        rec.ages(rec.record(fgUp, true, "pforeground", "local/fg:1", List.of("sleep", "1000"), List.of(), false, Map.of()),
            "created", 3 * D + 12 * H);
        Path fgState = containers.resolve(fgUp).resolve("state");
        Files.writeString(fgState, "{\"status\":\"running\",\"pid\":" + live[0] + ",\"pidStart\":" + live[1]
            + ",\"monitorPid\":1,\"monitorStart\":1,\"started\":" + (System.currentTimeMillis() - 60 * H)
            + ",\"exitCode\":null,\"finished\":null,\"restartCount\":0}\n");
        // (not set again: a second channel's close would drop this process's lock; 60 h is 12 h from either end of "2 days")
        fgLock = java.nio.channels.FileChannel.open(fgState, java.nio.file.StandardOpenOption.WRITE);
        fgLock.lock();
        String fgGone = PsRecords.id(0xa8); // its monitor was killed: the lock is free, the record says running
        rec.record(fgGone, true, "pfgkilled", "local/fg:1", List.of("sleep"), List.of(), false, Map.of());
        Files.writeString(containers.resolve(fgGone).resolve("state"), "{\"status\":\"running\",\"pid\":1,\"pidStart\":1}");
        String fgEnded = PsRecords.id(0xa9);
        rec.record(fgEnded, true, "pfgended", "local/fg:1", List.of("false"), List.of(), false, Map.of());
        Path fgEndedState = containers.resolve(fgEnded).resolve("state");
        Files.writeString(fgEndedState, "{\"status\":\"exited\",\"pid\":1,\"pidStart\":1,\"started\":0,\"exitCode\":2,\"finished\":0}");
        rec.ages(fgEndedState, "started", 4 * H + 30 * M, "finished", 3 * H + 30 * M);
        String fgNew = PsRecords.id(0xaa); // recorded, its monitor has not written the state yet
        rec.record(fgNew, true, "pfgnew", "local/fg:1", List.of("true"), List.of(), false, Map.of());
        Files.writeString(containers.resolve(fgNew).resolve("state"), "  \n");
        rec.record(PsRecords.id(0xa4), false, "poci", null, List.of("x"), List.of(), false, Map.of("kind", "oci"));
        Path unreadable = rec.record(PsRecords.id(0xa5), false, "punreadable", null, List.of("x"), List.of(), false, Map.of());
        Files.setPosixFilePermissions(unreadable, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        rec.record(PsRecords.id(0xa6), true, "pshape", null, List.of("x"), List.of(), false, Map.of("overlay", Map.of("upper", 5)));

        // every form the launcher takes: no JVM, the JVM's bytes
        for (List<String> a : FAST) {
          Answer o = same(rec, env, a);
          assertTrue(o.fast(), "no JVM for " + a + ": " + o);
          assertEquals(0, o.code());
        }
        // the table holds what the store holds (so the comparisons above compared something)
        Answer all = same(rec, env, ps("-a"));
        for (String want : List.of("pcreated", "Up 2 hours", "Exited (0) 10 minutes ago", "Exited (3) 10 minutes ago", "pforeground",
            "Up 2 days", "Up 30 minutes", "a\\x09b\\x0ac\\x7f", "odd\\x1b[31m:1", "0.0.0.0:8080->80/tcp, 127.0.0.1:9090->90/udp, [::1]:1:2, "
                + "0.0.0.0:81->81/tcp, 0.0.0.0:8082->82/tcp, 0:1, bogus, 1:2/sctp", "n".repeat(128), "yyyyyyyyyyyyyyyyy...",
            "Exited (137) About a minute ago", "Exited (unknown)", "3 days ago", "59 minutes ago", "7 days ago", "Up 2 days",
            "Exited (2) 3 hours ago")) {
          assertTrue(all.out().contains(want), want + " in\n" + all.out());
        }
        for (String absent : List.of("poci", "punreadable", "pshape")) assertFalse(all.out().contains(absent), absent);
        assertEquals(12, all.out().lines().count(), all.out()); // (pports comes later)
        assertTrue(all.out().lines().anyMatch(l -> l.contains("pfgkilled") && l.contains("Exited (unknown)")), all.out());
        assertTrue(all.out().lines().anyMatch(l -> l.contains("pfgnew") && l.contains("Created")), all.out());
        assertTrue(same(rec, env, ps("-a", "--no-trunc")).out().contains("y".repeat(500)));

        // jbox port SANDBOX: the published ports from the record, by name, full id and id prefix
        String withPorts = PsRecords.id(0xab);
        rec.record(withPorts, false, "pports", null, List.of("x"), List.of("8080:80", "127.0.0.1:9090:90/udp", "+81:081", "8082:82:",
            "[fe80]:5:6"), false, Map.of());
        for (List<String> a : List.of(List.of("port", "pports"), List.of("port", withPorts), List.of("port", "abab"), List.of("port", "pcreated"))) {
          Answer o = same(rec, env, a);
          assertTrue(o.fast() && o.code() == 0, "no JVM for " + a + ": " + o);
        }
        assertEquals("80/tcp -> 0.0.0.0:8080\n90/udp -> 127.0.0.1:9090\n81/tcp -> 0.0.0.0:81\n82/tcp -> 0.0.0.0:8082\n6/tcp -> fe80:5\n",
            same(rec, env, List.of("port", "pports")).out());
        // a spec the JVM refuses (it prints the lines before it, then its error), PORT, unknown,
        // ambiguous or odd references, options: the JVM's
        for (List<String> a : List.of(List.of("port", "podd"), List.of("port", "pports", "80"), List.of("port", "pports", "90/udp"),
            List.of("port", "nosuch"), List.of("port", "a"), List.of("port"), List.of("port", "-a", "pports"),
            List.of("port", "PPORTS"), List.of("port", "pports", "x", "y"), List.of("port", ""))) {
          Answer o = same(rec, env, a);
          assertFalse(o.fast(), "the JVM decides " + a + ": " + o);
        }
        assertEquals(125, same(rec, env, List.of("port", "nosuch")).code());

        // every other form: the JVM's
        for (List<String> a : JVM) {
          Answer o = same(rec, env, a);
          assertFalse(o.fast(), "the JVM decides " + a + ": " + o);
        }
        // help comes from the text the build wrote (no JVM either), not from ps_fast
        Answer help = jbox(env, ps("--help"), false);
        assertFalse(help.fast() || help.jvm(), help.toString());
        assertTrue(help.out().startsWith("Usage: jbox ps"), help.toString());
        for (String var : List.of("JBOX_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
          Map<String, String> e = new HashMap<>(env);
          e.put(var, "-Dx=y");
          Answer o = jbox(e, ps("-a"), false);
          assertTrue(o.jvm() && !o.fast() && o.code() == 0, var + ": " + o);
        }

        // a configuration file: comments only, still the launcher's
        Path toml = Path.of(env.get("XDG_CONFIG_HOME")).resolve("jbox/jbox.toml");
        Files.createDirectories(toml.getParent());
        Files.writeString(toml, "# nothing\n\n  # set here\n");
        assertTrue(same(rec, env, ps("-a")).fast());
        // settings (they may move the store): the JVM's, until a JVM that read them recorded the
        // root they set beside the files' SHA-256 (RUNTIME/jbox/storage.key); then the launcher's
        Path key = Path.of(env.get("XDG_RUNTIME_DIR"), "jbox", "storage.key");
        Files.deleteIfExists(key);
        Files.writeString(toml, "[storage]\nroot = \"" + env.get("JBOX_STORAGE") + "\"\n[run]\ninit = false\n");
        Answer first = jbox(env, ps("-a"), false);
        assertTrue(first.jvm() && !first.fast(), first.toString());
        assertTrue(Files.isRegularFile(key), "the JVM recorded the configuration's root");
        assertEquals(0600, (int) Files.getAttribute(key, "unix:mode") & 0777, "the key is the user's alone");
        Answer recorded = same(rec, env, ps("-a"));
        assertTrue(recorded.fast(), recorded.toString());
        // without $JBOX_STORAGE the launcher lists the store [storage] root names (it wins over
        // $XDG_DATA_HOME), as the JVM does
        Map<String, String> byConfig = new HashMap<>(env);
        byConfig.remove("JBOX_STORAGE");
        Answer moved = same(rec, byConfig, ps("-a"));
        assertTrue(moved.fast(), moved.toString());
        assertEquals(recorded.out(), moved.out());
        // one byte more in the file: the JVM again (it records the new bytes), then the launcher
        Files.writeString(toml, "# changed\n", java.nio.file.StandardOpenOption.APPEND);
        assertFalse(jbox(env, ps("-a"), false).fast());
        assertTrue(jbox(env, ps("-a"), false).fast());
        // a key for other bytes, or one naming a relative root, is not followed
        String head = "jbox-storage 1\nabsent\n" + toml + "\n";
        for (String forged : List.of(head + "0".repeat(64) + "\n/elsewhere\n",
            head + java.util.HexFormat.of().formatHex(dev.jbox.Sha256.digest(Files.readAllBytes(toml))) + "\nrelative\n")) {
          Files.writeString(key, forged);
          Answer o = jbox(byConfig, ps("-a"), false);
          assertTrue(o.jvm() && !o.fast() && o.out().equals(recorded.out()), o.toString());
        }
        Files.delete(toml);
        Files.deleteIfExists(key);

        // what the launcher is not sure of: the JVM answers, and answers the same
        String odd = PsRecords.id(0xb1);
        rec.record(odd, false, "putf8", null, List.of("\u00e9cho", "\u2603"), List.of(), false, Map.of());
        assertFalse(same(rec, env, ps("-a")).fast(), "text above ASCII: the JVM's charset");
        assertTrue(same(rec, env, ps("-q")).fast(), "ids only: nothing above ASCII is printed");
        Files.writeString(root.resolve(odd).resolve("config.json"), "{\"name\": \"pgarbage\", \"command\": [1, 2]}");
        assertFalse(same(rec, env, ps("-a")).fast(), "a record the decoder does not follow");
        Files.writeString(root.resolve(odd).resolve("config.json"), "{\"name\": \"pcut\", ");
        assertFalse(same(rec, env, ps("-a")).fast(), "a record cut short");
        Files.delete(root.resolve(odd).resolve("config.json"));
        assertTrue(same(rec, env, ps("-a")).fast(), "a directory without a record: nothing to list or clean");

        Path st = root.resolve(stale).resolve("state");
        String good = Files.readString(st);
        Files.writeString(st, "{\"status\":\"running\",\"pid\":");
        Answer broken = same(rec, env, ps("-a"));
        assertFalse(broken.fast(), broken.toString());
        assertEquals(125, broken.code(), "the JVM's error on an unreadable state file: " + broken);
        Files.writeString(st, good);

        // an ended --rm sandbox that ran detached: the JVM removes it, then lists the rest
        String ended = PsRecords.id(0xb2);
        rec.record(ended, false, "pended", null, List.of("true"), List.of(), true, Map.of());
        rec.state(ended, "exited", 1, 1, 999_999_999L, 1, 0, true);
        Answer gone = jbox(env, ps("-a"), false);
        assertFalse(gone.fast(), gone.toString());
        assertFalse(Files.exists(root.resolve(ended)), "the JVM removed the ended --rm sandbox");
        assertFalse(gone.out().contains("pended"), gone.out());
        assertTrue(same(rec, env, ps("-a")).fast());

        // what a crashed image sandbox left in the image store: the JVM sweeps it
        Path left = Files.createDirectories(containers.resolve(PsRecords.id(0xb3)));
        Files.setLastModifiedTime(left, FileTime.fromMillis(System.currentTimeMillis() - 10 * M));
        Answer swept = jbox(env, ps("-a"), false);
        assertFalse(swept.fast(), swept.toString());
        assertFalse(Files.exists(left), "the JVM swept the leftover");
        Path young = Files.createDirectories(containers.resolve(PsRecords.id(0xb4)));
        assertTrue(same(rec, env, ps("-a")).fast(), "a leftover younger than a minute is not swept yet");
        Files.delete(young);

        // the running sandbox ends: both see it exited
        assertEquals(0, d.jbox("kill", "prunning").code());
        assertTrue(Detached.eventually(() -> d.jbox("ps", "-a", "--format", "{{.Names}} {{.Status}}").out().contains("prunning Exited")));
        rec.ages(root.resolve(running).resolve("state"), "finished", 20 * M + 30 * S);
        Answer after = same(rec, env, ps("-a"));
        assertTrue(after.fast() && after.out().contains("Exited (137) 20 minutes ago"), after.toString());
      } finally {
        if (fgLock != null) fgLock.close();
        rec.close();
      }
    }
  }
}
