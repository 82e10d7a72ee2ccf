package dev.jbox.image.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Debian's real docker-registry on 127.0.0.1 with storage in a temp dir; optional htpasswd. */
final class TestRegistry implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/docker-registry");
  final int port;
  final String user;
  final String password;
  private final Process process;

  /**
   * Starts docker-registry on a free loopback port. The port is free when chosen, but something
   * else may take it before the registry binds it (an outgoing connection, another suite's
   * registry): a registry that exits at its start is started again on another port, and one is
   * only taken as ready while its own process runs.
   */
  TestRegistry(Path dir, String user, String password) throws Exception {
    this.user = user;
    this.password = password;
    Files.createDirectories(dir.resolve("data"));
    String auth = "";
    if (user != null) {
      Process h = new ProcessBuilder("htpasswd", "-Bbn", user, password).start();
      String line = new String(h.getInputStream().readAllBytes()).trim();
      if (h.waitFor() != 0) throw new IllegalStateException("htpasswd failed");
      Files.writeString(dir.resolve("htpasswd"), line + "\n");
      auth = "auth:\n  htpasswd:\n    realm: jbox-test\n    path: " + dir.resolve("htpasswd") + "\n";
    }
    Started st = startOnAFreePort(dir, auth);
    this.port = st.port();
    this.process = st.process();
  }

  private record Started(int port, Process process) {}

  private static Started startOnAFreePort(Path dir, String auth) throws Exception {
    for (int attempt = 1; ; attempt++) {
      int p = freePort();
      Process proc = start(dir, p, auth);
      if (ready(p, proc)) return new Started(p, proc);
      proc.destroyForcibly();
      if (attempt == 3) throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
    }
  }

  private static Process start(Path dir, int port, String auth) throws IOException {
    StringBuilder y = new StringBuilder();
    y.append("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n");
    y.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data"))
        .append("\n  delete:\n    enabled: true\n");
    y.append("http:\n  addr: 127.0.0.1:").append(port).append('\n').append(auth);
    Files.writeString(dir.resolve("config.yml"), y);
    return new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("config.yml").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
  }

  /** Whether the registry answers /v2/ while its process runs (up to 60 s: a loaded machine starts it slowly). */
  private static boolean ready(int port, Process process) throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (process.isAlive() && System.nanoTime() < deadline) {
      try {
        HttpResponse<Void> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if ((r.statusCode() == 200 || r.statusCode() == 401) && process.isAlive()) return true;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return false;
  }

  String host() {
    return "127.0.0.1:" + port;
  }

  String url() {
    return "http://" + host();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
