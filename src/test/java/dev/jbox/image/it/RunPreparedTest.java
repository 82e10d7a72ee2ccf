package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.it.Jbox.Home;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KEY of a prepared {@code jbox run --rm} (issue 14, RunPrepared and helpers/run_prepared.c),
 * as the test account through the real launcher against a loopback registry: the JVM keeps it for
 * the forms it prepares (and for no other), the launcher finds it fresh for the same words and
 * stale after each change of what the plan came from (the image re-tagged to another id, the
 * image removed, the configuration, the environment, the store moved, the KEY truncated, garbage,
 * another mode, a symlink), and the run is right every time (the launcher's own when the KEY is fresh:
 * RunFastTest).
 */
class RunPreparedTest extends ImageRunFixture {
  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  /** jbox ARGS through the launcher with JBOX_RUN_PREPARED=1 and JBOX_TRACE=1 (extra: more, a null value removes). */
  static Home.Run launch(Home j, Map<String, String> extra, String... args) throws Exception {
    ProcessBuilder pb = j.launcher(List.of(args));
    pb.environment().put("JBOX_RUN_PREPARED", "1");
    pb.environment().put("JBOX_TRACE", "1");
    pb.environment().put("JBOX_DEBUG_PRESTART", "1");
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getValue() == null) pb.environment().remove(e.getKey());
      else pb.environment().put(e.getKey(), e.getValue());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return Home.finish(pb.start());
  }

  static Home.Run launch(Home j, String... args) throws Exception {
    return launch(j, Map.of(), args);
  }

  /** The launcher's answer for this run: "fresh", "stale: WHY", or null when it did not check. */
  static String answer(Home.Run r) {
    for (String l : r.err().split("\n")) {
      if (l.startsWith("jbox: run-prepared: ")) return l.substring("jbox: run-prepared: ".length());
    }
    return null;
  }

  static void fresh(Home.Run r) {
    assertEquals("fresh", answer(r), r.toString());
    assertTrue(r.err().contains("jbox-trace run-prepared-fresh "), r.err());
  }

  static void stale(Home.Run r, String why) {
    String a = answer(r);
    assertTrue(a != null && a.startsWith("stale: " + why), "stale: " + why + "... expected: " + r);
    assertTrue(r.err().contains("jbox-trace run-prepared-stale "), r.err());
  }

  static List<Path> prepared(Home j) throws Exception {
    Path runs = j.home.resolve("run/jbox/runs");
    if (!Files.isDirectory(runs)) return List.of();
    try (var s = Files.list(runs)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".prepared")).sorted().toList();
    }
  }

  static Path key(Home j) throws Exception {
    List<Path> p = prepared(j);
    assertEquals(1, p.size(), p.toString());
    return p.get(0).resolve("key");
  }

  @Test
  void keptForTheFormsItPrepares_freshForTheSameWords_staleAfterEachChange() throws Exception {
    Home j = jbox();
    // a run that pulls keeps no KEY: the store's tags.json it found absent is there once it ran
    String[] run = {"run", "--rm", "--network=none", busybox, "sh", "-c", "echo out; echo err >&2; exit 7"};
    var pulled = launch(j, run);
    assertEquals(7, pulled.status(), pulled.toString());
    stale(pulled, "none:");
    assertEquals(List.of(), prepared(j));
    var first = launch(j, run);
    assertEquals(7, first.status(), first.toString());
    assertEquals("out\n", first.out());
    stale(first, "none:");
    Path key = key(j);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
    String text = Files.readString(key);
    for (String want : List.of("jbox-prestart 1\njar ", "\nhelper ", "\nvalue argv=sha256:", "\nvalue store=" + j.home.resolve("run/jbox"),
        "\nenv JBOX_STORAGE=" + j.storage, "\nread " + j.storage.resolve("tags.json") + " sha256 ",
        "\nread " + j.storage.resolve("blobs/sha256") + "/", "/layer.json sha256 ", "\nread /etc/subuid sha256 ", "\nvalue ids=")) {
      assertTrue(text.contains(want), "the KEY has `" + want + "`:\n" + text);
    }
    assertFalse(text.contains(" error "), text);

    // the same words again: fresh, and the JVM's run as before
    var second = launch(j, run);
    fresh(second);
    assertEquals(7, second.status(), second.toString());
    assertEquals("out\n", second.out());
    assertTrue(Jbox.withoutTrace(second.err()).contains("err\n"), second.err());
    assertEquals(List.of(), containers(j), "--rm left nothing");

    // other words have a KEY of their own
    var other = launch(j, "run", "--rm", "--network", "none", "-i", busybox, "sh", "-c", "echo hi");
    stale(other, "none:");
    assertEquals("hi\n", other.out());
    assertEquals(2, prepared(j).size());
    fresh(launch(j, "run", "--rm", "--network", "none", "-i", busybox, "sh", "-c", "echo hi"));

    // the configuration changed
    Files.createDirectories(j.home.resolve("config/jbox"));
    Files.writeString(j.home.resolve("config/jbox/jbox.toml"), "[run]\nenv = [\"FROM_CONFIG=1\"]\n");
    var configured = launch(j, run);
    stale(configured, "changed:");
    assertEquals(7, configured.status(), configured.toString());
    fresh(launch(j, run));

    // the environment the JVM read changed: the store moved
    Path moved = t.resolve("home/storage/moved");
    try {
      // (the image pulled there first: a run that pulls keeps no KEY)
      ProcessBuilder pull = j.builder("dev.jbox.cli.Main", "pull", "-q", busybox);
      pull.environment().put("JBOX_STORAGE", moved.toString());
      assertEquals(0, Home.finish(pull.start()).status());
      var elsewhere = launch(j, Map.of("JBOX_STORAGE", moved.toString()), run);
      stale(elsewhere, "changed: JBOX_STORAGE");
      assertEquals(7, elsewhere.status(), elsewhere.toString());
      assertEquals("out\n", elsewhere.out());
    } finally {
      for (String d : List.of("layers", "containers")) {
        if (!Files.exists(moved.resolve(d))) continue;
        Process w = jbox().builder(StoreWipe.class.getName(), moved.resolve(d).toString()).inheritIO().start();
        assertEquals(0, w.waitFor());
      }
    }
    // (the KEY is the moved store's now: back in the first store it is stale once)
    stale(launch(j, run), "changed: JBOX_STORAGE");
    fresh(launch(j, run));

    // the name re-tagged to another image: the KEY is stale and the JVM runs the other image
    assertEquals(0, j.run("pull", "-q", layered).status());
    stale(launch(j, run), "changed:"); // (another image pulled: tags.json changed)
    fresh(launch(j, run));
    String[] srv = {"run", "--rm", "--network=none", busybox, "sh", "-c", "cat /srv/new"};
    var missing = launch(j, srv);
    assertEquals(1, missing.status(), missing.toString()); // busybox has no /srv/new
    fresh(launch(j, srv));
    assertEquals(0, j.run("tag", layered, busybox).status());
    var retagged = launch(j, srv);
    stale(retagged, "changed:");
    assertEquals(0, retagged.status(), retagged.toString());
    assertEquals("new\n", retagged.out());

    // the image removed: stale, and the JVM pulls it again
    assertEquals(0, j.run("rmi", busybox).status());
    var removed = launch(j, srv);
    stale(removed, "changed:");
    assertEquals(1, removed.status(), removed.toString()); // the registry's busybox again
    // (that run pulled: what it read of the store is no longer true, so it kept nothing)
    stale(launch(j, srv), "none:");
    fresh(launch(j, srv));
  }

  @Test
  void aKeyThatIsNotTheCallersOwn0600File_isStale_andTheJvmWritesItAgain() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    String[] run = {"run", "--rm", "--network=none", busybox, "sh", "-c", ":"};
    assertEquals(0, launch(j, run).status());
    Path key = key(j);
    String good = Files.readString(key);
    fresh(launch(j, run));

    Files.writeString(key, good.substring(0, good.length() / 2));
    var truncated = launch(j, run);
    stale(truncated, "not a KEY");
    assertEquals(0, truncated.status(), truncated.toString());
    fresh(launch(j, run)); // the JVM wrote the KEY again

    Files.write(key, new byte[] {'j', 0, (byte) 0xff, '\n'});
    stale(launch(j, run), "not a KEY");
    fresh(launch(j, run));

    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    stale(launch(j, run), "not the caller's own 0600 file");
    fresh(launch(j, run));

    // a symlink for the KEY, and for its directory
    Path elsewhere = t.resolve("elsewhere");
    Files.createDirectories(elsewhere);
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
    Files.copy(key, elsewhere.resolve("key"));
    Files.delete(key);
    Files.createSymbolicLink(key, elsewhere.resolve("key"));
    stale(launch(j, run), "not the caller's own 0600 file");
    fresh(launch(j, run));
    Path dir = key.getParent();
    Files.copy(key, elsewhere.resolve("key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (var l = Files.list(dir)) {
      for (Path f : l.toList()) Files.delete(f); // the KEY and the templates beside it
    }
    Files.delete(dir);
    Files.createSymbolicLink(dir, elsewhere);
    var linked = launch(j, run);
    stale(linked, "cannot open:");
    assertEquals(0, linked.status(), linked.toString());

    // a shell's KEY put in its place (no words of a run in it) is refused
    Files.delete(dir);
    assertEquals(0, launch(j, run).status());
    Files.writeString(key, good.replaceAll("\nvalue argv=[^\n]*", "").replace("\nvalue store=", "\nvalue options={}\nvalue store="));
    stale(launch(j, run), "not a run's KEY");
  }

  @Test
  void onlyThePreparedForms_andOnlyWithTheSwitch() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    String id = j.run("images", "-q", "--no-trunc").out().strip().replace("sha256:", "");
    for (List<String> words : List.of(List.of("run", "--rm", "-e", "A=1", busybox, "sh", "-c", ":"), List.of("run", busybox, "sh", "-c", ":"),
        List.of("run", "--rm", "--network=host", busybox, "sh", "-c", ":"), List.of("run", "--rm", "--init", busybox, "sh", "-c", ":"),
        List.of("run", "--rm", id.substring(0, 12), "sh", "-c", ":"), List.of("run", "--rm", "--rm=false", busybox, "sh", "-c", ":"))) {
      var r = launch(j, words.toArray(String[]::new));
      stale(r, "none:");
      assertEquals(List.of(), prepared(j), words + " kept nothing");
    }
    // the switch off (JBOX_RUN_PREPARED=0): the launcher does not look and the JVM keeps nothing
    for (String off : new String[] {"0"}) {
      Map<String, String> e = new HashMap<>();
      e.put("JBOX_RUN_PREPARED", off);
      var r = launch(j, e, "run", "--rm", "--network=none", busybox, "sh", "-c", ":");
      assertEquals(0, r.status(), r.toString());
      assertEquals(null, answer(r), r.err());
      assertFalse(r.err().contains("run-prepared"), r.err());
      assertEquals(List.of(), prepared(j));
    }
  }
}
