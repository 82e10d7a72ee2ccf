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

  /** The realm URL with its query; the realm must be http(s). */
  URI uri() {
    String realm = challenge.param("realm");
    if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
      throw new JboxException(actionDescription() + ": the registry's Bearer challenge has no usable realm");
    }
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

  /** The Authorization header to send to the realm, or null. */
  String authorization() {
    return creds == null ? null : creds.basicHeader();
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
