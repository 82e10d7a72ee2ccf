package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import dev.jbox.it.Lifetimes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the `jbox run IMAGE` test classes share: a loopback docker-registry serving a busybox image
 * and a two-layer image with a whiteout and an opaque directory, a per-test jbox home, and the
 * wipe of subordinate-id-owned store files through the user namespace.
 */
abstract class ImageRunFixture {
  static TestRegistry reg;
  static String busybox;
  static String layered;

  @TempDir Path t;

  /** Starts the registry and pushes the two shared images; returns the pusher for more. */
  static TestPush startRegistry(Path dir) throws Exception {
    reg = new TestRegistry(dir.resolve("reg"), null, null);
    TestPush p = new TestPush(reg);
    Platform host = Platform.host();
    TestImages.push(p, "test/busybox", "1", List.of(TestImages.busyboxLayer()), "gzip", host);
    busybox = reg.host() + "/test/busybox:1";
    byte[] l2 = new RawTar().dir("etc/", 0755).file("etc/.wh.passwd", "").dir("srv/", 0755)
        .file("srv/.wh..wh..opq", "").file("srv/new", "new\n").build();
    TestImages.push(p, "test/layered", "1", List.of(TestImages.busyboxLayer(), l2), "gzip", host);
    layered = reg.host() + "/test/layered:1";
    return p;
  }

  @AfterAll
  static void stopRegistry() {
    if (reg != null) reg.close();
    reg = null;
  }

  /**
   * Whatever of the test's sandboxes still runs (a failed test's, or one a test leaves running) is
   * removed with rm -f first; then layer and upper-dir files, which belong to subordinate ids and
   * only the user namespace can delete.
   */
  @AfterEach
  void wipe() throws Exception {
    Path run = t.resolve("home/run");
    if (Files.isDirectory(run)) {
      Home j = new Home(t.resolve("home"), reg == null ? "localhost:1" : reg.host());
      Lifetimes.removeLeftovers(run, args -> {
        try {
          return j.run(args.toArray(String[]::new));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, j.storage.resolve("containers"), run.resolve("jbox"));
    }
    for (String d : List.of("home/storage/layers", "home/storage/containers", "home/storage/volumes")) {
      Path p = t.resolve(d);
      if (!Files.exists(p)) continue;
      Process w = jbox().builder(StoreWipe.class.getName(), p.toString()).inheritIO().start();
      assertEquals(0, w.waitFor());
    }
  }

  /** The store's sandbox directories (containers/ID), sorted; none when containers/ is absent. */
  static List<Path> containers(Home j) throws Exception {
    Path c = j.storage.resolve("containers");
    if (!Files.exists(c)) return List.of();
    try (var s = Files.list(c)) {
      return s.sorted().toList();
    }
  }

  Home jbox() throws Exception {
    return new Home(t.resolve("home"), reg.host());
  }
}
