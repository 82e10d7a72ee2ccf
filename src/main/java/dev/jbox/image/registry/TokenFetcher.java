package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.json.JsonException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * GET the token realm of a Bearer challenge ({@code ?service=&scope=}), with basic credentials
 * when the user has some, and read {@code token} or {@code access_token}.
 */
final class TokenFetcher {
  private final String registry;
  private final Challenge challenge;
  private final String scope;
  private final AuthFile.Credentials creds;

  TokenFetcher(String registry, Challenge challenge, String scope, AuthFile.Credentials creds) {
    this.registry = registry;
    this.challenge = challenge;
    this.scope = scope;
    this.creds = creds;
  }

  String actionDescription() {
    return "get a token for " + registry + (scope == null ? "" : " (" + scope + ")");
  }

  /** The realm URL, without a query; the realm must be http(s). */
  URI realm() {
    String realm = challenge.param("realm");
    if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
      throw new JboxException(actionDescription() + ": the registry's Bearer challenge has no usable realm");
    }
    return URI.create(realm);
  }

  /**
   * Whether the credentials are an identity token, exchanged by an OAuth2 POST of
   * {@link #form()} to the realm instead of a GET of {@link #uri()}.
   */
  boolean usesRefreshToken() {
    return creds != null && creds.isIdentityToken();
  }

  /** The OAuth2 refresh-token grant for the realm (the distribution spec's "oauth" token flow). */
  String form() {
    StringBuilder f = new StringBuilder("grant_type=refresh_token&client_id=jbox");
    String service = challenge.param("service");
    if (service != null) f.append("&service=").append(enc(service));
    if (scope != null) f.append("&scope=").append(enc(scope));
    f.append("&refresh_token=").append(enc(creds.password()));
    return f.toString();
  }

  /** The realm URL with its query, for a GET. */
  URI uri() {
    String realm = realm().toString();
    StringBuilder q = new StringBuilder();
    String service = challenge.param("service");
    if (service != null) q.append("service=").append(enc(service));
    if (scope != null) q.append(q.length() > 0 ? "&" : "").append("scope=").append(enc(scope));
    if (creds != null && scope == null) {
      q.append(q.length() > 0 ? "&" : "").append("account=").append(enc(creds.username()));
    }
    String sep = realm.indexOf('?') >= 0 ? "&" : "?";
    return URI.create(q.length() == 0 ? realm : realm + sep + q);
  }

  /** The Authorization header to send to the realm with a GET, or null. */
  String authorization() {
    return creds == null || creds.isIdentityToken() ? null : creds.basicHeader();
  }

  /** Reads the token from a response of the realm. */
  String handle(Response r) throws IOException {
    if (r.status() == 401 || r.status() == 403) {
      throw new JboxException(creds == null
          ? "authentication required for " + registry + " (run jbox login " + registry + ")"
          : "authentication denied for " + registry + " (run jbox login " + registry + ")");
    }
    if (r.status() / 100 != 2) {
      if (r.status() >= 500 || r.status() == 429) throw new IOException(actionDescription() + ": HTTP " + r.status());
      throw new JboxException(actionDescription() + ": HTTP " + r.status());
    }
    byte[] b = r.readAtMost(1 << 20);
    Map<String, Object> m;
    try {
      m = Json.parseObject(new String(b, StandardCharsets.UTF_8));
    } catch (JsonException e) {
      throw new JboxException(actionDescription() + ": malformed token response");
    }
    Object t = m.get("token");
    if (!(t instanceof String) || ((String) t).isEmpty()) t = m.get("access_token");
    if (!(t instanceof String s) || s.isEmpty()) {
      throw new JboxException(actionDescription() + ": the response has no token");
    }
    return s;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
