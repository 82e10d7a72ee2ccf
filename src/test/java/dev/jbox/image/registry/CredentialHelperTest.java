package dev.jbox.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credential helpers configured in auth files, driven through a real helper process on PATH. */
class CredentialHelperTest {
  @TempDir Path dir;

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private Path file(String name, String json) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, json);
    return f;
  }

  private static AuthFile auth(ScriptCredentialHelper h, Path... files) {
    return AuthFile.of(List.of(files), files[0]).withHelperPath(h.bin + ":/usr/bin:/bin");
  }

  @Test
  void lookup_credHelpers_helperWinsOverAuthsForItsRegistryOnly() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t")
        .put("reg.example:5000", "helperuser", "helperpw");
    Path f = file("auth.json", "{\"auths\":{\"reg.example:5000\":{\"auth\":\"" + b64("fileuser:filepw") + "\"},"
        + "\"other.example\":{\"auth\":\"" + b64("o:p") + "\"}},"
        + "\"credHelpers\":{\"reg.example:5000\":\"t\"}}");
    AuthFile a = auth(h, f);
    assertEquals(new AuthFile.Credentials("helperuser", "helperpw"), a.lookup("reg.example:5000", "team/app"));
    assertEquals("o", a.lookup("other.example").username());
    assertEquals(List.of("get reg.example:5000"), h.calls(), "only the configured registry asks the helper");
  }

  @Test
  void lookup_helperAnswersCachedPerServer() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t").put("r.io", "u", "p");
    AuthFile a = auth(h, file("auth.json", "{\"credHelpers\":{\"r.io\":\"t\"}}"));
    a.lookup("r.io", "a");
    a.lookup("r.io", "b");
    a.lookup("r.io/ns", null);
    assertEquals(List.of("get r.io"), h.calls());
  }

  @Test
  void lookup_credsStore_defaultForAll_credHelpersStillWin() throws Exception {
    ScriptCredentialHelper store = ScriptCredentialHelper.create(dir.resolve("s"), "store")
        .put("a.io", "storeuser", "x");
    ScriptCredentialHelper.create(dir.resolve("s"), "special").put("b.io", "specialuser", "y");
    Path f = file("config.json", "{\"credsStore\":\"store\",\"credHelpers\":{\"b.io\":\"special\"},"
        + "\"auths\":{\"a.io\":{\"auth\":\"" + b64("ignored:z") + "\"}}}");
    AuthFile a = auth(store, f);
    assertEquals("storeuser", a.lookup("a.io").username());
    assertEquals("specialuser", a.lookup("b.io").username());
    assertNull(a.lookup("c.io"), "the store has nothing: no credentials, no error");
  }

  @Test
  void lookup_helperHasNothing_nextFileAnswers() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t");
    Path first = file("auth.json", "{\"credHelpers\":{\"r.io\":\"t\"},"
        + "\"auths\":{\"r.io\":{\"auth\":\"" + b64("notused:x") + "\"}}}");
    Path second = file("config.json", "{\"auths\":{\"r.io\":{\"auth\":\"" + b64("docker:pw") + "\"}}}");
    assertEquals(new AuthFile.Credentials("docker", "pw"), auth(h, first, second).lookup("r.io"));
  }

  @Test
  void lookup_dockerHub_triesDockersLegacyServerUrlToo() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t")
        .put("https://index.docker.io/v1/", "hubuser", "hubpw");
    AuthFile a = auth(h, file("config.json", "{\"credsStore\":\"t\"}"));
    assertEquals("hubuser", a.lookup("docker.io", "library/alpine").username());
    assertEquals(List.of("get docker.io", "get https://index.docker.io/v1/"), h.calls());
  }

  @Test
  void lookup_identityTokenUser_markedAsIdentityToken() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t").put("r.io", "<token>", "refresh");
    AuthFile.Credentials c = auth(h, file("auth.json", "{\"credHelpers\":{\"r.io\":\"t\"}}")).lookup("r.io");
    assertTrue(c.isIdentityToken());
    assertFalse(new AuthFile.Credentials("bob", "pw").isIdentityToken());
  }

  @Test
  void lookup_missingHelper_oneLineErrorNamingHelperAndFile() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t");
    Path f = file("auth.json", "{\"credHelpers\":{\"r.io\":\"nosuch\"}}");
    JboxException e = assertThrows(JboxException.class, () -> auth(h, f).lookup("r.io"));
    assertEquals("credential helper docker-credential-nosuch (credHelpers in " + f
        + ") not found on PATH; install it or remove the entry", e.getMessage());
  }

  @Test
  void lookup_failingHelper_errorHasItsMessageButNeverTheSecret() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path exe = bin.resolve("docker-credential-bad");
    Files.writeString(exe, "#!/bin/sh\necho 'gpg: decryption failed: No secret key'\necho more >&2\nexit 1\n");
    exe.toFile().setExecutable(true);
    Path f = file("auth.json", "{\"credHelpers\":{\"r.io\":\"bad\"}}");
    AuthFile a = AuthFile.at(f).withHelperPath(bin.toString());
    JboxException e = assertThrows(JboxException.class, () -> a.lookup("r.io"));
    assertEquals("docker-credential-bad get r.io (credHelpers in " + f + ") failed with status 1:"
        + " gpg: decryption failed: No secret key", e.getMessage());

    Files.writeString(exe, "#!/bin/sh\nread -r line\necho \"cannot store $line\"\nexit 3\n");
    JboxException s = assertThrows(JboxException.class, () -> a.login("r.io", "bob", "hunter2", null));
    assertFalse(s.getMessage().contains("hunter2"), s.getMessage());
    assertTrue(s.getMessage().startsWith("docker-credential-bad store r.io"), s.getMessage());
  }

  @Test
  void login_credHelper_storesThroughHelper_fileKeepsNoSecret_logoutErases() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t");
    Path f = file("auth.json", "{\"credHelpers\":{\"r.io:5000\":\"t\"}}");
    AuthFile a = auth(h, f);
    assertEquals("docker-credential-t (credHelpers in " + f + ")", a.writeHelper("r.io:5000", null).describe());
    assertNull(a.writeHelper("other.io", null));
    a.login("r.io:5000", "bob", "pw", null);
    assertTrue(h.has("r.io:5000"));
    assertFalse(Files.readString(f).contains(b64("bob:pw")));
    assertEquals(Map.of("credHelpers", Map.of("r.io:5000", "t")), Json.parseObject(Files.readString(f)));
    assertEquals("bob", auth(h, f).lookup("r.io:5000").username());

    assertTrue(a.logout("r.io:5000", null));
    assertFalse(h.has("r.io:5000"));
    assertFalse(a.logout("r.io:5000", null));
  }

  @Test
  void login_credHelper_namespaceRefused() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t");
    AuthFile a = auth(h, file("auth.json", "{\"credHelpers\":{\"r.io\":\"t\"}}"));
    assertNull(a.writeHelper("r.io/team", null));
    JboxException e = assertThrows(JboxException.class, () -> a.login("r.io/team", "bob", "pw", null));
    assertTrue(e.getMessage().contains("per registry, not per namespace"), e.getMessage());
  }

  @Test
  void login_credsStore_listsRegistryInAuths_logoutAllErasesIt() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t");
    Path f = file("config.json", "{\"credsStore\":\"t\",\"credHelpers\":{\"h.io\":\"t\"}}");
    AuthFile a = auth(h, f);
    a.login("s.io", "bob", "pw", null);
    h.put("h.io", "x", "y");
    assertEquals(Map.of(), ((Map<?, ?>) Json.parseObject(Files.readString(f)).get("auths")).get("s.io"));
    assertEquals(2, a.logoutAll(null));
    assertFalse(h.has("s.io"));
    assertFalse(h.has("h.io"));
    assertEquals("t", Json.parseObject(Files.readString(f)).get("credsStore"), "settings stay");
  }
}
