package dev.jbox.image.store;

import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds a stored image by what a user types: an id or id prefix (at least 3 hex digits, with or
 * without "sha256:"), a full name, a name@digest, or a short name matched against every stored
 * registry the way podman does ("alpine" finds docker.io/library/alpine:latest).
 */
public final class ImageLookup {
  private ImageLookup() {}

  /** The match: the record, and the tag it was found by (null when found by id). */
  public record Found(ImageRecord image, String name) {}

  public static Found find(ImageStore store, String input) {
    List<ImageRecord> all = store.images();
    Map<String, String> tags = store.tags();
    String h = input.startsWith("sha256:") ? input.substring(7) : input;
    if (dev.jbox.Text.isHex(h, 3, 64)) { // no regex: the run path (dev.jbox.Text)
      List<ImageRecord> byId = new ArrayList<>();
      for (ImageRecord r : all) {
        if (r.id().substring(7).startsWith(h) || r.manifestDigest().substring(7).startsWith(h)) {
          byId.add(r);
        }
      }
      if (byId.size() == 1) return new Found(byId.get(0), null);
      if (byId.size() > 1) throw new JboxException("image id prefix " + input + " is ambiguous");
    }
    String name = normalize(input);
    if (name.contains("@sha256:")) {
      String repo = name.substring(0, name.indexOf('@'));
      String digest = name.substring(name.indexOf('@') + 1);
      for (ImageRecord r : all) {
        if (r.manifestDigest().equals(digest) && r.repoDigests().contains(repo + "@" + digest)) {
          return new Found(r, null);
        }
      }
      throw notFound(input);
    }
    List<String> matches = new ArrayList<>();
    if (tags.containsKey(name)) {
      matches.add(name);
    } else if (ImageRef.isShortName(input)) {
      for (String t : tags.keySet()) if (t.endsWith("/" + name)) matches.add(t);
    }
    if (matches.isEmpty()) throw notFound(input);
    if (matches.size() > 1) {
      throw new JboxException("image name \"" + input + "\" is ambiguous: " + matches
          + "; use the full name");
    }
    String manifest = tags.get(matches.get(0));
    for (ImageRecord r : all) {
      if (r.manifestDigest().equals(manifest)) return new Found(r, matches.get(0));
    }
    throw notFound(input);
  }

  /** A short name gets ":latest" and keeps its path; a full one is parsed and re-printed. */
  static String normalize(String input) {
    if (ImageRef.isShortName(input)) {
      String before = input.split("@", 2)[0];
      boolean tagged = before.lastIndexOf(':') > before.lastIndexOf('/');
      return tagged || input.contains("@") ? input : input + ":latest";
    }
    ImageRef r = ImageRef.parse(input);
    return r.digest() != null && r.tag() == null ? r.name() + "@" + r.digest()
        : r.name() + ":" + (r.tag() == null ? "latest" : r.tag());
  }

  /** The full name a new tag gets ("myimg" → "localhost/myimg:latest", as podman does). */
  public static String tagName(String input) {
    if (input.contains("@")) throw new JboxException("tag \"" + input + "\": a tag cannot be a digest");
    if (ImageRef.isShortName(input)) return normalize("localhost/" + input);
    return normalize(input);
  }

  private static JboxException notFound(String input) {
    return new JboxException(input + ": image not known");
  }
}
