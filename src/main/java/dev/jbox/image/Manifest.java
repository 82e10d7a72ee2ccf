package dev.jbox.image;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An OCI image manifest or Docker schema2 manifest: one config and the ordered layers. */
public record Manifest(
    String mediaType, Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {

  public Manifest {
    if (!MediaTypes.isManifest(mediaType)) {
      throw new JboxException("manifest: unsupported media type \"" + mediaType + "\"");
    }
    if (config == null) throw new JboxException("manifest: missing config");
    layers = List.copyOf(layers);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    for (Descriptor l : layers) {
      if (!MediaTypes.isLayer(l.mediaType())) {
        throw new JboxException("manifest: layer " + l.digest() + " has unsupported media type \""
            + l.mediaType() + "\"");
      }
    }
  }

  /**
   * The media type of a manifest document: its own {@code mediaType} field, else the
   * {@code Content-Type} header, else guessed from its shape ({@code manifests} means an index).
   */
  public static String mediaTypeOf(byte[] json, String contentTypeHeader) {
    JsonFields f = JsonFields.parse("manifest", json);
    return mediaTypeOf(f, contentTypeHeader);
  }

  static String mediaTypeOf(JsonFields f, String contentTypeHeader) {
    String mt = f.string("mediaType");
    if (f.has("schemaVersion") && f.requireLong("schemaVersion") == 1) {
      throw new JboxException("schema1 manifests are not supported");
    }
    if (mt != null && !mt.isEmpty()) return mt;
    String header = contentTypeHeader == null ? "" : contentTypeHeader.split(";", 2)[0].trim();
    if (MediaTypes.isSchema1(header)) throw new JboxException("schema1 manifests are not supported");
    if (MediaTypes.isIndex(header) || MediaTypes.isManifest(header)) return header;
    return f.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
  }

  /** Parses a manifest; an index, a schema1 manifest or an unknown type is a clear error. */
  public static Manifest parse(byte[] json, String contentTypeHeader) {
    JsonFields f = JsonFields.parse("manifest", json);
    String mt = mediaTypeOf(f, contentTypeHeader);
    if (MediaTypes.isSchema1(mt)) throw new JboxException("schema1 manifests are not supported");
    if (MediaTypes.isIndex(mt)) throw new JboxException("manifest: expected an image manifest, got an index");
    if (f.requireLong("schemaVersion") != 2) throw new JboxException("manifest: schemaVersion is not 2");
    JsonFields cfg = f.object("config");
    if (cfg == null) throw new JboxException("manifest: missing config");
    List<Descriptor> layers = new ArrayList<>();
    for (JsonFields l : f.objects("layers")) layers.add(Descriptor.fromJson(l));
    return new Manifest(mt, Descriptor.fromJson(cfg), layers, f.stringMap("annotations"));
  }
}
