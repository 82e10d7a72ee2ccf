package dev.jbox.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.image.Descriptor;
import dev.jbox.image.Digest;
import dev.jbox.image.ImageRef;
import dev.jbox.image.MediaTypes;
import dev.jbox.image.Platform;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryClientTest {
  @TempDir Path dir;
  FakeRegistry reg;
  ByteArrayOutputStream warnings = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    reg = new FakeRegistry();
  }

  @AfterEach
  void stop() {
    reg.close();
  }

  RegistryClient client(String extraToml, AuthFile auth) {
    RegistriesConf conf = RegistriesConf.parse(
        "[[registry]]\nlocation = '" + reg.host() + "'\ninsecure = true\n" + extraToml, Path.of("/test.conf"));
    return RegistryClient.create(conf, auth == null ? AuthFile.of(List.of(), dir.resolve("none.json")) : auth, null,
        new PrintStream(warnings, true, StandardCharsets.UTF_8), Duration.ofSeconds(2));
  }

  RegistryClient client() {
    return client("", null);
  }

  ImageRef ref(String rest) {
    return ImageRef.parse(reg.host() + "/" + rest);
  }

  static byte[] blob(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  static Descriptor layer(byte[] b) {
    return Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256Of(b), b.length);
  }

  static String manifestJson(Descriptor config, Descriptor... layers) {
    StringBuilder s = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
        + desc(config) + ",\"layers\":[");
    for (int i = 0; i < layers.length; i++) s.append(i > 0 ? "," : "").append(desc(layers[i]));
    return s.append("]}").toString();
  }

  static String desc(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  // ---- manifests, index, platform

  @Test
  void resolve_index_selectsPlatformAndVerifiesBoth() throws Exception {
    byte[] cfg = "{}".getBytes(StandardCharsets.UTF_8);
    byte[] arm = manifestJson(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256Of(cfg), 2), layer(blob(10)))
        .getBytes(StandardCharsets.UTF_8);
    byte[] amd = manifestJson(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256Of(cfg), 2), layer(blob(20)))
        .getBytes(StandardCharsets.UTF_8);
    Digest armD = Digest.sha256Of(arm);
    Digest amdD = Digest.sha256Of(amd);
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
        + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + armD + "\",\"size\":" + arm.length
        + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
        + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + amdD + "\",\"size\":" + amd.length
        + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
    reg.on("/v2/app/manifests/1.0", (ex, n) -> {
      ex.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256Of(index).toString());
      FakeRegistry.send(ex, 200, MediaTypes.OCI_INDEX, index);
    });
    reg.on("/v2/app/manifests/" + armD, (ex, n) -> FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, arm));
    reg.on("/v2/app/manifests/" + amdD, (ex, n) -> FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, amd));

    ResolvedManifest r = client().resolve(ref("app:1.0"), Platform.parse("linux/arm64"));
    assertEquals(armD, r.manifestDigest());
    assertEquals(Digest.sha256Of(index), r.indexDigest());
    assertEquals(10, r.manifest().layers().get(0).size());
    assertArrayEquals(arm, r.bytes());
    assertEquals(ref("app:1.0"), r.ref());
    String accept = reg.requestsTo("/v2/app/manifests/1.0").get(0).header("Accept");
    assertTrue(accept.contains(MediaTypes.OCI_INDEX) && accept.contains(MediaTypes.DOCKER_MANIFEST), accept);

    JboxException e = assertThrows(JboxException.class, () -> client().resolve(ref("app:1.0"), Platform.parse("linux/s390x")));
    assertTrue(e.getMessage().contains("available: linux/arm64/v8, linux/amd64"), e.getMessage());
  }

  @Test
  void resolve_singleManifestByTag_headerDigestChecked() throws Exception {
    byte[] m = manifestJson(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256Of(new byte[] {1}), 1)).getBytes(StandardCharsets.UTF_8);
    reg.on("/v2/good/manifests/latest", (ex, n) -> {
      ex.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256Of(m).toString());
      FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, m);
    });
    reg.on("/v2/bad/manifests/latest", (ex, n) -> {
      ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + "0".repeat(64));
      FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, m);
    });
    ResolvedManifest r = client().resolve(ref("good"), Platform.parse("linux/amd64"));
    assertEquals(Digest.sha256Of(m), r.manifestDigest());
    assertNull(r.indexDigest());
    JboxException e = assertThrows(JboxException.class, () -> client().resolve(ref("bad"), Platform.parse("linux/amd64")));
    assertTrue(e.getMessage().contains("digest mismatch: expected sha256:000"), e.getMessage());
    assertTrue(e.getMessage().contains("got " + Digest.sha256Of(m)), e.getMessage());
  }

  @Test
  void resolve_byDigest_bodyMustMatchDigest() throws Exception {
    byte[] m = manifestJson(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256Of(new byte[] {1}), 1)).getBytes(StandardCharsets.UTF_8);
    Digest good = Digest.sha256Of(m);
    Digest other = Digest.sha256Of("other".getBytes(StandardCharsets.UTF_8));
    reg.on("/v2/x/manifests/" + good, (ex, n) -> FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, m));
    reg.on("/v2/x/manifests/" + other, (ex, n) -> FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, m));
    assertEquals(good, client().resolve(ref("x@" + good), Platform.parse("linux/amd64")).manifestDigest());
    JboxException e = assertThrows(JboxException.class, () -> client().resolve(ref("x@" + other), Platform.parse("linux/amd64")));
    assertTrue(e.getMessage().contains("expected " + other + ", got " + good), e.getMessage());
  }

  @Test
  void resolve_notFound_saysManifestUnknown() {
    JboxException e = assertThrows(JboxException.class, () -> client().resolve(ref("alpin"), Platform.parse("linux/amd64")));
    assertEquals("manifest unknown: " + reg.host() + "/alpin:latest (image not found)", e.getMessage());
    assertEquals(1, reg.requestsTo("/v2/alpin/manifests/latest").size(), "a 404 is not retried");
  }

  @Test
  void resolve_schema1_clearError() {
    reg.on("/v2/old/manifests/latest", (ex, n) -> FakeRegistry.send(ex, 200, MediaTypes.DOCKER_SCHEMA1_SIGNED,
        "{\"schemaVersion\":1,\"name\":\"old\",\"fsLayers\":[]}"));
    JboxException e = assertThrows(JboxException.class, () -> client().resolve(ref("old"), Platform.parse("linux/amd64")));
    assertEquals("schema1 manifests are not supported", e.getMessage());
  }

  @Test
  void resolve_oversizedManifest_refused() {
    byte[] big = new byte[(4 << 20) + 10];
    Arrays.fill(big, (byte) ' ');
    reg.on("/v2/big/manifests/latest", (ex, n) -> FakeRegistry.send(ex, 200, MediaTypes.OCI_MANIFEST, big));
    JboxException e = assertThrows(JboxException.class, () -> client().resolve(ref("big"), Platform.parse("linux/amd64")));
    assertTrue(e.getMessage().contains("larger than 4 MiB"), e.getMessage());
  }

  // ---- retries

  @Test
  void fetch_503ThenOk_retried() throws Exception {
    byte[] b = blob(100);
    Descriptor d = layer(b);
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> {
      if (n < 3) FakeRegistry.send(ex, 503, null, new byte[0]);
      else FakeRegistry.send(ex, 200, "application/octet-stream", b);
    });
    assertArrayEquals(b, client().fetchBlobBytes(ref("r"), d, 1000));
    assertEquals(3, reg.requestsTo("/v2/r/blobs/" + d.digest()).size());
  }

  @Test
  void fetch_always503_failsAfterThreeAttempts() {
    Descriptor d = layer(blob(5));
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 503, null, new byte[0]));
    JboxException e = assertThrows(JboxException.class, () -> client().fetchBlobBytes(ref("r"), d, 1000));
    assertTrue(e.getMessage().startsWith("pull blob " + d.digest() + " for " + reg.host() + "/r: HTTP 503"), e.getMessage());
    assertEquals(3, reg.requestsTo("/v2/r/blobs/" + d.digest()).size());
  }

  @Test
  void fetchBlobBytes_tooLargeOrTampered_rejected() {
    byte[] b = blob(50);
    Descriptor d = layer(b);
    assertThrows(JboxException.class, () -> client().fetchBlobBytes(ref("r"), d, 10));
    byte[] evil = b.clone();
    evil[0] ^= 1;
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, evil));
    JboxException e = assertThrows(JboxException.class, () -> client().fetchBlobBytes(ref("r"), d, 100));
    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
  }

  // ---- insecure

  @Test
  void insecure_warnsOnce_andFallsBackToHttp() throws Exception {
    byte[] b = blob(10);
    Descriptor d = layer(b);
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, b));
    RegistryClient c = client();
    c.fetchBlobBytes(ref("r"), d, 100);
    c.fetchBlobBytes(ref("r"), d, 100);
    assertEquals("jbox: warning: registry " + reg.host() + " is insecure (TLS verification off)\n",
        warnings.toString(StandardCharsets.UTF_8));
  }

  @Test
  void secure_plainHttpRegistry_failsWithoutWarningAndSaysWhy() {
    Descriptor d = layer(blob(10));
    RegistryClient c = RegistryClient.create(RegistriesConf.empty(), AuthFile.of(List.of(), dir.resolve("n.json")),
        null, new PrintStream(warnings, true, StandardCharsets.UTF_8), Duration.ofMillis(500));
    JboxException e = assertThrows(JboxException.class, () -> c.fetchBlobBytes(ref("r"), d, 100));
    assertTrue(e.getMessage().contains("speaks plain HTTP"), e.getMessage());
    assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    assertTrue(reg.requestsTo("/v2/r/blobs/" + d.digest()).isEmpty(), "nothing was sent in the clear");
  }

  // ---- mirrors

  @Test
  void mirror_failure_fallsThroughToLocation_andWorkingMirrorIsUsedFirst() throws Exception {
    try (FakeRegistry mirror = new FakeRegistry()) {
      byte[] b = blob(30);
      Descriptor d = layer(b);
      reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, b));
      String toml = "[[registry.mirror]]\nlocation = '" + mirror.host() + "/cache'\ninsecure = true\n";
      assertArrayEquals(b, client(toml, null).fetchBlobBytes(ref("r"), d, 100));
      assertEquals(1, mirror.requestsTo("/v2/cache/r/blobs/" + d.digest()).size());
      assertEquals(1, reg.requestsTo("/v2/r/blobs/" + d.digest()).size());

      mirror.on("/v2/cache/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, b));
      assertArrayEquals(b, client(toml, null).fetchBlobBytes(ref("r"), d, 100));
      assertEquals(1, reg.requestsTo("/v2/r/blobs/" + d.digest()).size(), "the location was not asked again");
    }
  }

  // ---- auth

  static AuthFile authWith(Path dir, String registry, String user, String pass) {
    AuthFile a = AuthFile.at(dir.resolve("auth.json"));
    a.login(registry, user, pass, null);
    return a;
  }

  static String basic(String user, String pass) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
  }

  void bearerRegistry(String path, byte[] body, String[] currentToken) {
    reg.on("/token", (ex, n) -> {
      currentToken[0] = "tok" + n;
      FakeRegistry.send(ex, 200, "application/json", "{\"token\":\"" + currentToken[0] + "\",\"expires_in\":300}");
    });
    reg.on(path, (ex, n) -> {
      if (!("Bearer " + currentToken[0]).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + reg.host()
            + "/token\",service=\"fake\",scope=\"repository:app:pull\"");
        FakeRegistry.send(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
      } else {
        FakeRegistry.send(ex, 200, null, body);
      }
    });
  }

  @Test
  void bearer_tokenFetchedWithScope_cached_andRefreshedOn401() throws Exception {
    byte[] b = blob(40);
    Descriptor d = layer(b);
    String path = "/v2/app/blobs/" + d.digest();
    String[] token = {null};
    bearerRegistry(path, b, token);
    RegistryClient c = client("", authWith(dir, reg.host(), "alice", "pw"));
    assertArrayEquals(b, c.fetchBlobBytes(ref("app"), d, 100));
    List<FakeRegistry.Request> tokenReqs = reg.requestsTo("/token");
    assertEquals(1, tokenReqs.size());
    assertTrue(tokenReqs.get(0).query().contains("scope=repository%3Aapp%3Apull"), tokenReqs.get(0).query());
    assertTrue(tokenReqs.get(0).query().contains("service=fake"), tokenReqs.get(0).query());
    assertEquals(basic("alice", "pw"), tokenReqs.get(0).header("Authorization"));

    assertArrayEquals(b, c.fetchBlobBytes(ref("app"), d, 100));
    assertEquals(1, reg.requestsTo("/token").size(), "token reused");

    token[0] = "expired-on-server";
    assertArrayEquals(b, c.fetchBlobBytes(ref("app"), d, 100));
    assertEquals(2, reg.requestsTo("/token").size(), "token refreshed once after a 401");
  }

  @Test
  void bearer_identityToken_exchangedByOAuth2PostNeverSentAsBasic() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t").put(reg.host(), "<token>", "refresh-1");
    Files.writeString(dir.resolve("auth.json"), "{\"credHelpers\":{\"" + reg.host() + "\":\"t\"}}");
    AuthFile auth = AuthFile.at(dir.resolve("auth.json")).withHelperPath(h.bin.toString());
    byte[] b = blob(30);
    Descriptor d = layer(b);
    String[] form = {null};
    reg.on("/token", (ex, n) -> {
      form[0] = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      FakeRegistry.send(ex, 200, "application/json", "{\"access_token\":\"acc\"}");
    });
    reg.on("/v2/app/blobs/" + d.digest(), (ex, n) -> {
      if ("Bearer acc".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        FakeRegistry.send(ex, 200, null, b);
        return;
      }
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + reg.host() + "/token\",service=\"fake\"");
      FakeRegistry.send(ex, 401, null, new byte[0]);
    });
    assertArrayEquals(b, client("", auth).fetchBlobBytes(ref("app"), d, 100));
    FakeRegistry.Request tr = reg.requestsTo("/token").get(0);
    assertEquals("POST", tr.method());
    assertNull(tr.header("Authorization"));
    assertEquals("grant_type=refresh_token&client_id=jbox&service=fake&scope=repository%3Aapp%3Apull"
        + "&refresh_token=refresh-1", form[0]);
  }

  @Test
  void basic_identityToken_refusedWithoutSendingIt() throws Exception {
    ScriptCredentialHelper h = ScriptCredentialHelper.create(dir.resolve("h"), "t").put(reg.host(), "<token>", "refresh-1");
    Files.writeString(dir.resolve("auth.json"), "{\"credHelpers\":{\"" + reg.host() + "\":\"t\"}}");
    AuthFile auth = AuthFile.at(dir.resolve("auth.json")).withHelperPath(h.bin.toString());
    Descriptor d = layer(blob(5));
    basicRegistry("/v2/app/blobs/" + d.digest(), blob(5));
    JboxException e = assertThrows(JboxException.class, () -> client("", auth).fetchBlobBytes(ref("app"), d, 100));
    assertTrue(e.getMessage().contains("cannot use the identity token"), e.getMessage());
    assertFalse(e.getMessage().contains("refresh-1"));
    for (FakeRegistry.Request r : reg.requests) assertNull(r.header("Authorization"));
  }

  @Test
  void bearer_tokenNeverAccepted_authenticationError() {
    Descriptor d = layer(blob(5));
    reg.on("/token", (ex, n) -> FakeRegistry.send(ex, 200, "application/json", "{\"access_token\":\"useless\"}"));
    reg.on("/v2/app/blobs/" + d.digest(), (ex, n) -> {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + reg.host() + "/token\"");
      FakeRegistry.send(ex, 401, null, new byte[0]);
    });
    JboxException e = assertThrows(JboxException.class, () -> client().fetchBlobBytes(ref("app"), d, 100));
    assertTrue(e.getMessage().endsWith("authentication required for " + reg.host() + " (run jbox login " + reg.host() + ")"),
        e.getMessage());
  }

  @Test
  void bearer_tokenEndpointRefusesCredentials_denied() {
    Descriptor d = layer(blob(5));
    reg.on("/token", (ex, n) -> FakeRegistry.send(ex, 401, null, new byte[0]));
    reg.on("/v2/app/blobs/" + d.digest(), (ex, n) -> {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + reg.host() + "/token\"");
      FakeRegistry.send(ex, 401, null, new byte[0]);
    });
    RegistryClient c = client("", authWith(dir, reg.host(), "alice", "wrong"));
    JboxException e = assertThrows(JboxException.class, () -> c.fetchBlobBytes(ref("app"), d, 100));
    assertEquals("authentication denied for " + reg.host() + " (run jbox login " + reg.host() + ")", e.getMessage());
  }

  void basicRegistry(String path, byte[] body) {
    reg.on(path, (ex, n) -> {
      if (basic("bob", "pw").equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        FakeRegistry.send(ex, 200, null, body);
      } else {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
        FakeRegistry.send(ex, 401, null, new byte[0]);
      }
    });
  }

  @Test
  void basic_rightCredentials_ok_wrongDenied_noneRequired() {
    byte[] b = blob(7);
    Descriptor d = layer(b);
    basicRegistry("/v2/app/blobs/" + d.digest(), b);
    assertArrayEquals(b, client("", authWith(dir.resolve("a"), reg.host(), "bob", "pw")).fetchBlobBytes(ref("app"), d, 100));
    JboxException wrong = assertThrows(JboxException.class,
        () -> client("", authWith(dir.resolve("b"), reg.host(), "bob", "nope")).fetchBlobBytes(ref("app"), d, 100));
    assertTrue(wrong.getMessage().contains("authentication denied for " + reg.host()), wrong.getMessage());
    JboxException none = assertThrows(JboxException.class, () -> client().fetchBlobBytes(ref("app"), d, 100));
    assertTrue(none.getMessage().contains("authentication required for " + reg.host()), none.getMessage());
  }

  @Test
  void checkLogin_verifiesAgainstV2() {
    basicRegistry("/v2/", new byte[0]);
    client().checkLogin(reg.host(), new AuthFile.Credentials("bob", "pw"));
    assertThrows(JboxException.class, () -> client().checkLogin(reg.host(), new AuthFile.Credentials("bob", "bad")));
  }

  @Test
  void fetchBlob_parallelWithBearer_allVerified() throws Exception {
    reg.on("/token", (ex, n) -> FakeRegistry.send(ex, 200, "application/json", "{\"token\":\"fixed\"}"));
    List<byte[]> blobs = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      byte[] b = blob(50_000 + i);
      blobs.add(b);
      Descriptor d = layer(b);
      reg.on("/v2/app/blobs/" + d.digest(), (ex, n) -> {
        if (!"Bearer fixed".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
          ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + reg.host() + "/token\"");
          FakeRegistry.send(ex, 401, null, new byte[0]);
        } else {
          FakeRegistry.send(ex, 200, null, b);
        }
      });
    }
    RegistryClient c = client();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int k = i;
        fs.add(pool.submit(() -> {
          c.fetchBlob(ref("app"), layer(blobs.get(k)), dir.resolve("p" + k), Progress.NONE);
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : fs) f.get();
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < 6; i++) assertArrayEquals(blobs.get(i), Files.readAllBytes(dir.resolve("p" + i)));
  }

  // ---- redirects

  @Test
  void redirect_toOtherHost_dropsAuthorization_sameHostKeepsIt() throws Exception {
    try (FakeRegistry storage = new FakeRegistry()) {
      byte[] b = blob(64);
      Descriptor d = layer(b);
      storage.on("/store/blob", (ex, n) -> FakeRegistry.send(ex, 200, null, b));
      reg.on("/same/blob", (ex, n) -> FakeRegistry.send(ex, 200, null, b));
      String path = "/v2/app/blobs/" + d.digest();
      boolean[] sameHost = {false};
      reg.on(path, (ex, n) -> {
        if (!basic("bob", "pw").equals(ex.getRequestHeaders().getFirst("Authorization"))) {
          ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
          FakeRegistry.send(ex, 401, null, new byte[0]);
          return;
        }
        // "localhost" is another host name than "127.0.0.1", as a CDN would be.
        ex.getResponseHeaders().set("Location", sameHost[0] ? "/same/blob"
            : "http://localhost:" + storage.port() + "/store/blob?sig=1");
        FakeRegistry.send(ex, 307, null, new byte[0]);
      });
      RegistryClient c = client("", authWith(dir, reg.host(), "bob", "pw"));
      c.fetchBlob(ref("app"), d, dir.resolve("blob"), Progress.NONE);
      assertArrayEquals(b, Files.readAllBytes(dir.resolve("blob")));
      assertNull(storage.requestsTo("/store/blob").get(0).header("Authorization"));

      sameHost[0] = true;
      c.fetchBlob(ref("app"), d, dir.resolve("blob2"), Progress.NONE);
      assertEquals(basic("bob", "pw"), reg.requestsTo("/same/blob").get(0).header("Authorization"));
    }
  }

  // ---- blobs to disk

  @Test
  void fetchBlob_good_writesDestAndNoPartial() throws Exception {
    byte[] b = blob(200_000);
    Descriptor d = layer(b);
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, b));
    long[] last = {0};
    boolean[] done = {false};
    Path dest = dir.resolve("b");
    client().fetchBlob(ref("r"), d, dest, new Progress() {
      @Override
      public void update(Descriptor x, long got, long total) {
        last[0] = got;
      }

      @Override
      public void done(Descriptor x) {
        done[0] = true;
      }
    });
    assertArrayEquals(b, Files.readAllBytes(dest));
    assertFalse(Files.exists(dir.resolve("b.partial")));
    assertEquals(b.length, last[0]);
    assertTrue(done[0]);
  }

  @Test
  void fetchBlob_digestMismatch_namesBothAndLeavesNothing() throws Exception {
    byte[] b = blob(1000);
    Descriptor d = layer(b);
    byte[] evil = b.clone();
    evil[500] ^= 0x55;
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, evil));
    Path dest = dir.resolve("b");
    JboxException e = assertThrows(JboxException.class, () -> client().fetchBlob(ref("r"), d, dest, Progress.NONE));
    assertEquals("blob " + d.digest() + ": digest mismatch: expected " + d.digest() + ", got " + Digest.sha256Of(evil),
        e.getMessage());
    assertFalse(Files.exists(dest));
    assertFalse(Files.exists(dir.resolve("b.partial")));
    assertEquals(1, reg.requestsTo("/v2/r/blobs/" + d.digest()).size(), "a mismatch is not retried");
  }

  @Test
  void fetchBlob_sizeMismatch_longerOrShorter_leavesNothing() throws Exception {
    byte[] b = blob(1000);
    Descriptor d = layer(b);
    byte[] longer = Arrays.copyOf(b, 1001);
    reg.on("/v2/long/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, longer));
    reg.on("/v2/short/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, Arrays.copyOf(b, 999)));
    Path dest = dir.resolve("b");
    JboxException e1 = assertThrows(JboxException.class, () -> client().fetchBlob(ref("long"), d, dest, Progress.NONE));
    assertEquals("blob " + d.digest() + ": size mismatch: expected 1000 bytes, got more", e1.getMessage());
    JboxException e2 = assertThrows(JboxException.class, () -> client().fetchBlob(ref("short"), d, dest, Progress.NONE));
    assertEquals("blob " + d.digest() + ": size mismatch: expected 1000 bytes, got 999", e2.getMessage());
    assertFalse(Files.exists(dest));
    assertFalse(Files.exists(dir.resolve("b.partial")));
  }

  @Test
  void fetchBlob_connectionDroppedMidBlob_resumesWithRange() throws Exception {
    byte[] b = blob(300_000);
    Descriptor d = layer(b);
    int cut = 100_000;
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> {
      if (n == 1) {
        ex.sendResponseHeaders(200, b.length);
        OutputStream o = ex.getResponseBody();
        o.write(b, 0, cut);
        o.flush();
        throw new java.io.IOException("simulated drop"); // HttpServer closes the connection
      }
      serveRange(ex, b);
    });
    Path dest = dir.resolve("b");
    client().fetchBlob(ref("r"), d, dest, Progress.NONE);
    assertArrayEquals(b, Files.readAllBytes(dest));
    List<FakeRegistry.Request> reqs = reg.requestsTo("/v2/r/blobs/" + d.digest());
    assertEquals(2, reqs.size());
    assertNull(reqs.get(0).header("Range"));
    String range = reqs.get(1).header("Range");
    assertTrue(range != null && range.startsWith("bytes=") && !range.equals("bytes=0-"), range);
  }

  @Test
  void fetchBlob_existingPartial_rehashedAndResumed() throws Exception {
    byte[] b = blob(50_000);
    Descriptor d = layer(b);
    Path dest = dir.resolve("b");
    Files.write(dir.resolve("b.partial"), Arrays.copyOf(b, 20_000));
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> serveRange(ex, b));
    client().fetchBlob(ref("r"), d, dest, Progress.NONE);
    assertArrayEquals(b, Files.readAllBytes(dest));
    assertEquals("bytes=20000-", reg.requestsTo("/v2/r/blobs/" + d.digest()).get(0).header("Range"));
    assertFalse(Files.exists(dir.resolve("b.partial")));
  }

  @Test
  void fetchBlob_corruptExistingPartial_mismatchAndRemoved() throws Exception {
    byte[] b = blob(50_000);
    Descriptor d = layer(b);
    Path dest = dir.resolve("b");
    byte[] bad = Arrays.copyOf(b, 20_000);
    bad[3] ^= 1;
    Files.write(dir.resolve("b.partial"), bad);
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> serveRange(ex, b));
    JboxException e = assertThrows(JboxException.class, () -> client().fetchBlob(ref("r"), d, dest, Progress.NONE));
    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
    assertFalse(Files.exists(dest));
    assertFalse(Files.exists(dir.resolve("b.partial")));
    // the next pull starts clean and succeeds
    client().fetchBlob(ref("r"), d, dest, Progress.NONE);
    assertArrayEquals(b, Files.readAllBytes(dest));
  }

  @Test
  void fetchBlob_serverIgnoresRange_restartsFromZero() throws Exception {
    byte[] b = blob(40_000);
    Descriptor d = layer(b);
    Path dest = dir.resolve("b");
    Files.write(dir.resolve("b.partial"), Arrays.copyOf(b, 10_000));
    reg.on("/v2/r/blobs/" + d.digest(), (ex, n) -> FakeRegistry.send(ex, 200, null, b));
    client().fetchBlob(ref("r"), d, dest, Progress.NONE);
    assertArrayEquals(b, Files.readAllBytes(dest));
    assertEquals("bytes=10000-", reg.requestsTo("/v2/r/blobs/" + d.digest()).get(0).header("Range"));
  }

  @Test
  void fetchBlob_completePartial_verifiedWithoutRequest() throws Exception {
    byte[] b = blob(1234);
    Descriptor d = layer(b);
    Files.write(dir.resolve("b.partial"), b);
    client().fetchBlob(ref("r"), d, dir.resolve("b"), Progress.NONE);
    assertArrayEquals(b, Files.readAllBytes(dir.resolve("b")));
    assertTrue(reg.requestsTo("/v2/r/blobs/" + d.digest()).isEmpty());
  }

  static void serveRange(com.sun.net.httpserver.HttpExchange ex, byte[] b) throws java.io.IOException {
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range == null) {
      FakeRegistry.send(ex, 200, null, b);
      return;
    }
    int start = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
    ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (b.length - 1) + "/" + b.length);
    FakeRegistry.send(ex, 206, null, Arrays.copyOfRange(b, start, b.length));
  }
}
