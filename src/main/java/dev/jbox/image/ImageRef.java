package dev.jbox.image;

import dev.jbox.JboxException;
import dev.jbox.Text;

/**
 * A fully qualified image reference {@code registry/repository[:tag][@digest]}, normalized the
 * way docker and podman do: {@code docker.io/alpine} is {@code docker.io/library/alpine:latest}.
 */
public record ImageRef(String registry, String repository, String tag, Digest digest) {
  /** The registry that unqualified names mean when nothing is configured. */
  public static final String DOCKER_HUB = "docker.io";

  // The distribution spec's grammar, written out instead of as regexes: `jbox run IMAGE` parses a
  // reference, and its first regex would cost the run 3.5 ms (see dev.jbox.Text). ImageRefTest
  // checks each against the regex it replaces.
  private static final int MAX_NAME = 255;

  /** {@code [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]} */
  static boolean isDomainComponent(String c) {
    return !c.isEmpty() && Text.isAlnumOr(c, "-") && Text.isAsciiAlnum(c.charAt(0))
        && Text.isAsciiAlnum(c.charAt(c.length() - 1));
  }

  /** {@code \\[[0-9a-fA-F:.]+\\]} */
  static boolean isIpv6(String h) {
    if (h.length() < 3 || h.charAt(0) != '[' || h.charAt(h.length() - 1) != ']') return false;
    for (int i = 1; i < h.length() - 1; i++) {
      char c = h.charAt(i);
      if (!Text.isHexDigit(c) && c != ':' && c != '.') return false;
    }
    return true;
  }

  /** {@code [0-9]{1,5}} */
  static boolean isPort(String p) {
    if (p.isEmpty() || p.length() > 5) return false;
    for (int i = 0; i < p.length(); i++) if (p.charAt(i) < '0' || p.charAt(i) > '9') return false;
    return true;
  }

  /** {@code [a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*} */
  static boolean isPathComponent(String c) {
    int i = 0;
    int n = c.length();
    while (true) {
      int start = i;
      while (i < n && ((c.charAt(i) >= 'a' && c.charAt(i) <= 'z') || (c.charAt(i) >= '0' && c.charAt(i) <= '9'))) i++;
      if (i == start) return false; // a run of [a-z0-9] must follow the start and every separator
      if (i == n) return true;
      char s = c.charAt(i);
      if (s == '.') i++;
      else if (s == '_') i += i + 1 < n && c.charAt(i + 1) == '_' ? 2 : 1;
      else if (s == '-') while (i < n && c.charAt(i) == '-') i++;
      else return false;
    }
  }

  /** {@code [\\w][\\w.-]{0,127}} */
  static boolean isTag(String t) {
    if (t.isEmpty() || t.length() > 128) return false;
    char f = t.charAt(0);
    return (Text.isAsciiAlnum(f) || f == '_') && Text.isAlnumOr(t, "_.-");
  }

  public ImageRef {
    if (registry == null || !validRegistry(registry)) {
      throw new JboxException("image reference: invalid registry \"" + registry + "\"");
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (repository == null || repository.isEmpty()) {
      throw new JboxException("image reference: missing repository after \"" + registry + "/\"");
    }
    if (registry.equals(DOCKER_HUB) && repository.indexOf('/') < 0) {
      repository = "library/" + repository;
    }
    for (String c : repository.split("/", -1)) {
      if (!isPathComponent(c)) {
        String why = c.isEmpty() ? "empty path component" : !c.equals(c.toLowerCase(java.util.Locale.ROOT))
            ? "repository names must be lowercase" : "invalid path component \"" + c + "\"";
        throw new JboxException("image reference: invalid repository \"" + repository + "\": " + why);
      }
    }
    if (registry.length() + 1 + repository.length() > MAX_NAME) {
      throw new JboxException("image reference: name longer than " + MAX_NAME + " characters");
    }
    if (tag != null && !isTag(tag)) {
      throw new JboxException("image reference: invalid tag \"" + tag + "\"");
    }
    if (tag == null && digest == null) tag = "latest";
  }

  /**
   * Parses a fully qualified reference; a short name such as {@code alpine} is refused, since it
   * needs {@code RegistriesConf.resolve} first.
   */
  public static ImageRef parse(String input) {
    if (input == null || input.isEmpty()) throw new JboxException("image reference: empty");
    if (isShortName(input)) {
      throw new JboxException(
          "image reference \"" + input + "\" is a short name; it needs a registry (for example docker.io/"
              + input + ")");
    }
    int slash = input.indexOf('/');
    return parseIn(input.substring(0, slash), input.substring(slash + 1));
  }

  /**
   * Parses {@code repository[:tag][@digest]} as a name in the given registry, for a short name and
   * a search registry, or a rewritten location.
   */
  public static ImageRef parseIn(String registry, String rest) {
    String name = rest;
    Digest digest = null;
    int at = name.indexOf('@');
    if (at >= 0) {
      String d = name.substring(at + 1);
      try {
        digest = Digest.parse(d);
      } catch (JboxException e) {
        throw new JboxException("image reference \"" + registry + "/" + rest + "\": invalid digest: "
            + e.getMessage().replaceFirst("^digest ", ""));
      }
      name = name.substring(0, at);
    }
    String tag = null;
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      tag = name.substring(colon + 1);
      name = name.substring(0, colon);
      if (tag.isEmpty()) throw new JboxException("image reference \"" + registry + "/" + rest + "\": empty tag");
    }
    return new ImageRef(registry, name, tag, digest);
  }

  /**
   * Whether the input names no registry: its first component, if there is a slash before it, has
   * no '.' and no ':' and is not {@code localhost}.
   */
  public static boolean isShortName(String input) {
    int slash = input.indexOf('/');
    if (slash < 0) return true;
    String first = input.substring(0, slash);
    return first.indexOf('.') < 0 && first.indexOf(':') < 0 && !first.equals("localhost");
  }

  /** This reference pinned to a digest (the tag, if any, is kept for display). */
  public ImageRef withDigest(Digest d) {
    return new ImageRef(registry, repository, tag, d);
  }

  /** This reference with another tag and no digest. */
  public ImageRef withTag(String t) {
    return new ImageRef(registry, repository, t, null);
  }

  /** {@code registry/repository}, without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  /** What to ask the registry for: the digest when there is one, else the tag. */
  public String reference() {
    return digest != null ? digest.toString() : tag;
  }

  /** For display: {@code docker.io/library/alpine:latest}, or with {@code @digest} when untagged. */
  public String familiar() {
    return name() + (tag != null ? ":" + tag : "@" + digest);
  }

  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  private static boolean validRegistry(String r) {
    String host = r;
    int colon = r.lastIndexOf(':');
    if (colon >= 0 && colon > r.lastIndexOf(']')) {
      String port = r.substring(colon + 1);
      if (!isPort(port) || Integer.parseInt(port) > 65535) return false;
      host = r.substring(0, colon);
    }
    if (isIpv6(host)) return true;
    if (host.isEmpty()) return false;
    for (String c : host.split("\\.", -1)) { // an escaped single char: String.split's no-regex path
      if (!isDomainComponent(c)) return false;
    }
    return true;
  }
}
