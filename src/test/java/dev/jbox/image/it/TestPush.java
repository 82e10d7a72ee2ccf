package dev.jbox.image.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/** A tiny test-only push client: monolithic blob uploads and manifest PUTs. */
final class TestPush {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String auth;

  TestPush(TestRegistry reg) {
    this.base = reg.url();
    this.auth = reg.user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        (reg.user + ":" + reg.password).getBytes(StandardCharsets.UTF_8));
  }

  static String sha(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest.Builder req(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (auth != null) b.header("Authorization", auth);
    return b;
  }

  String blob(String repo, byte[] data) throws Exception {
    String digest = sha(data);
    HttpResponse<String> r = http.send(req(base + "/v2/" + repo + "/blobs/uploads/")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 202) throw new IllegalStateException("upload start: " + r.statusCode());
    String loc = r.headers().firstValue("Location").orElseThrow();
    if (loc.startsWith("/")) loc = base + loc;
    String put = loc + (loc.contains("?") ? "&" : "?") + "digest=" + digest;
    HttpResponse<String> p = http.send(req(put).header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (p.statusCode() != 201) {
      throw new IllegalStateException("upload " + digest + ": " + p.statusCode() + " " + p.body());
    }
    return digest;
  }

  String manifest(String repo, String ref, String mediaType, byte[] body) throws Exception {
    HttpResponse<String> r = http.send(req(base + "/v2/" + repo + "/manifests/" + ref)
        .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("manifest " + ref + ": " + r.statusCode() + " " + r.body());
    }
    return sha(body);
  }
}
