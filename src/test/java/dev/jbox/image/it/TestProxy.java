package dev.jbox.image.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * An HTTP proxy in front of the test registry that can flip one byte of one blob, or send it
 * slowly (so a pull can be killed mid-layer).
 */
final class TestProxy implements AutoCloseable {
  private final HttpServer server;
  private final String upstream;
  volatile String corruptBlob;
  volatile String slowBlob;

  TestProxy(TestRegistry reg) throws Exception {
    upstream = reg.url();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().toString();
      HttpURLConnection c = (HttpURLConnection) URI.create(upstream + path).toURL()
          .openConnection();
      c.setInstanceFollowRedirects(false);
      c.setRequestMethod(ex.getRequestMethod());
      for (String h : List.of("Authorization", "Accept", "Range")) {
        for (String v : ex.getRequestHeaders().getOrDefault(h, List.of())) c.addRequestProperty(h, v);
      }
      int code = c.getResponseCode();
      for (Map.Entry<String, List<String>> h : c.getHeaderFields().entrySet()) {
        if (h.getKey() == null || h.getKey().equalsIgnoreCase("Content-Length")
            || h.getKey().equalsIgnoreCase("Transfer-Encoding")) {
          continue;
        }
        ex.getResponseHeaders().put(h.getKey(), h.getValue());
      }
      long len = c.getContentLengthLong();
      boolean head = ex.getRequestMethod().equals("HEAD");
      if (head) {
        if (len >= 0) ex.getResponseHeaders().set("Content-Length", Long.toString(len));
        ex.sendResponseHeaders(code, -1);
        return;
      }
      ex.sendResponseHeaders(code, len < 0 ? 0 : (len == 0 ? -1 : len));
      InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
      if (in == null) return;
      boolean corrupt = corruptBlob != null && path.contains("/blobs/" + corruptBlob);
      boolean slow = slowBlob != null && path.contains("/blobs/" + slowBlob);
      OutputStream out = ex.getResponseBody();
      byte[] buf = new byte[slow ? 16 * 1024 : 64 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        if (corrupt && total <= 100 && total + n > 100) buf[(int) (100 - total)] ^= 0x01;
        total += n;
        out.write(buf, 0, n);
        if (slow) {
          out.flush();
          Thread.sleep(100);
        }
      }
    } catch (Exception e) {
      // the client went away (killed pull): nothing to do
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
