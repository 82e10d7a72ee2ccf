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

  TestRegistry(Path dir, String user, String password) throws Exception {
    this.port = freePort();
    this.user = user;
    this.password = password;
    Files.createDirectories(dir.resolve("data"));
    StringBuilder y = new StringBuilder();
    y.append("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n");
    y.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data"))
        .append("\n  delete:\n    enabled: true\n");
    y.append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
    if (user != null) {
      Process h = new ProcessBuilder("htpasswd", "-Bbn", user, password).start();
      String line = new String(h.getInputStream().readAllBytes()).trim();
      if (h.waitFor() != 0) throw new IllegalStateException("htpasswd failed");
      Files.writeString(dir.resolve("htpasswd"), line + "\n");
      y.append("auth:\n  htpasswd:\n    realm: jbox-test\n    path: ")
          .append(dir.resolve("htpasswd")).append('\n');
    }
    Files.writeString(dir.resolve("config.yml"), y);
    process = new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("config.yml").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      try {
        HttpResponse<Void> r = c.send(HttpRequest.newBuilder(URI.create(url() + "/v2/"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) break;
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new IllegalStateException("docker-registry did not start: "
            + Files.readString(dir.resolve("registry.log")));
      }
      Thread.sleep(100);
    }
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
