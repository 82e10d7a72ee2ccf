package dev.jbox.it;

import static dev.jbox.it.FastPathStores.hex;
import static dev.jbox.it.FastPathStores.image;
import static dev.jbox.it.FastPathStores.tags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox images` without a JVM (helpers/ps_fast.c) against the JVM (JBOX_IMAGES_NO_FAST=1) on one
 * image store whose records and tags are written as ImageStore writes them (ImageRecord.toJson,
 * tags.json from a TreeMap through Json.pretty): an image with three names, one without any, one
 * whose two names sort apart, one never given a creation time, a 160-character name, a name with
 * an escape byte, sizes at each unit's edge, ages from an hour to years. Every form the launcher
 * takes must start no JVM and print the JVM's bytes; the other forms, and every store the launcher
 * is not sure of (a record or tags.json it cannot decode, a name above ASCII, a creation time with
 * an offset, a store the JVM would create or re-mode first), must reach the JVM and answer as it
 * does. The ages are at least 30 minutes from the next step of ImagesCommand.ago, so they cannot
 * change between the two calls of a pair.
 */
class ImagesFastPathTest {
  @TempDir Path tmp;

  static final FastPath IMAGES = FastPath.of("images");

  static Answer jbox(Map<String, String> env, List<String> args, boolean forceJvm) {
    return IMAGES.answer(env, args, forceJvm);
  }

  static Answer same(Map<String, String> env, List<String> args) {
    return IMAGES.same(env, args);
  }

  static List<String> images(String... words) {
    List<String> a = new ArrayList<>(List.of("images"));
    a.addAll(List.of(words));
    return a;
  }

  static final long H = 3600_000, D = 24 * H;

  @Test
  void theLaunchersImagesAreTheJvms_andEveryOtherFormGoesToTheJvm() throws Exception {
    Path base = new FastPathStores(tmp).newImageStore("images");
    Path store = base.resolve("storage");
    Map<String, String> env = FastPathStores.env(base);

    // an empty store: the header alone
    assertTrue(same(env, images()).fast());
    assertEquals("", same(env, images("-q")).out());

    Map<String, String> t = new HashMap<>();
    String alpine = image(store, 1, 3 * D + 12 * H, 999, 100);
    t.put("alpine:latest", alpine);
    t.put("alpine:3.19", alpine);
    t.put("localhost:5000/x/alpine:3", alpine);
    image(store, 2, 90L * 60_000, 1500, 200); // no name
    t.put("busybox:1", image(store, 3, null, 123_456_789, 300));
    String two = image(store, 4, 40 * D + 12 * H, 2_500_000_000L, 300);
    t.put("zz:old", two);
    t.put("aa:new", two);
    t.put("long".repeat(40) + ":tag", image(store, 5, 800 * D, 999_949, 50));
    t.put("img\u001bodd:1", image(store, 6, 5 * H + 30 * 60_000, 999_999, 60));
    t.put("sizes:gb", image(store, 7, 100 * D, 1_005_000_000L, 70));
    t.put("same:pulled", image(store, 8, 20 * D, 1000, 70)); // pulled when 7 was: the names' order
    tags(store, t);

    for (List<String> a : List.of(images(), images("-q"), images("--quiet"), images("--no-trunc"), images("-q", "--no-trunc"),
        images("--no-trunc", "--quiet"))) {
      Answer o = same(env, a);
      assertTrue(o.fast() && o.code() == 0, "no JVM for " + a + ": " + o);
    }
    Answer all = same(env, images());
    for (String want : List.of("<none>", "alpine", "3.19", "localhost:5000/x/alpine", "img\\x1bodd", "unknown", "3 days ago",
        "An hour ago", "5 weeks ago", "2 years ago", "999 B", "1.5 kB", "123.5 MB", "2.50 GB", "999.9 kB", "1000.0 kB", "1.01 GB",
        "long".repeat(40), "5 hours ago", "3 months ago")) {
      assertTrue(all.out().contains(want), want + " in\n" + all.out());
    }
    assertEquals(12, all.out().lines().count(), all.out());
    assertEquals(8, same(env, images("-q")).out().lines().count(), "each id once");

    for (List<String> a : List.of(images("alpine"), images("--format", "json"), images("-f", "dangling=true"), images("-a"),
        images("-q", "-q"), images("nosuch"), images("--"), images("-qa"), images("--no-trunc=true"), images("@x"))) {
      Answer o = same(env, a);
      assertFalse(o.fast(), "the JVM decides " + a + ": " + o);
    }

    // not sure: the JVM answers
    t.put("caf\u00e9:1", alpine);
    tags(store, t);
    assertFalse(same(env, images()).fast(), "a name above ASCII");
    t.remove("caf\u00e9:1");
    tags(store, t);
    Path rec = store.resolve("images").resolve(hex(9) + ".json");
    Files.writeString(rec, "{\"manifestDigest\": \"sha256:" + hex(9) + "\", \"id\": \"sha256:" + hex(9) + "\", \"created\": \"2020-01-01T00:00:00+02:00\","
        + " \"pulled\": \"2020-01-01T00:00:00Z\", \"size\": 5, \"layers\": []}");
    assertFalse(same(env, images()).fast(), "a creation time with an offset");
    Files.writeString(rec, "{\"manifestDigest\": \"sha256:" + hex(9) + "\"");
    Answer broken = same(env, images());
    assertFalse(broken.fast());
    assertEquals(125, broken.code(), "the JVM's error on an unreadable image record: " + broken);
    Files.delete(rec);
    Files.writeString(store.resolve("tags.json"), "{\"a:1\": 5}");
    assertFalse(same(env, images()).fast(), "a tags.json the JVM cannot read");
    tags(store, t);
    assertTrue(same(env, images()).fast());

    // a store the JVM opens first: re-moded, or with a directory made
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
    Answer moded = jbox(env, images(), false);
    assertFalse(moded.fast(), moded.toString());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
    Files.delete(store.resolve("locks"));
    assertFalse(jbox(env, images(), false).fast());
    assertTrue(Files.isDirectory(store.resolve("locks")));
    assertTrue(same(env, images()).fast());
  }
}
