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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {
  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void login_createsFile0600InNewDir0700_andLookupFindsIt(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("run/containers/auth.json");
    AuthFile a = AuthFile.at(f);
    a.login("127.0.0.1:5000", "alice", "s3cr:et", null);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
    assertEquals(new AuthFile.Credentials("alice", "s3cr:et"), a.lookup("127.0.0.1:5000"));
    Map<String, Object> doc = Json.parseObject(Files.readString(f));
    assertEquals(Map.of("auth", b64("alice:s3cr:et")), ((Map<?, ?>) doc.get("auths")).get("127.0.0.1:5000"));
    try (var s = Files.list(f.getParent())) {
      assertEquals(1, s.count(), "no temporary file left behind");
    }
  }

  @Test
  void login_keepsOtherEntriesAndFields_logoutRemovesOne(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("auth.json");
    Files.writeString(f, "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("q:p") + "\"}},\"credHelpers\":{}}");
    AuthFile a = AuthFile.at(f);
    a.login("docker.io", "bob", "pw", null);
    assertEquals("q", a.lookup("quay.io").username());
    assertEquals("bob", a.lookup("docker.io").username());
    assertTrue(Files.readString(f).contains("credHelpers"));
    assertTrue(a.logout("docker.io", null));
    assertNull(a.lookup("docker.io"));
    assertFalse(a.logout("docker.io", null));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals(1, a.logoutAll(null));
    assertNull(a.lookup("quay.io"));
  }

  @Test
  void lookup_dockerConfigLegacyKey_matchesDockerIo(@TempDir Path dir) throws Exception {
    Path docker = dir.resolve("config.json");
    Files.writeString(docker, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("d:p") + "\"},"
        + "\"https://ghcr.io\":{\"auth\":\"" + b64("g:p") + "\"}}}");
    AuthFile a = AuthFile.of(List.of(dir.resolve("missing.json"), docker), dir.resolve("w.json"));
    assertEquals("d", a.lookup("docker.io").username());
    assertEquals("g", a.lookup("ghcr.io").username());
    assertNull(a.lookup("quay.io"));
  }

  @Test
  void lookup_firstFileWins_andNamespaceKeyIsMoreSpecific(@TempDir Path dir) throws Exception {
    Path first = dir.resolve("1.json");
    Path second = dir.resolve("2.json");
    Files.writeString(first, "{\"auths\":{\"quay.io/team\":{\"auth\":\"" + b64("team:p") + "\"}}}");
    Files.writeString(second, "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("host:p") + "\"}}}");
    AuthFile a = AuthFile.of(List.of(first, second), first);
    assertEquals("team", a.lookup("quay.io", "team/app").username());
    assertEquals("host", a.lookup("quay.io", "other/app").username());
    assertEquals("host", a.lookup("quay.io").username());
  }

  @Test
  void lookup_malformedFile_clearError(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("auth.json");
    Files.writeString(f, "{not json");
    JboxException e = assertThrows(JboxException.class, () -> AuthFile.at(f).lookup("x.io"));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    Files.writeString(f, "{\"auths\":{\"x.io\":{\"auth\":\"!!!\"}}}");
    assertThrows(JboxException.class, () -> AuthFile.at(f).lookup("x.io"));
  }

  @Test
  void paths_followPodmanOrder() {
    Map<String, String> env = Map.of("XDG_RUNTIME_DIR", "/run/user/1000");
    assertEquals(List.of(Path.of("/run/user/1000/containers/auth.json"), Path.of("/h/.config/containers/auth.json"),
        Path.of("/h/.docker/config.json")), AuthFile.readPath(env, "/h"));
    assertEquals(Path.of("/run/user/1000/containers/auth.json"), AuthFile.defaultWritePath(env, "/h"));
    assertEquals(Path.of("/h/.config/containers/auth.json"), AuthFile.defaultWritePath(Map.of(), "/h"));
    assertEquals(Path.of("/a.json"), AuthFile.readPath(Map.of("REGISTRY_AUTH_FILE", "/a.json"), "/h").get(0));
  }

  @Test
  void credentials_toStringHidesPassword() {
    assertFalse(new AuthFile.Credentials("u", "hunter2").toString().contains("hunter2"));
  }
}
