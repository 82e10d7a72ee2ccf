package dev.jbox;

/** A failure jbox reports to the user as one line and exit status 125 (or the code given). */
public class JboxException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public JboxException(String message) {
    this(message, null);
  }

  public JboxException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = 125;
  }

  public JboxException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
