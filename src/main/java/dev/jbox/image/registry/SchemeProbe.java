package dev.jbox.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Finds out whether an insecure registry's port speaks plain HTTP or TLS by sending one plain
 * request: a plain server answers it, a TLS server answers with an alert, a "400 ... HTTPS" page,
 * or by closing.
 */
final class SchemeProbe {
  private static final int TIMEOUT_MS = 5000;

  private SchemeProbe() {}

  // Sending a TLS ClientHello to a plain HTTP server is no probe: such a server usually waits for
  // the end of a request line that never comes, and the client only gives up at its timeout.
  /** "http" or "https" for {@code host:port}; "https" when unsure. */
  static String probe(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      out.write(("GET /v2/ HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUser-Agent: jbox\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      int n;
      try {
        n = in.readNBytes(buf, 0, buf.length);
      } catch (SocketTimeoutException e) {
        return "https";
      } catch (IOException e) {
        return "https"; // reset: a TLS server refusing the plain bytes
      }
      String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
      if (!text.startsWith("HTTP/")) return "https";
      boolean badRequest = text.matches("(?s)HTTP/\\d(\\.\\d)? 400.*");
      return badRequest && text.contains("HTTPS") ? "https" : "http";
    }
  }
}
