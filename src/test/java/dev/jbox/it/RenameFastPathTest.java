package dev.jbox.it;

import static dev.jbox.it.FastPathStores.deleteTree;
import static dev.jbox.it.FastPathStores.env;
import static dev.jbox.it.FastPathStores.holdFor;
import static dev.jbox.it.FastPathStores.idOf;
import static dev.jbox.it.FastPathStores.words;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox rename` without a JVM (helpers/change_fast.c), differentially, as the unprivileged account:
 * each command runs on two copies of one store (real sandboxes: created, exited, running, unnamed,
 * with a restart policy, image sandboxes' records in containers/), once through the launcher and
 * once with JBOX_CHANGE_NO_FAST=1; stdout, stderr, the exit code and the whole resulting store
 * (names, types, modes, the bytes of every config.json and exec.plan) must be the same, the usual
 * forms must have taken the fast path (a rename-fast phase and no java-main), and every form or
 * store the launcher is not sure of must have gone to the JVM with nothing changed first.
 */
class RenameFastPathTest {
  static final FastPath RENAME = FastPath.change("rename-fast");
  @TempDir static Path tmp;
  static Path rootfs;
  static FastPathStores stores;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    stores = new FastPathStores(tmp);
    rootfs = Jbox.rootfs(tmp);
  }

  static Outcome rename(Path base, List<String> args, Consumer<Path> prepare) throws Exception {
    return stores.both(base, args, RENAME, prepare);
  }

  static Consumer<Path> edit(String id, boolean image, String file, String from, String to) {
    return c -> {
      Path p = (image ? c.resolve("storage/containers") : c.resolve("xdg/jbox")).resolve(id).resolve(file);
      try {
        String text = Files.readString(p);
        assertTrue(text.contains(from) && !from.equals(to), p + " has " + from + ", which the edit changes: " + text);
        Files.writeString(p, text.replace(from, to));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    };
  }

  @Test
  void rename_rewritesTheRecordsAsTheJvmDoes_andEveryDoubtGoesToTheJvm() throws Exception {
    Path base = stores.newStore("rename");
    Map<String, String> env = env(base);
    List<String> toStop = new ArrayList<>();
    try {
      for (String n : List.of("created1", "created2", "img1")) {
        Jbox.Result r = Jbox.run(List.of("create", "--name", n, "--network=none", "--rootfs", rootfs.toString(), "true"), env);
        assertEquals(0, r.code(), r.toString());
      }
      Jbox.Result r = Jbox.run(List.of("create", "--network=none", "-e", "X=a\"b\\c\u00e9", "--rootfs", rootfs.toString(), "echo",
          "tab\there", "\u2603"), env);
      assertEquals(0, r.code(), r.toString());
      String unnamed = r.out().strip();
      r = Jbox.run(List.of("create", "--name", "restart1", "--restart=on-failure:3", "--network=none", "--rootfs", rootfs.toString(),
          "true"), env);
      assertEquals(0, r.code(), r.toString());
      r = Jbox.run(List.of("run", "-d", "--name", "exited1", "--network=none", "--rootfs", rootfs.toString(), "true"), env);
      assertEquals(0, r.code(), r.toString());
      assertEquals(0, Jbox.run(List.of("wait", "exited1"), env).code());
      r = Jbox.run(List.of("run", "-d", "--name", "running1", "--network=none", "--rootfs", rootfs.toString(), "sleep", "1000"), env);
      assertEquals(0, r.code(), r.toString());
      toStop.add(r.out().strip());
      // an image sandbox: its record and exec template in containers/ID, as an image run keeps them
      Path rt = base.resolve("xdg/jbox");
      String img = idOf(base, "img1");
      Path home = Files.createDirectories(base.resolve("storage/containers").resolve(img));
      for (String f : List.of("config.json", "exec.plan")) Files.move(rt.resolve(img).resolve(f), home.resolve(f));
      deleteTree(rt.resolve(img));
      String created1 = idOf(base, "created1");

      // the usual forms: no JVM, the JVM's answer and files
      for (List<String> a : List.of(words("rename", "created1", "new1"), words("rename", "created1", "created1"),
          words("rename", created1, "Web.2_x-y"), words("rename", created1.substring(0, 5), "ABCDEF012345"),
          words("rename", "created1", "abcdef01234"), words("rename", "created1", "x".repeat(128)),
          words("rename", unnamed.substring(0, 12), "named"), words("rename", "img1", "img2"), words("rename", img, "i"),
          words("rename", "exited1", "e"), words("rename", "running1", "r"), words("rename", "restart1", "r2"))) {
        Outcome o = rename(base, a, null);
        assertTrue(o.fast(), "no JVM for " + a + ": " + o);
        assertEquals(new Outcome(0, "", "", true), o, a.toString());
      }
      // in the store itself: the running sandbox renamed by the launcher is found by its new name
      // and exec joins it under that name (the rewritten template), the old name is free again
      Outcome live = RENAME.run(env, words("rename", "running1", "run2"), false);
      assertEquals(new Outcome(0, "", "", true), live);
      Jbox.Result x = Jbox.run(List.of("exec", "run2", "sh", "-c", "echo $JBOX_SANDBOX"), env);
      assertEquals(0, x.code(), x.toString());
      assertEquals(1, Jbox.run(List.of("ps", "-a", "--filter", "name=^run2$", "-q"), env).out().lines().count());
      assertEquals(0, Jbox.run(List.of("ps", "-a", "--filter", "name=^running1$", "-q"), env).out().lines().count());
      assertTrue(Jbox.run(List.of("exec", "running1", "true"), env).code() != 0);

      // bad input and collisions: the JVM's one-line error and exit code, nothing changed
      for (List<String> a : List.of(words("rename", "created1", "created2"), words("rename", "created1", "abcdef012345"),
          words("rename", "created1", created1.substring(0, 12)), words("rename", "created1", "_x"),
          words("rename", "created1", ".x"), words("rename", "created1", "a b"), words("rename", "created1", "a/b"),
          words("rename", "created1", "x".repeat(129)), words("rename", "created1", "caf\u00e9"), words("rename", "created1", ""),
          words("rename", "nosuch", "n"), words("rename", "", "n"), words("rename", "CREATED1", "n"),
          words("rename", "created1"), words("rename"), words("rename", "created1", "a", "b"), words("rename", "-h"),
          words("rename", "--", "created1", "n"), words("rename", "created1", "-n"), words("rename", "@f", "n"))) {
        Outcome o = rename(base, a, null);
        assertFalse(o.fast(), "the JVM answers " + a + ": " + o);
        if (a.size() == 3 && !a.get(1).startsWith("-") && !a.get(2).startsWith("-") && !a.get(1).startsWith("@")) {
          assertEquals(125, o.code(), a + ": " + o);
          assertEquals(1, o.err().lines().count(), "one line: " + o);
        }
      }
      // a store or record the JVM would write back otherwise: the JVM's, with the same result
      String unnamedId = unnamed;
      Map<String, Consumer<Path>> odd = new java.util.TreeMap<>(Map.of(
          "compact record", c -> {
            Path p = c.resolve("xdg/jbox").resolve(created1).resolve("config.json");
            try {
              Files.writeString(p, Files.readString(p).replaceAll("\n *", ""));
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          },
          "escaped text", edit(created1, false, "config.json", "\"network\": \"none\"", "\"network\": \"n\\u006fne\""),
          "extra key", edit(created1, false, "config.json", "\"stopSignal\": \"TERM\"", "\"stopSignal\": \"TERM\",\n  \"x\": 1"),
          "another id", edit(created1, false, "config.json", "\"id\": \"" + created1, "\"id\": \"" + created1.substring(0, 63) + (created1.endsWith("0") ? "1" : "0")),
          "template of another name", c -> {
            Path p = c.resolve("xdg/jbox").resolve(created1).resolve("exec.plan");
            try {
              byte[] b = Files.readAllBytes(p);
              b[b.length - 1] = (byte) 'X'; // created1 -> createdX
              Files.write(p, b);
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          },
          "no template", c -> deleteTree(c.resolve("xdg/jbox").resolve(created1).resolve("exec.plan")),
          "a temporary file in the way", c -> {
            try {
              Files.createSymbolicLink(c.resolve("xdg/jbox").resolve(created1).resolve("config.json.tmp"), Path.of("elsewhere"));
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          },
          "garbage elsewhere", c -> {
            try {
              Files.writeString(c.resolve("xdg/jbox").resolve(unnamedId).resolve("config.json"), "{\"name\": ");
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          }));
      Files.createDirectories(base.resolve("outside"));
      for (var e : odd.entrySet()) {
        Outcome o = rename(base, words("rename", "created1", "n1"), e.getValue());
        assertFalse(o.fast(), e.getKey() + ": " + o);
        assertEquals(0, o.code(), e.getKey() + ": " + o);
      }
      // the store's lock held a moment by another command: the JVM waits for it
      Outcome busy = rename(base, words("rename", "created1", "n1"), c -> holdFor(c.resolve("xdg/jbox/.lock"), 1500));
      assertFalse(busy.fast(), busy.toString());
      assertEquals(0, busy.code(), busy.toString());
      // a JVM option variable asks for the JVM
      Map<String, String> opts = new HashMap<>(env);
      opts.put("JDK_JAVA_OPTIONS", "-Dx=y");
      Outcome o = RENAME.run(opts, words("rename", "created1", "n2"), false);
      assertFalse(o.fast(), o.toString());
      assertEquals(0, o.code(), o.toString());
    } finally {
      for (String id : toStop) Jbox.run(List.of("rm", "-f", id), env);
    }
  }
}
