package dev.jbox.image;

import dev.jbox.JboxException;
import java.util.regex.Pattern;

/**
 * A fully qualified image reference {@code registry/repository[:tag][@digest]}, normalized the
 * way docker and podman do: {@code docker.io/alpine} is {@code docker.io/library/alpine:latest}.
 */
public record ImageRef(String registry, String repository, String tag, Digest digest) {
  /** The registry that unqualified names mean when nothing is configured. */
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern DOMAIN_COMPONENT =
      Pattern.compile("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]");
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:.]+\\]");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final int MAX_NAME = 255;

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
      if (!PATH_COMPONENT.matcher(c).matches()) {
        String why = c.isEmpty() ? "empty path component" : !c.equals(c.toLowerCase(java.util.Locale.ROOT))
            ? "repository names must be lowercase" : "invalid path component \"" + c + "\"";
        throw new JboxException("image reference: invalid repository \"" + repository + "\": " + why);
      }
    }
    if (registry.length() + 1 + repository.length() > MAX_NAME) {
      throw new JboxException("image reference: name longer than " + MAX_NAME + " characters");
    }
    if (tag != null && !TAG.matcher(tag).matches()) {
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
      if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) return false;
      host = r.substring(0, colon);
    }
    if (IPV6.matcher(host).matches()) return true;
    if (host.isEmpty()) return false;
    for (String c : host.split("\\.", -1)) {
      if (!DOMAIN_COMPONENT.matcher(c).matches()) return false;
    }
    return true;
  }
}
