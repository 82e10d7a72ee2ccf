package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.image.Descriptor;
import dev.jbox.image.ImageIndex;
import dev.jbox.image.ImageRef;
import dev.jbox.image.Manifest;
import dev.jbox.image.MediaTypes;
import dev.jbox.image.Platform;
import dev.jbox.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client of the OCI distribution API that does what every endpoint shares: authentication
 * (anonymous, Bearer tokens, Basic), retries with backoff, mirrors, insecure registries and
 * redirects; the endpoints themselves ({@link ManifestPuller}, {@link BlobPuller}, ...) read the
 * responses. Safe for concurrent use by several download threads.
 */
public final class RegistryClient {
  private static final int ATTEMPTS = 3;
  private static final long[] BACKOFF_MS = {200, 800};
  private static final int MAX_REDIRECTS = 10;
  private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final RegistriesConf conf;
  private final AuthFile auth;
  private final Boolean tlsVerify;
  private final PrintStream warnings;
  // Built on first use: each has a selector thread, and the verifying one's default SSLContext
  // reads the JDK's cacerts (30-40 ms of a pull from a plain-HTTP registry, which needs neither).
  private final Duration connectTimeout;
  private HttpClient verifying;
  private HttpClient trustAll;
  private HttpClient plain;
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final Set<String> basicRegistries = ConcurrentHashMap.newKeySet();
  private final Map<String, String> schemes = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Where to send requests for one registry and whether TLS verification is off there. */
  private record Target(String registry, String apiHost, boolean insecure) {}

  private RegistryClient(
      RegistriesConf conf, AuthFile auth, Boolean tlsVerify, PrintStream warnings, Duration connectTimeout) {
    this.conf = Objects.requireNonNull(conf);
    this.auth = Objects.requireNonNull(auth);
    this.tlsVerify = tlsVerify;
    this.warnings = warnings == null ? System.err : warnings;
    this.connectTimeout = connectTimeout;
  }

  /**
   * A client; {@code tlsVerify} null follows each registry's {@code insecure} setting, false turns
   * verification off everywhere, true keeps it on everywhere.
   */
  public static RegistryClient create(RegistriesConf conf, AuthFile auth, Boolean tlsVerify, PrintStream warnings) {
    return new RegistryClient(conf, auth, tlsVerify, warnings, CONNECT_TIMEOUT);
  }

  /** A client with another connect (and TLS handshake) timeout, for tests. */
  static RegistryClient create(
      RegistriesConf conf, AuthFile auth, Boolean tlsVerify, PrintStream warnings, Duration connectTimeout) {
    return new RegistryClient(conf, auth, tlsVerify, warnings, connectTimeout);
  }

  /**
   * Fetches the manifest {@code ref} names and, when it is an index, the manifest for
   * {@code platform}; every manifest's digest (and size, when known) is verified.
   */
  public ResolvedManifest resolve(ImageRef ref, Platform platform) {
    ManifestPuller.Fetched top = onSources(ref, r -> new ManifestPuller(r));
    String mt = Manifest.mediaTypeOf(top.bytes(), top.contentType());
    if (MediaTypes.isIndex(mt)) {
      ImageIndex index = ImageIndex.parse(top.bytes(), top.contentType());
      Descriptor d = index.select(platform);
      ManifestPuller.Fetched m = onSources(ref, r -> new ManifestPuller(r, d.digest(), d.size()));
      Manifest manifest = Manifest.parse(m.bytes(), m.contentType());
      return new ResolvedManifest(ref, m.digest(), manifest.mediaType(), m.bytes(), manifest, top.digest());
    }
    if (!MediaTypes.isManifest(mt)) {
      throw new JboxException("pull manifest for " + ref.familiar() + ": unsupported media type \"" + mt + "\"");
    }
    Manifest manifest = Manifest.parse(top.bytes(), top.contentType());
    return new ResolvedManifest(ref, top.digest(), manifest.mediaType(), top.bytes(), manifest, null);
  }

  /** A small blob (a config) in memory, verified; larger than {@code maxSize} is an error. */
  public byte[] fetchBlobBytes(ImageRef ref, Descriptor d, long maxSize) {
    return onSources(ref, r -> new BlobBytesPuller(r, d, maxSize));
  }

