package dev.jbox.image;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** An OCI image index or Docker manifest list: one manifest per platform. */
public record ImageIndex(String mediaType, List<Descriptor> manifests) {

  public ImageIndex {
    if (!MediaTypes.isIndex(mediaType)) {
      throw new JboxException("index: unsupported media type \"" + mediaType + "\"");
    }
    manifests = List.copyOf(manifests);
  }

  /** Parses an index or manifest list; anything else is a clear error. */
  public static ImageIndex parse(byte[] json, String contentTypeHeader) {
    JsonFields f = JsonFields.parse("index", json);
    String mt = Manifest.mediaTypeOf(f, contentTypeHeader);
    if (!MediaTypes.isIndex(mt)) throw new JboxException("index: expected an index, got \"" + mt + "\"");
    if (f.requireLong("schemaVersion") != 2) throw new JboxException("index: schemaVersion is not 2");
    List<Descriptor> ms = new ArrayList<>();
    for (JsonFields m : f.objects("manifests")) ms.add(Descriptor.fromJson(m));
    return new ImageIndex(mt, ms);
  }

  /**
   * The image manifest for a platform: an exact variant match first, else the first lenient match
   * ({@link Platform#matches}); entries that are not image manifests (attestations) never match.
   */
  public Descriptor select(Platform want) {
    Descriptor lenient = null;
    for (Descriptor d : manifests) {
      if (d.platform() == null || !MediaTypes.isManifest(d.mediaType())) continue;
      if (!want.matches(d.platform())) continue;
      if (java.util.Objects.equals(want.variant(), d.platform().variant())) return d;
      if (lenient == null) lenient = d;
    }
    if (lenient != null) return lenient;
    String available =
        manifests.stream()
            .filter(d -> d.platform() != null && MediaTypes.isManifest(d.mediaType()))
            .map(d -> d.platform().toString())
            .distinct()
            .collect(Collectors.joining(", "));
    throw new JboxException("no image for platform " + want + " in the index (available: "
        + (available.isEmpty() ? "none" : available) + ")");
  }
}
