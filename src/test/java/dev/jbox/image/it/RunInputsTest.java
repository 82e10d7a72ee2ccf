package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.it.Jbox.Home;
import dev.jbox.it.TracedPaths;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safety net of a prepared run (issue 14): every path the JVM looks at while it computes a
 * {@code jbox run --rm} plan must be named by the KEY it keeps (RunPrepared), or a run prepared
 * from that KEY could run a plan the JVM would not compute now. The JVM's run of an image, with a
 * jbox.toml layer, runs under {@code strace -f} (JBOX_DEBUG_PLAN_FILE: the plan is written, not run); every path a process of the JVM named in a file
 * system call must be in the KEY or on an allow-list (the JVM's and the C library's files, jbox's
 * classes, what jbox writes: the runtime directory's records, the store's sandbox directories and
 * locks, the store's own directories). An input added later without going through the recorder
 * fails here.
 */
class RunInputsTest extends ImageRunFixture {
  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  @Test
  void everyPathTheJvmLooksAtForARun_isInTheKeptKey() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    Files.createDirectories(j.home.resolve("config/jbox"));
    Files.writeString(j.home.resolve("config/jbox/jbox.toml"), "[run]\nenv = [\"FROM_CONFIG=1\"]\n");
    for (String network : List.of("none", "pasta")) {
      Path trace = t.resolve("strace-" + network + ".txt");
      List<String> argv = new ArrayList<>(List.of("strace", "-f", "-y", "-qq", "-s", "4096", "-e", "trace=%file,readlink,%process",
          "-o", trace.toString()));
      ProcessBuilder pb = j.launcher(List.of("run", "--rm", "--network=" + network, busybox, "sh", "-c", "echo $FROM_CONFIG"));
      argv.addAll(pb.command());
      pb.command(argv);
      pb.environment().put("JBOX_RUN_PREPARED", "1");
      pb.environment().put("JBOX_DEBUG_PRESTART", "1");
      // the plan is written, not run: newuidmap, being traced, would not be setuid
      pb.environment().put("JBOX_DEBUG_PLAN_FILE", t.resolve("plan-" + network).toString());
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Home.Run r = Home.finish(pb.start());
      assertEquals(0, r.status(), r.toString());
      assertTrue(Files.size(t.resolve("plan-" + network)) > 0, r.toString());
      assertTrue(Files.isDirectory(j.home.resolve("run/jbox/runs")), r.toString());
      List<String> keyLines = keyOf(j, network);
      String keyText = String.join("\n", keyLines);
      for (String want : List.of("read " + j.home.resolve("config/jbox/jbox.toml") + " sha256 ", "read " + j.storage.resolve("tags.json"),
          "env JBOX_STORAGE=" + j.storage, "read /etc/subuid sha256 ")) {
        assertTrue(keyText.contains(want), "the KEY has `" + want + "`:\n" + keyText);
      }
      List<String> traced = Files.readAllLines(trace);
      Set<String> missing = TracedPaths.uncovered(traced, keyLines, j.home, anchors(j), (p, call, jvm) -> allowed(j, p, jvm));
      assertTrue(missing.isEmpty(), "--network=" + network + ": paths the JVM looked at that the KEY does not name:\n"
          + String.join("\n", missing) + "\n\nKEY:\n" + keyText);
      // the net catches an input left out: without the store's tags and the toml, both are named
      List<String> partial = new ArrayList<>();
      for (String l : keyLines) if (!l.contains("tags.json") && !l.contains("jbox.toml")) partial.add(l);
      Set<String> caught = TracedPaths.uncovered(traced, partial, j.home, anchors(j), (p, call, jvm) -> allowed(j, p, jvm));
      assertTrue(caught.contains(j.storage.resolve("tags.json").toString())
          && caught.contains(j.home.resolve("config/jbox/jbox.toml").toString()), caught.toString());
    }
  }

  /** The KEY kept for `run --rm --network=N busybox sh -c ...`, without its three stamp lines. */
  static List<String> keyOf(Home j, String network) throws Exception {
    try (var s = Files.list(j.home.resolve("run/jbox/runs"))) {
      for (Path d : s.toList()) {
        List<String> l = Files.readAllLines(d.resolve("key"));
        for (String line : l) {
          // (named by the words up to IMAGE and the command's place: RunPrepared.keyWords)
          if (line.startsWith("value argv=sha256:" + dev.jbox.sandboxes.RunPrepared.argvHash(new String[] {"--rm", "--network=" + network,
              busybox, dev.jbox.sandboxes.RunPrepared.COMMAND_WORD}))) {
            assertEquals("jbox-prestart 1", l.get(0));
            return l.subList(3, l.size());
          }
        }
      }
    }
    throw new AssertionError("no KEY for --network=" + network);
  }

  static List<Path> anchors(Home j) {
    List<Path> a = new ArrayList<>(List.of(Jbox.source(), Path.of("/usr/lib/jvm"), Path.of("/usr/lib/x86_64-linux-gnu"), j.home));
    return a;
  }

  /** What is no input of the run's plan. */
  static boolean allowed(Home j, Path p, Set<Long> jvm) {
    if (TracedPaths.systemFile(p, jvm)) return true;
    // jbox's classes and the helper: the source tree and the test's classpath (jars under ~/.m2)
    if (p.startsWith(Jbox.source())) return true;
    for (String c : System.getProperty("java.class.path").split(File.pathSeparator)) if (!c.isEmpty() && p.startsWith(c)) return true;
    Path realHome = Path.of(System.getProperty("user.home"));
    if (p.startsWith(realHome.resolve(".cache/JNA")) || p.startsWith(realHome.resolve(".m2"))) return true;
    // what jbox writes and reads back itself: the runtime directory (records, the /etc files, the
    // prepared KEY), the store's sandbox directories and locks, JNA's extracted library
    for (Path own : List.of(j.home.resolve("run/jbox"), j.storage.resolve("containers"), j.storage.resolve("locks"),
        j.home.resolve(".cache/jbox/jna"))) {
      if (p.startsWith(own)) return true;
    }
    // the store's own directories, made when missing (what is in them is an input; the listing
    // of images/ is not: its records are named by their manifest digest, one for the digest a tag
    // names, and that record's bytes are in the KEY)
    for (String d : List.of("", "images", "blobs", "blobs/sha256", "layers")) if (p.equals(j.storage.resolve(d))) return true;
    // the parents of the test's own directories
    return j.home.startsWith(p) || (p.startsWith(j.home) && p.getNameCount() == j.home.getNameCount() + 1 && Files.isDirectory(p)
        && List.of("run", "config", "storage", ".cache").contains(p.getFileName().toString()));
  }
}
