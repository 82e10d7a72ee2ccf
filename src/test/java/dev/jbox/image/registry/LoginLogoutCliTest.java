package dev.jbox.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoginLogoutCliTest {
  @TempDir Path dir;
  FakeRegistry reg;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    reg = new FakeRegistry();
    String good = "Basic " + Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8));
    reg.on("/v2/", (ex, n) -> {
      if (good.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        FakeRegistry.send(ex, 200, "application/json", "{}");
      } else {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
        FakeRegistry.send(ex, 401, null, new byte[0]);
      }
    });
  }

  @AfterEach
  void stop() {
    reg.close();
  }

  int jbox(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void login_goodCredentials_savedWithMode0600_logoutRemoves() throws Exception {
    Path f = dir.resolve("auth.json");
    assertEquals(0, jbox("login", "--tls-verify=false", "--authfile", f.toString(), "-u", "bob", "-p", "pw", reg.host()),
        err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("Login Succeeded!"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("is insecure (TLS verification off)"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals("bob", AuthFile.at(f).lookup(reg.host()).username());

    assertEquals(0, jbox("logout", "--authfile", f.toString(), reg.host()));
    assertNull(AuthFile.at(f).lookup(reg.host()));
    err.reset();
    assertEquals(125, jbox("logout", "--authfile", f.toString(), reg.host()));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("jbox: not logged in to " + reg.host()));
  }

  @Test
  void login_badCredentials_deniedAndNothingSaved() {
    Path f = dir.resolve("auth.json");
    assertEquals(125, jbox("login", "--tls-verify=false", "--authfile", f.toString(), "-u", "bob", "-p", "nope", reg.host()));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("authentication denied for " + reg.host()), e);
    assertFalse(Files.exists(f));
  }

  @Test
  void logout_usage_errors() {
    assertEquals(125, jbox("logout", "--authfile", dir.resolve("a.json").toString()));
    assertEquals(125, jbox("logout", "-a", "x.io"));
    assertEquals(0, jbox("logout", "-a", "--authfile", dir.resolve("a.json").toString()));
  }

  @Test
  void login_passwordAndStdinTogether_rejected() {
    assertEquals(125, jbox("login", "-u", "u", "-p", "p", "--password-stdin", "x.io"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot be used together"));
  }
}
