package dev.jbox.sandbox;

/** What a sandbox does with one namespace type: a new one, the host's, or one joined by path. */
public record NsMode(Kind kind, String path) {
  /** The three choices. */
  public enum Kind {
    NEW,
    HOST,
    JOIN
  }

  public static final NsMode NEW = new NsMode(Kind.NEW, null);
  public static final NsMode HOST = new NsMode(Kind.HOST, null);

  public static NsMode join(String path) {
    if (!path.startsWith("/")) throw new IllegalArgumentException("namespace path must be absolute: " + path);
    return new NsMode(Kind.JOIN, path);
  }

  /** The word the helper reads: "new", "host" or the path. */
  public String planValue() {
    return switch (kind) {
      case NEW -> "new";
      case HOST -> "host";
      case JOIN -> path;
    };
  }
}
