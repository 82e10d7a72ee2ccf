package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.testing.RawTar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull from docker-registry with htpasswd auth: refused anonymously, works after jbox login. */
class PullAuthTest {
  static TestRegistry reg;
  static TestImages.Pushed image;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    Assumptions.require(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd missing");
    reg = new TestRegistry(dir.resolve("reg"), "bob", "s3cret");
    image = TestImages.push(new TestPush(reg), "private/app", "1",
        List.of(new RawTar().file("secret", "ok\n").build()), "gzip", Platform.host());
  }

  @AfterAll
  static void stop() {
    if (reg != null) reg.close();
  }

  @Test
  void pull_withoutThenWithLogin(@TempDir Path t) throws Exception {
    Jbox j = new Jbox(t.resolve("home"), reg.host());
    String ref = reg.host() + "/private/app:1";
    Jbox.Run anon = j.run("pull", ref);
    assertEquals(125, anon.status(), anon.out());
    assertTrue(anon.err().contains("jbox: "), anon.err());
    Jbox.Run login = j.run("login", "--tls-verify=false", "-u", "bob", "-p", "s3cret",
        reg.host());
    assertEquals(0, login.status(), login.err());
    Jbox.Run r = j.run("pull", ref);
    assertEquals(0, r.status(), r.err());
    assertEquals(image.configDigest().substring(7), r.lastLine());
  }

  /** JBOX_MUST_WORK-aware assumption for tools the test needs. */
  static final class Assumptions {
    static void require(boolean ok, String what) {
      if (!ok && "1".equals(System.getenv("JBOX_MUST_WORK"))) throw new AssertionError(what);
      org.junit.jupiter.api.Assumptions.assumeTrue(ok, what);
    }
  }
}
