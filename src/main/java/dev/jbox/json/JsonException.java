package dev.jbox.json;

/** Malformed JSON, with the offset where reading stopped. */
public final class JsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JsonException(String message) {
    super(message);
  }
}
