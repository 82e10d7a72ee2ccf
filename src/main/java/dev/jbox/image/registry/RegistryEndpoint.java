package dev.jbox.image.registry;

import dev.jbox.JboxException;
import java.io.IOException;
import java.util.Map;

/**
 * One registry API call (jib style): its path, headers, how to read a successful response, and the
 * action description every error starts with.
 */
interface RegistryEndpoint<T> {
  /** For example "pull manifest for docker.io/library/alpine:latest". */
  String actionDescription();

  /** The path below the registry's base URL, starting with {@code /v2/}. */
  String path();

  /** Headers for the next attempt (a resumed download asks for a range). */
  default Map<String, String> headers() {
    return Map.of();
  }

  /** Reads a 2xx response; an IOException is retried, a JboxException is final. */
  T handle(Response r) throws IOException;

  /**
   * A final error for a status that is neither success, auth nor retryable; {@code registryMessage}
   * is the registry's own error text or null. Returning null means "reset and retry".
   */
  default JboxException error(int status, String registryMessage) {
    return new JboxException(actionDescription() + ": HTTP " + status
        + (registryMessage == null ? "" : ": " + registryMessage));
  }
}