  /**
   * Downloads a blob to {@code dest} through {@code dest.partial}, verifying size and digest while
   * streaming and resuming after interruptions; on a mismatch nothing is left at either path.
   */
  public void fetchBlob(ImageRef ref, Descriptor d, Path dest, Progress progress) {
    Objects.requireNonNull(dest);
    List<RegistriesConf.Source> sources = conf.endpointFor(ref).sources();
    for (int i = 0; i < sources.size(); i++) {
      RegistriesConf.Source s = sources.get(i);
      BlobPuller puller = new BlobPuller(s.ref(), d, dest, progress);
      try {
        puller.resumeExisting();
        if (puller.complete()) {
          puller.finish();
        } else {
          call(target(s.ref().registry(), s.insecure()), puller, scope(s.ref()), creds(s.ref()));
        }
        return;
      } catch (IOException e) {
        JboxException je = new JboxException(puller.actionDescription() + ": " + describe(e), e);
        if (i == sources.size() - 1) throw je;
      } catch (JboxException e) {
        if (i == sources.size() - 1) throw e;
      }
    }
  }

  /**
   * Verifies credentials against a registry's {@code /v2/} endpoint, as {@code jbox login} does
   * before saving them; fails with "authentication denied" when the registry refuses them.
   */
  public void checkLogin(String registry, AuthFile.Credentials creds) {
    Objects.requireNonNull(creds);
    call(target(registry, conf.isInsecure(registry)), new ApiVersionChecker(registry), null, creds);
  }

  private <T> T onSources(ImageRef ref, Function<ImageRef, RegistryEndpoint<T>> make) {
    List<RegistriesConf.Source> sources = conf.endpointFor(ref).sources();
    StringBuilder answers = new StringBuilder();
    for (int i = 0; ; i++) {
      RegistriesConf.Source s = sources.get(i);
      try {
        return call(target(s.ref().registry(), s.insecure()), make.apply(s.ref()), scope(s.ref()), creds(s.ref()));
      } catch (JboxException e) {
        // A mirror that fails for any reason falls through to the next source; when all fail, each
        // one's answer is told (a mirror's "manifest unknown" is not hidden by a refused connection)
        if (sources.size() == 1) throw e;
        answers.append(i == 0 ? "" : "; ").append(e.getMessage());
        if (i == sources.size() - 1) throw new JboxException(answers.toString(), e);
      }
    }
  }

  private Target target(String registry, boolean confInsecure) {
    boolean insecure = tlsVerify != null ? !tlsVerify : confInsecure;
    if (insecure && warned.add(registry) && InsecureNotices.firstInSession(registry, System.getenv())) {
      warnings.println("jbox: warning: registry " + registry + " is insecure (TLS verification off)");
    }
    String apiHost = registry.equals(ImageRef.DOCKER_HUB) ? "registry-1.docker.io" : registry;
    return new Target(registry, apiHost, insecure);
  }

  private static String scope(ImageRef ref) {
    return "repository:" + ref.repository() + ":pull";
  }

  private AuthFile.Credentials creds(ImageRef ref) {
    return auth.lookup(ref.registry(), ref.repository());
  }

  // Transport errors, 5xx and 429 are retried with backoff; a JboxException (a verified mismatch,
  // a 404, refused credentials) is final. A resumable endpoint asks for a range on each attempt.
  private <T> T call(Target t, RegistryEndpoint<T> ep, String scope, AuthFile.Credentials creds) {
    for (int attempt = 1; ; attempt++) {
      try {
        try (Response r = authorized(t, ep, scope, creds)) {
          int s = r.status();
          if (s / 100 == 2) return ep.handle(r);
          if (s == 401 || s == 403) throw authError(ep, t.registry(), creds);
          if (s >= 500 || s == 429) throw new IOException("HTTP " + s + statusMessage(r));
          JboxException e = ep.error(s, registryMessage(r));
          if (e != null) throw e;
          throw new IOException("HTTP " + s);
        }
      } catch (IOException e) {
        if (attempt >= ATTEMPTS) throw new JboxException(ep.actionDescription() + ": " + describe(e), e);
        sleep(BACKOFF_MS[attempt - 1]);
      }
    }
  }

