package dev.jbox.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted registry on 127.0.0.1 for unit tests: one handler per path, every request recorded. */
final class FakeRegistry implements AutoCloseable {
  /** One scripted answer; {@code n} counts the requests to this path, from 1. */
  interface Handler {
    void handle(HttpExchange ex, int n) throws IOException;
  }

  /** What the client sent. */
  record Request(String method, String path, String query, Map<String, List<String>> headers) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) return e.getValue().get(0);
      }
      return null;
    }
  }

  final HttpServer server;
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  FakeRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::dispatch);
    server.start();
  }

  /** {@code 127.0.0.1:PORT}. */
  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  int port() {
    return server.getAddress().getPort();
  }

  FakeRegistry on(String path, Handler h) {
    handlers.put(path, h);
    return this;
  }

  List<Request> requestsTo(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void dispatch(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
        Map.copyOf(ex.getRequestHeaders())));
    Handler h = handlers.get(path);
    int n = counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    try {
      if (h == null) {
        send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"NOT_FOUND\",\"message\":\"no such thing\"}]}");
      } else {
        h.handle(ex, n);
      }
    } finally {
      ex.close();
    }
  }

  static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    if (contentType != null) ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    send(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
