package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox image prune [-a] [-f]} and {@code jbox system prune [-a] [-f] [--volumes]} as podman
 * users call them: the prompt, the ids removed, stopped sandboxes removed, running ones and the
 * images they use kept.
 */
class PruneTest extends ImageRunFixture {
  static String other;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    TestPush p = startRegistry(dir);
    TestImages.push(p, "test/other", "1", List.of(new RawTar().dir("data/", 0755).file("data/x", "other\n").build()),
        "gzip", Platform.host());
    other = reg.host() + "/test/other:1";
  }

  @SuppressWarnings("unchecked")
  private static String imageId(Home j, String image) throws Exception {
    var r = j.run("image", "inspect", image);
    assertEquals(0, r.status(), r.toString());
    return (String) ((List<Map<String, Object>>) (List<?>) Json.parse(r.out())).get(0).get("Id");
  }

  private static List<String> images(Home j) throws Exception {
    var r = j.run("images", "-q", "--no-trunc");
    assertEquals(0, r.status(), r.toString());
    return r.out().lines().map(l -> l.startsWith("sha256:") ? l.substring(7) : l).sorted().toList();
  }

  @Test
  void imagePrune_asksFirst_allRemovesUnusedNamedImages_keepsUsedOnes_printsTheirIds() throws Exception {
    Home j = jbox();
    for (String i : List.of(busybox, layered, other)) assertEquals(0, j.run("pull", "-q", i).status());
    String bb = imageId(j, busybox);
    String lay = imageId(j, layered);
    String oth = imageId(j, other);
    // a kept (exited) sandbox uses busybox
    assertEquals(0, j.launch("run", "--network=none", busybox, "sh", "-c", "exit 0").status());

    var asked = j.run("image", "prune", "-a"); // standard input at its end: the answer is no
    assertEquals(0, asked.status(), asked.toString());
    assertTrue(asked.out().startsWith("WARNING! This command removes all images without at least one container associated with them.\n"
        + "Are you sure you want to continue? [y/N] "), asked.out());
    assertEquals(3, images(j).size(), "nothing removed without a yes");

    var dangling = j.run("image", "prune", "-f");
    assertEquals(0, dangling.status(), dangling.toString());
    assertEquals("", dangling.out(), "every image has a name: none is dangling");

    var all = j.run("image", "prune", "-a", "-f");
    assertEquals(0, all.status(), all.toString());
    assertEquals(List.of(lay, oth).stream().sorted().toList(), all.out().lines().sorted().toList(), all.out());
    assertEquals(List.of(bb), images(j), "the image a sandbox uses stays");
    assertFalse(j.run("images").out().contains("test/other"));
  }

  @Test
  void systemPrune_removesStoppedSandboxes_thenImagesNothingUses_keepsTheRunningOneAndItsImage() throws Exception {
    Home j = jbox();
    for (String i : List.of(busybox, layered, other)) assertEquals(0, j.run("pull", "-q", i).status());
    String bb = imageId(j, busybox);
    String lay = imageId(j, layered);
    String oth = imageId(j, other);
    assertEquals(0, j.launch("run", "--name", "done", "--network=none", busybox, "sh", "-c", "exit 0").status());
    assertEquals(0, j.launch("create", "--name", "made", "--network=none", busybox, "sh", "-c", "exit 0").status());
    assertEquals(0, j.run("volume", "create", "orphan").status());
    var up = j.launch("run", "-d", "--name", "up", "--network=none", "-v", "kept:/data", layered, "sh", "-c", "sleep 120");
    assertEquals(0, up.status(), up.toString());
    try {
      String done = j.run("inspect", "--format", "{{.Id}}", "done").out().strip();
      String made = j.run("inspect", "--format", "{{.Id}}", "made").out().strip();

      var no = j.run("system", "prune");
      assertEquals(0, no.status(), no.toString());
      assertTrue(no.out().startsWith("WARNING! This command removes:\n\t- all stopped containers\n\t- all dangling images\n\n"
          + "Are you sure you want to continue? [y/N] "), no.out());
      assertEquals(3, j.run("ps", "-aq").out().lines().count(), "nothing removed without a yes");

      var r = j.run("system", "prune", "-a", "-f", "--volumes");
      assertEquals(0, r.status(), r.toString());
      List<String> lines = r.out().lines().toList();
      assertEquals("Deleted Containers", lines.get(0), r.out());
      assertEquals(List.of(done, made).stream().sorted().toList(), lines.subList(1, 3).stream().sorted().toList(), r.out());
      assertEquals(List.of("Deleted Volumes", "orphan"), lines.subList(3, 5), r.out());
      assertEquals("Deleted Images", lines.get(5), r.out());
      assertEquals(List.of(bb, oth).stream().sorted().toList(), lines.subList(6, 8).stream().sorted().toList(), r.out());
      assertTrue(lines.get(8).startsWith("Total reclaimed space: "), r.out());
      assertEquals(9, lines.size(), r.out());
      assertEquals("kept\n", j.run("volume", "ls", "-q").out(), "the running sandbox's volume stays");
      assertEquals(List.of(lay), images(j), "the running sandbox's image stays");
      var ps = j.run("ps", "-a", "--format", "{{.Names}}");
      assertEquals("up\n", ps.out(), "only the running sandbox is left");
      assertEquals(1, containers(j).size(), "the removed sandboxes' directories are gone");
    } finally {
      j.run("rm", "-f", "up");
    }
  }
}