  // One request with the cached authorization; on 401 the challenge says how to authenticate
  // (a new token for this scope, or Basic), and the request is sent once more.
  private Response authorized(Target t, RegistryEndpoint<?> ep, String scope, AuthFile.Credentials creds)
      throws IOException {
    String key = t.registry() + " " + scope;
    String authz = null;
    String token = tokens.get(key);
    if (token != null) authz = "Bearer " + token;
    else if (creds != null && !creds.isIdentityToken() && basicRegistries.contains(t.registry())) {
      authz = creds.basicHeader();
    }
    Response r = send(t, ep.path(), ep.headers(), authz);
    if (r.status() != 401) return r;
    Challenge c = Challenge.pick(r.headers().allValues("WWW-Authenticate"));
    r.close();
    if (c == null) throw authError(ep, t.registry(), creds);
    if (c.isBearer()) {
      String fresh = fetchToken(t, new TokenFetcher(t.registry(), c, scope, creds));
      tokens.put(key, fresh);
      authz = "Bearer " + fresh;
    } else if (c.isBasic()) {
      if (creds == null) throw authError(ep, t.registry(), null);
      if (creds.isIdentityToken()) {
        throw new JboxException(ep.actionDescription() + ": " + t.registry() + " asks for Basic authentication,"
            + " which cannot use the identity token its credential helper returned");
      }
      basicRegistries.add(t.registry());
      authz = creds.basicHeader();
    } else {
      throw new JboxException(ep.actionDescription() + ": unsupported authentication scheme \"" + c.scheme() + "\"");
    }
    return send(t, ep.path(), ep.headers(), authz);
  }

  private String fetchToken(Target t, TokenFetcher tf) throws IOException {
    URI uri = tf.usesRefreshToken() ? tf.realm() : tf.uri();
    if ((tf.usesRefreshToken() || tf.authorization() != null) && uri.getScheme().equals("http") && !t.insecure()) {
      throw new JboxException(tf.actionDescription() + ": refusing to send credentials to plain-http realm " + uri);
    }
    HttpClient client = !t.insecure() ? verifying() : uri.getScheme().equals("http") ? plain() : trustAll();
    if (tf.usesRefreshToken()) {
      try (Response r = postForm(uri, tf.form(), client)) {
        return tf.handle(r);
      }
    }
    try (Response r = sendUri(uri, Map.of(), tf.authorization(), client)) {
      return tf.handle(r);
    }
  }

  // The OAuth2 token request of an identity token; not redirected, so the token goes nowhere else.
  private static Response postForm(URI uri, String form, HttpClient client) throws IOException {
    HttpRequest req = HttpRequest.newBuilder(uri)
        .timeout(HEADERS_TIMEOUT)
        .header("User-Agent", "jbox")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
        .build();
    try {
      HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
      return new Response(resp.statusCode(), resp.headers(), resp.body(), uri);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JboxException("interrupted");
    }
  }

