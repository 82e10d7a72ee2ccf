package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.image.registry.ScriptCredentialHelper;
import dev.jbox.image.testing.RawTar;
import dev.jbox.it.Jbox.Home;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull from docker-registry with htpasswd auth: refused anonymously, works after jbox login or
 * with a credential helper's credentials.
 */
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
    Home j = new Home(t.resolve("home"), reg.host());
    String ref = reg.host() + "/private/app:1";
    Home.Run anon = j.run("pull", ref);
    assertEquals(125, anon.status(), anon.out());
    assertTrue(anon.err().contains("jbox: "), anon.err());
    Home.Run login = j.run("login", "--tls-verify=false", "-u", "bob", "-p", "s3cret",
        reg.host());
    assertEquals(0, login.status(), login.err());
    Home.Run r = j.run("pull", ref);
    assertEquals(0, r.status(), r.err());
    assertEquals(image.configDigest().substring(7), r.lastLine());
  }

  @Test
  void pull_throughCredentialHelper_failsWithoutItsCredential(@TempDir Path t) throws Exception {
    Home j = new Home(t.resolve("home"), reg.host());
    ScriptCredentialHelper h = ScriptCredentialHelper.create(t.resolve("helper"), "jboxtest");
    j.pathPrefix = h.bin.toString();
    Files.writeString(j.home.resolve("auth.json"), "{\"credHelpers\":{\"" + reg.host() + "\":\"jboxtest\"}}");
    String ref = reg.host() + "/private/app:1";

    Home.Run none = j.run("pull", ref);
    assertEquals(125, none.status(), none.out());
    assertTrue(none.err().contains("authentication required for " + reg.host()), none.err());

    h.put(reg.host(), "bob", "s3cret");
    Home.Run r = j.run("pull", ref);
    assertEquals(0, r.status(), r.err());
    assertEquals(image.configDigest().substring(7), r.lastLine());
    assertTrue(h.calls().contains("get " + reg.host()), h.calls().toString());
    assertFalse(r.out().contains("s3cret") || r.err().contains("s3cret"));

    j.pathPrefix = null;
    Home.Run missing = j.run("pull", reg.host() + "/private/app:2");
    assertEquals(125, missing.status());
    String[] lines = missing.err().strip().split("\n");
    assertEquals("jbox: credential helper docker-credential-jboxtest (credHelpers in " + j.home.resolve("auth.json")
        + ") not found on PATH; install it or remove the entry", lines[lines.length - 1], missing.err());
    assertTrue(lines.length == 1 || lines[0].contains("is insecure"), missing.err());
  }

  @Test
  void loginLogout_throughCredentialHelper(@TempDir Path t) throws Exception {
    Home j = new Home(t.resolve("home"), reg.host());
    ScriptCredentialHelper h = ScriptCredentialHelper.create(t.resolve("helper"), "jboxtest");
    j.pathPrefix = h.bin.toString();
    Path auth = j.home.resolve("auth.json");
    Files.writeString(auth, "{\"credHelpers\":{\"" + reg.host() + "\":\"jboxtest\"}}");
    Home.Run login = j.run("login", "-u", "bob", "-p", "s3cret", reg.host());
    assertEquals(0, login.status(), login.err());
    assertTrue(login.out().contains("Stored the credentials with docker-credential-jboxtest (credHelpers in "
        + auth + ")"), login.out());
    assertTrue(h.has(reg.host()));
    assertFalse(Files.readString(auth).contains("auths"), "no secret in the file");
    assertEquals(0, j.run("pull", reg.host() + "/private/app:1").status());

    Home.Run logout = j.run("logout", reg.host());
    assertEquals(0, logout.status(), logout.err());
    assertTrue(logout.out().contains("through docker-credential-jboxtest"), logout.out());
    assertFalse(h.has(reg.host()));
  }

  /** JBOX_MUST_WORK-aware assumption for tools the test needs. */
  static final class Assumptions {
    static void require(boolean ok, String what) {
      if (!ok && "1".equals(System.getenv("JBOX_MUST_WORK"))) throw new AssertionError(what);
      org.junit.jupiter.api.Assumptions.assumeTrue(ok, what);
    }
  }
}
