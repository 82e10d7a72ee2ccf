package dev.jbox.image;

import dev.jbox.JboxException;
import java.util.List;
import java.util.Map;

/** An OCI content descriptor: what a blob or manifest is, its digest, size and optional platform. */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Platform platform,
    Map<String, String> annotations,
    List<String> urls) {

  public Descriptor {
    if (mediaType == null || mediaType.isEmpty()) throw new JboxException("descriptor: missing mediaType");
    if (digest == null) throw new JboxException("descriptor: missing digest");
    if (size < 0) throw new JboxException("descriptor " + digest + ": negative size " + size);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  /** A descriptor with only the required fields. */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, Map.of(), List.of());
  }

  static Descriptor fromJson(JsonFields f) {
    Platform p = null;
    JsonFields pf = f.object("platform");
    if (pf != null) {
      p = new Platform(pf.requireString("os"), pf.requireString("architecture"), pf.string("variant"));
    }
    List<String> urls = f.strings("urls");
    return new Descriptor(
        f.requireString("mediaType"),
        Digest.parse(f.requireString("digest")),
        f.requireLong("size"),
        p,
        f.stringMap("annotations"),
        urls == null ? List.of() : urls);
  }
}