  // A secure registry is https only. An insecure one is https without verification if its port
  // speaks TLS, else plain http; the scheme found is remembered for the registry.
  private Response send(Target t, String path, Map<String, String> headers, String authz) throws IOException {
    String scheme = schemes.get(t.registry());
    if (scheme == null && t.insecure()) {
      URI u = URI.create("http://" + t.apiHost());
      if (u.getPort() >= 0) {
        scheme = SchemeProbe.probe(u.getHost(), u.getPort());
        schemes.put(t.registry(), scheme);
      } else {
        // Without a port, https means 443 and http means 80: try one, then the other.
        try {
          Response r = sendUri(URI.create("https://" + t.apiHost() + path), headers, authz, trustAll());
          schemes.put(t.registry(), "https");
          return r;
        } catch (IOException e) {
          Response r = sendUri(URI.create("http://" + t.apiHost() + path), headers, authz, plain());
          schemes.put(t.registry(), "http");
          return r;
        }
      }
    }
    if (scheme == null) scheme = "https";
    HttpClient client = !t.insecure() ? verifying() : scheme.equals("http") ? plain() : trustAll();
    try {
      return sendUri(URI.create(scheme + "://" + t.apiHost() + path), headers, authz, client);
    } catch (HttpConnectTimeoutException | SSLException e) {
      // A TLS handshake with a plain HTTP server fails at once or hangs until the timeout,
      // depending on the server; say what is wrong instead of retrying.
      URI u = URI.create("http://" + t.apiHost());
      if (!t.insecure() && u.getPort() >= 0 && SchemeProbe.probe(u.getHost(), u.getPort()).equals("http")) {
        throw new JboxException("registry " + t.registry() + " speaks plain HTTP, not HTTPS; if you trust it, set"
            + " insecure = true for it in registries.conf or use --tls-verify=false");
      }
      if (e instanceof SSLException) {
        throw new JboxException("TLS with registry " + t.registry() + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  // Redirects are followed here, not by the JDK, so that Authorization is only ever sent to the
  // origin it was meant for: blob storage on another host gets the request without it.
  private Response sendUri(URI uri, Map<String, String> headers, String authz, HttpClient client) throws IOException {
    URI origin = uri;
    URI current = uri;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      boolean sameOrigin = sameOrigin(current, origin);
      HttpRequest.Builder b = HttpRequest.newBuilder(current).GET().timeout(HEADERS_TIMEOUT);
      b.header("User-Agent", "jbox");
      headers.forEach(b::header);
      if (authz != null && sameOrigin) b.header("Authorization", authz);
      HttpResponse<InputStream> resp;
      try {
        resp = (sameOrigin ? client : verifying()).send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JboxException("interrupted");
      }
      int s = resp.statusCode();
      if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
        String loc = resp.headers().firstValue("Location").orElse(null);
        resp.body().close();
        if (loc == null) throw new IOException("redirect " + s + " without Location from " + current.getHost());
        current = current.resolve(loc);
        if (!current.getScheme().equals("https") && !current.getScheme().equals("http")) {
          throw new IOException("redirect to unsupported URL " + current);
        }
        continue;
      }
      return new Response(s, resp.headers(), resp.body(), current);
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + origin.getHost());
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
        && port(a) == port(b);
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) return u.getPort();
    return u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private static JboxException authError(RegistryEndpoint<?> ep, String registry, AuthFile.Credentials creds) {
    return new JboxException(ep.actionDescription() + ": authentication " + (creds == null ? "required" : "denied")
        + " for " + registry + " (run jbox login " + registry + ")");
  }

  // The registry's JSON error body ({"errors":[{"code":...,"message":...}]}), shortened, or null.
  private static String registryMessage(Response r) {
    try {
      byte[] b = r.readAtMost(64 * 1024);
      Object errs = Json.parseObject(new String(b, StandardCharsets.UTF_8)).get("errors");
      if (errs instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> m) {
        Object msg = m.get("message") != null ? m.get("message") : m.get("code");
        if (msg != null) {
          String s = msg.toString().replaceAll("\\s+", " ");
          return s.length() > 200 ? s.substring(0, 200) + "..." : s;
        }
      }
    } catch (IOException | RuntimeException e) {
      // no readable error body: the status says enough
    }
    return null;
  }

  private static String statusMessage(Response r) {
    String m = registryMessage(r);
    return m == null ? "" : ": " + m;
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof ConnectException) return "connection refused" + (m == null ? "" : " (" + m + ")");
    if (e instanceof HttpTimeoutException) return "timed out";
    return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JboxException("interrupted");
    }
  }

  private synchronized HttpClient verifying() {
    if (verifying == null) verifying = build(null, connectTimeout);
    return verifying;
  }

  private synchronized HttpClient trustAll() {
    if (trustAll == null) trustAll = build(trustAllContext(), connectTimeout);
    return trustAll;
  }

  /**
   * The client for an insecure registry that speaks plain HTTP: it never makes a TLS engine (a
   * redirect to another origin goes through {@link #verifying}), so it gets a context that cannot
   * make one. A real context, even the trust-all one, loads and sets up the JDK's TLS provider:
   * about 190 classes and 0.02-0.04 s of CPU in every pull from such a registry.
   */
  private synchronized HttpClient plain() {
    if (plain == null) plain = build(PlainHttpOnly.context(), connectTimeout);
    return plain;
  }

  private static HttpClient build(SSLContext ctx, Duration connectTimeout) {
    dev.jbox.sys.QuickExit.arm(); // its selector thread would hold up System.exit for 0.3 s
    // The client reads the socket in buffers of this size (16 KiB by default) and hands each to
    // the body's reader thread: a 93 MB layer was 5,800 hand-offs, and its download limited the
    // unpacker that follows it. 256 KiB took 0.1 s off that pull (1.33 s -> 1.22 s), 1 MiB another
    // 4 % of its CPU (each buffer runs through the client's plumbing on three threads, much of it
    // interpreted: bench/README.md, "Pull's CPU against the floor").
    if (System.getProperty("jdk.httpclient.bufsize") == null) System.setProperty("jdk.httpclient.bufsize", "1048576");
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout);
    if (ctx != null) b.sslContext(ctx);
    // the default parameters come from the context; the plain one has none to give
    if (ctx instanceof PlainHttpOnly.Context) b.sslParameters(new javax.net.ssl.SSLParameters());
    return b.build();
  }

  // Used only for registries the user marked insecure (a warning is printed for each). Being an
  // X509ExtendedTrustManager, it also skips the host name check the JDK would otherwise add.
  private static SSLContext trustAllContext() {
    TrustManager tm =
        new X509ExtendedTrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket s) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket s) {}

          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS unavailable", e);
    }
  }
}
