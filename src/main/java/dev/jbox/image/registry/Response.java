package dev.jbox.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;

/** One HTTP response from a registry (after redirects), its body still to be read. */
record Response(int status, HttpHeaders headers, InputStream body, URI uri) implements AutoCloseable {

  String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  long contentLength() {
    return headers.firstValueAsLong("Content-Length").orElse(-1);
  }

  /** Reads at most {@code max} bytes; more is an error the caller names. */
  byte[] readAtMost(long max) throws IOException {
    byte[] b = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    return b;
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException ignored) {
      // closing a response we no longer need; the connection is simply not reused
    }
  }
}
