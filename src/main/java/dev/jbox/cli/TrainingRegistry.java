package dev.jbox.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jbox.image.Digest;
import dev.jbox.image.archive.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A registry of one image, served from the CDS training JVM on a loopback port, so that the
 * archive holds what {@code jbox pull} loads (the HTTP client, the distribution protocol, manifest
 * and config parsing). Only GET and HEAD of /v2/, the manifest and the two blobs.
 */
final class TrainingRegistry implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, byte[]> blobs = new HashMap<>();
  private final byte[] manifest;

  private TrainingRegistry(byte[] layer) throws IOException {
    String layerDigest = Digest.sha256Of(layer).toString();
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256Of(ungzip(layer)) + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = Digest.sha256Of(config).toString();
    blobs.put(layerDigest, layer);
    blobs.put(configDigest, config);
    manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext("/v2/", this::serve);
    server.start();
  }

  static TrainingRegistry start(byte[] layer) throws IOException {
    return new TrainingRegistry(layer);
  }

  String image() {
    return "127.0.0.1:" + server.getAddress().getPort() + "/jbox-cds/training:latest";
  }

  /** A small gzip layer: a directory and two files. */
  static byte[] gzipLayer() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz); TarWriter t = new TarWriter(z)) {
      t.directory("etc");
      t.file("etc/hostname", "training\n".getBytes(StandardCharsets.UTF_8));
      t.file("etc/big", new byte[200_000]);
    }
    return gz.toByteArray();
  }

  private static byte[] ungzip(byte[] gz) throws IOException {
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  private void serve(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    byte[] body = null;
    String type = "application/octet-stream";
    if (path.equals("/v2/")) {
      body = "{}".getBytes(StandardCharsets.UTF_8);
      type = "application/json";
    } else if (path.contains("/manifests/")) {
      body = manifest;
      type = "application/vnd.oci.image.manifest.v1+json";
      x.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256Of(manifest).toString());
    } else if (path.contains("/blobs/")) {
      body = blobs.get(path.substring(path.lastIndexOf('/') + 1));
    }
    if (body == null) {
      x.sendResponseHeaders(404, -1);
      x.close();
      return;
    }
    x.getResponseHeaders().set("Content-Type", type);
    boolean head = x.getRequestMethod().equals("HEAD");
    x.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
    x.sendResponseHeaders(200, head ? -1 : body.length);
    if (!head) {
      try (OutputStream o = x.getResponseBody()) {
        o.write(body);
      }
    }
    x.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
