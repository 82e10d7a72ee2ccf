package dev.jbox.image.it;

import dev.jbox.it.Jbox.Home;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox shell --image}: the same project and home policy as on the host's root, on a busybox
 * image pulled from the loopback registry, as the unprivileged test account.
 */
class ShellImageTest extends ImageRunFixture {
  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  Home.Run shell(Home j, Path cwd, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("shell"));
    a.addAll(List.of(args));
    ProcessBuilder pb = j.launcher(a);
    pb.directory(cwd.toFile());
    pb.environment().put("SHELL", "/bin/bash");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return Home.finish(pb.start());
  }

  @Test
  void image_sameChecksOnTheImagesRoot() throws Exception {
    Home j = jbox();
    Path home = t.resolve("home");
    Path project = home.resolve("src/app");
    Files.createDirectories(project.resolve(".git/hooks"));
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "PRIVATE KEY\n");
    Files.writeString(home.resolve(".bashrc"), "# host rc\n");
    Files.createDirectories(home.resolve(".m2"));
    long me = ((Number) Files.getAttribute(home, "unix:uid")).longValue();
    try {
      var r = shell(j, project, "--image", busybox, "--", "sh", "-c",
          "id -u; id -g; test -e /usr/bin/python3 || echo image-root; touch /usr/x 2>&1; echo built > out.txt; "
              + "ls -A ~/.ssh; echo added >> ~/.bashrc; echo m > ~/.m2/x; touch .git/hooks/h 2>&1; pwd; exit 7");
      assertEquals(7, r.status(), r.toString());
      String[] l = r.out().split("\n");
      assertEquals(Long.toString(me), l[0], "your own uid inside: " + r);
      assertEquals("image-root", l[2], "the image's userland, not the host's: " + r);
      assertTrue(r.out().contains("Read-only file system"), "the image's root is read-only: " + r);
      assertEquals(me, ((Number) Files.getAttribute(project.resolve("out.txt"), "unix:uid")).longValue());
      assertFalse(r.out().contains("id_ed25519"), r.toString());
      assertEquals("# host rc\n", Files.readString(home.resolve(".bashrc")));
      assertEquals("m\n", Files.readString(home.resolve(".m2/x")));
      assertFalse(Files.exists(project.resolve(".git/hooks/h")));
      assertTrue(r.out().contains(project + "\n"), r.toString());
      var diff = shell(j, project, "--diff");
      assertTrue(diff.out().contains("C " + home.resolve(".bashrc")), diff.toString());
      try (var s = Files.list(home.resolve("run/jbox/shells"))) {
        assertEquals(List.of(), s.filter(Files::isDirectory).toList(), "the session's image layer is removed when it ends");
      }

      var unknown = shell(j, project, "--image", reg.host() + "/test/nope:1", "--", "true");
      assertEquals(125, unknown.status(), unknown.toString());
      // the pull's progress line and the insecure-registry warning come first, as for jbox run
      List<String> errors = unknown.err().lines().filter(x -> x.startsWith("jbox: ") && !x.startsWith("jbox: warning")).toList();
      assertEquals(1, errors.size(), unknown.toString());
      assertTrue(errors.get(0).contains("not found"), unknown.toString());
      try (var s = Files.list(home.resolve("run/jbox/shells"))) {
        assertEquals(List.of(), s.filter(Files::isDirectory).toList(), "nothing left by the failed start");
      }
    } finally {
      var reset = shell(j, project, "--reset");
      assertEquals(0, reset.status(), reset.toString());
    }
  }
}
