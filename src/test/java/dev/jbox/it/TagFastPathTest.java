package dev.jbox.it;

import static dev.jbox.it.FastPathStores.hex;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox tag` without a JVM (helpers/change_fast.c), differentially: each line runs on two copies
 * of one image store (records and tags.json written as ImageStore writes them), once through the
 * launcher and once with JBOX_CHANGE_NO_FAST=1; stdout, stderr, the exit code and the whole
 * resulting store (tags.json byte for byte, its mode, no temporary file left) must be the same.
 * Sources and new names of every form ImageLookup and ImageRef take or refuse (short names,
 * localhost/, registries with ports and IPv6 hosts, docker.io's library/ and its aliases, tags
 * at their limits, ids and id prefixes with and without sha256:, digests, ambiguous names) are
 * tried; the forms the launcher takes must have started no JVM, every refusal must be the JVM's
 * one-line error with nothing changed, and a store the launcher is not sure of must reach the JVM.
 */
class TagFastPathTest {
  @TempDir static Path tmp;
  static FastPathStores stores;

  @BeforeAll
  static void setUp() {
    stores = new FastPathStores(tmp);
  }

  /** A store as the JVM leaves it: three images, names in two registries. */
  static Path store() throws Exception {
    Path base = stores.newImageStore("tag");
    Path store = base.resolve("storage");
    for (int n : List.of(1, 2, 3)) FastPathStores.image(store, n, 3600_000L * n, 1000L * n, 7200_000L);
    Map<String, String> tags = new TreeMap<>();
    tags.put("docker.io/library/alpine:latest", "sha256:" + hex(1));
    tags.put("docker.io/library/alpine:3.19", "sha256:" + hex(1));
    tags.put("quay.io/team/alpine:latest", "sha256:" + hex(2));
    tags.put("example.com:5000/deep/path/img:v1", "sha256:" + hex(2));
    tags.put("localhost/mine:latest", "sha256:" + hex(3));
    FastPathStores.tags(store, tags);
    return base;
  }

  static Outcome tag(Path base, List<String> args, Consumer<Path> prepare) throws Exception {
    return stores.both(base, args, FastPath.change("tag-fast"), prepare);
  }

  static List<String> tagLine(String... w) {
    List<String> a = new ArrayList<>(List.of("tag"));
    a.addAll(List.of(w));
    return a;
  }

  @Test
  void tag_writesTheNamesAsTheJvmDoes_overEveryNameForm_andEveryDoubtGoesToTheJvm() throws Exception {
    Path base = store();
    String id1 = hex(101); // FastPathStores.image: the id is hex(n + 100)
    // sources the launcher finds, and new names it writes
    List<List<String>> fast = List.of(tagLine("mine", "x"), tagLine("quay.io/team/alpine", "x"),
        tagLine("docker.io/library/alpine", "x"), tagLine("docker.io/alpine", "x"), tagLine("index.docker.io/alpine:3.19", "x"),
        tagLine("registry-1.docker.io/library/alpine", "x"), tagLine("alpine:3.19", "x"), tagLine("team/alpine", "x"),
        tagLine("deep/path/img:v1", "x"), tagLine("example.com:5000/deep/path/img:v1", "x"), tagLine("localhost/mine", "x"),
        tagLine(id1.substring(0, 3), "x"), tagLine("sha256:" + id1.substring(0, 12), "x"), tagLine(hex(3).substring(0, 5), "x"),
        tagLine("sha256:" + id1, "x"), tagLine(hex(2), "x"),
        tagLine("mine", "x:1", "y", "localhost/z:2", "docker.io/u", "index.docker.io/v/w:t"),
        tagLine("mine", "mine"), tagLine("mine", "localhost/mine"), tagLine("mine", "docker.io/library/alpine"),
        tagLine("mine", "a__b"), tagLine("mine", "a.b-c--d_e"), tagLine("mine", "a:_T.-9"), tagLine("mine", "a:" + "t".repeat(128)),
        tagLine("mine", "reg.example:65535/a/b"), tagLine("mine", "[::1]:5000/a"), tagLine("mine", "[fe80::1]/a"),
        tagLine("mine", "my-reg.example.com/a"), tagLine("mine", "x".repeat(245)), tagLine("mine", "0"),
        tagLine("mine", "UPPER.example/a"), tagLine("mine", "localhost:5000/a"));
    for (List<String> a : fast) {
      Outcome o = tag(base, a, null);
      assertTrue(o.fast(), "no JVM for " + a + ": " + o);
      assertEquals(new Outcome(0, "", "", true), o, a.toString());
    }
    // refusals and lookups that fail: the JVM's one-line error, exit 125, nothing changed
    List<List<String>> jvm = List.of(tagLine("alpine", "x"), tagLine("nosuch", "x"), tagLine("aa", "x"),
        tagLine("mine", "Upper"), tagLine("mine", "a.b-c--d_e/f"), tagLine("mine", "a b"), tagLine("mine", "a@sha256:" + hex(1)), tagLine("mine", "a:"),
        tagLine("mine", ":a"), tagLine("mine", "a//b"), tagLine("mine", "a___b"), tagLine("mine", "-a"), tagLine("mine", "a-"),
        tagLine("mine", "a:.x"), tagLine("mine", "a:" + "t".repeat(129)), tagLine("mine", "x".repeat(246)),
        tagLine("mine", "reg.example:65536/a"), tagLine("mine", "reg.example:123456/a"), tagLine("mine", "-reg.example/a"),
        tagLine("mine", "reg..example/a"), tagLine("mine", "[::g]/a"), tagLine("mine", "docker.io/"), tagLine("mine", "caf\u00e9"),
        tagLine("mine", "ok", "Bad"), tagLine("mine", "ok", "mine2", "ok2", "a:"), tagLine("docker.io/library/alpine@sha256:" + hex(1), "x"),
        tagLine("mine@sha256:" + hex(3), "x"), tagLine("Mine", "x"), tagLine("quay.io/Team/alpine", "x"), tagLine("alpine", "alpine"),
        tagLine("mine", "x", "--"), tagLine("mine"), tagLine("-h"), tagLine("mine", "-x"), tagLine("@f", "x"));
    for (List<String> a : jvm) {
      Outcome o = tag(base, a, null);
      assertFalse(o.fast(), "the JVM answers " + a + ": " + o);
    }
    // the JVM says "ambiguous" for a short name that becomes ambiguous by the line's own first name
    Outcome amb = tag(base, tagLine("mine", "quay.io/a/mine", "m2"), null);
    assertFalse(amb.fast(), amb.toString());
    assertEquals(125, amb.code(), amb.toString());
    assertEquals(1, amb.err().lines().count(), amb.toString());
    // a store the launcher is not sure of: the JVM's, with the same result
    Map<String, Consumer<Path>> odd = new TreeMap<>(Map.of(
        "no tags.json", c -> delete(c.resolve("storage/tags.json")),
        "tags.json with an escape", c -> write(c.resolve("storage/tags.json"), "{\"docker.io/library/\\u0061lpine:latest\": \"sha256:"
            + hex(1) + "\", \"localhost/mine:latest\": \"sha256:" + hex(3) + "\"}"),
        "an image record above ASCII", c -> {
          Path rec = c.resolve("storage/images/" + hex(1) + ".json");
          try {
            write(rec, Files.readString(rec).replaceFirst("\"created\": \"([^\"]*)\"", "\"created\": \"$1\u00e4\""));
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        },
        "a store open to others", c -> chmod(c.resolve("storage"), "rwxr-xr-x"),
        "no layers directory", c -> delete(c.resolve("storage/layers")),
        "an image sandbox's leftovers to sweep", c -> mkdirs(c.resolve("storage/containers/.removing-" + hex(4)))));
    for (var e : odd.entrySet()) {
      Outcome o = tag(base, tagLine("mine", "x"), e.getValue());
      // (tags.json is rewritten from what it says: one with an escape may be taken, the same either way)
      if (!e.getKey().startsWith("no tags.json") && !e.getKey().startsWith("tags.json")) assertFalse(o.fast(), e.getKey() + ": " + o);
    }
    // another command holding the store's lock a moment: the JVM waits for it
    Outcome busy = tag(base, tagLine("mine", "x"), c -> FastPathStores.holdFor(c.resolve("storage/store.lock"), 1500));
    assertFalse(busy.fast(), busy.toString());
    assertEquals(0, busy.code(), busy.toString());
    // the names written by the launcher are the JVM's to read: images lists them
    Path f = stores.lastFast();
    Map<String, String> env = FastPathStores.env(f);
    env.put("JBOX_CHANGE_NO_FAST", "1");
    Jbox.Result r = Jbox.run(List.of("tag", "mine", "seen"), env);
    assertEquals(0, r.code(), r.toString());
    env.remove("JBOX_CHANGE_NO_FAST");
    assertEquals(0, Jbox.run(List.of("tag", "seen", "seen2:v"), env).code());
    env.put("JBOX_IMAGES_NO_FAST", "1");
    r = Jbox.run(List.of("images"), env);
    assertTrue(r.out().lines().anyMatch(l -> l.matches("localhost/seen2 +v +[0-9a-f]{12} .*")), r.toString());
  }

  @Test
  void rmi_ofANameWhoseImageKeepsAnother_untagsAsTheJvmDoes_andEveryOtherRemovalGoesToTheJvm() throws Exception {
    Path base = store();
    String id1 = hex(101);
    // untagging: the image keeps another name (found by full or short name, -f or not, several)
    for (List<String> a : List.of(words("rmi", "docker.io/library/alpine:3.19"), words("rmi", "alpine:3.19"),
        words("rmi", "-f", "docker.io/alpine"), words("rmi", "docker.io/library/alpine", "--force"),
        words("rmi", "deep/path/img:v1"), words("rmi", "example.com:5000/deep/path/img:v1"))) {
      Outcome o = stores.both(base, a, FastPath.change("rmi-fast"), null);
      assertTrue(o.fast(), "no JVM for " + a + ": " + o);
      assertEquals(0, o.code(), o.toString());
      assertTrue(o.out().startsWith("Untagged: "), o.toString());
    }
    Outcome two = stores.both(base, words("rmi", "alpine:3.19", "quay.io/team/alpine"), FastPath.change("rmi-fast"), null);
    assertEquals(new Outcome(0, "Untagged: docker.io/library/alpine:3.19\nUntagged: quay.io/team/alpine:latest\n", "", true), two);
    // the JVM's: the image's last name (it goes), by id, not found, the second name of one image
    // after the first (its last then), an ambiguous name, another option
    for (List<String> a : List.of(words("rmi", "mine"), words("rmi", id1.substring(0, 12)), words("rmi", "sha256:" + hex(3)),
        words("rmi", "nosuch"), words("rmi", "docker.io/library/alpine:3.19", "docker.io/library/alpine:latest"),
        words("rmi", "alpine"), words("rmi", "quay.io/team/alpine", "mine"), words("rmi", "-x", "mine"), words("rmi"),
        words("rmi", "--", "alpine:3.19"), words("rmi", "alpine:3.19", "alpine:3.19"),
        words("rmi", "docker.io/library/alpine@sha256:" + hex(1)))) {
      Outcome o = stores.both(base, a, FastPath.change("rmi-fast"), null);
      assertFalse(o.fast(), "the JVM answers " + a + ": " + o);
    }
  }

  static void delete(Path p) {
    FastPathStores.deleteTree(p);
  }

  static void chmod(Path p, String mode) {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static void mkdirs(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
