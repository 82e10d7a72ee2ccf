package dev.jbox.image.store;

import dev.jbox.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stored image, {@code images/<manifest-hex>.json}: its manifest, config and layers; names
 * live in the tags index, not here.
 *
 * @param id the config digest (what {@code jbox images} shows as IMAGE ID)
 * @param size the layers' uncompressed size in bytes
 */
public record ImageRecord(
    String manifestDigest,
    String manifestMediaType,
    String indexDigest,
    String id,
    String platform,
    String created,
    String pulled,
    long size,
    List<Layer> layers,
    List<String> repoDigests) {

  /** A layer as the manifest lists it plus its uncompressed digest (the store key). */
  public record Layer(String digest, String mediaType, long size, String diffId) {}

  public ImageRecord {
    layers = List.copyOf(layers);
    repoDigests = List.copyOf(repoDigests);
  }

  /** The 12-hex short form of the image id. */
  public String shortId() {
    return id.substring(id.indexOf(':') + 1, id.indexOf(':') + 13);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("manifestDigest", manifestDigest);
    m.put("manifestMediaType", manifestMediaType);
    if (indexDigest != null) m.put("indexDigest", indexDigest);
    m.put("id", id);
    m.put("platform", platform);
    if (created != null) m.put("created", created);
    m.put("pulled", pulled);
    m.put("size", size);
    List<Object> ls = new ArrayList<>();
    for (Layer l : layers) {
      Map<String, Object> lm = new LinkedHashMap<>();
      lm.put("digest", l.digest());
      lm.put("mediaType", l.mediaType());
      lm.put("size", l.size());
      lm.put("diffId", l.diffId());
      ls.add(lm);
    }
    m.put("layers", ls);
    m.put("repoDigests", repoDigests);
    return m;
  }

  @SuppressWarnings("unchecked")
  public static ImageRecord fromJson(String text) {
    Map<String, Object> m = Json.parseObject(text);
    List<Layer> layers = new ArrayList<>();
    for (Object o : (List<Object>) m.get("layers")) {
      Map<String, Object> lm = (Map<String, Object>) o;
      layers.add(new Layer((String) lm.get("digest"), (String) lm.get("mediaType"),
          ((Number) lm.get("size")).longValue(), (String) lm.get("diffId")));
    }
    List<String> rd = new ArrayList<>();
    for (Object o : (List<Object>) m.getOrDefault("repoDigests", List.of())) rd.add((String) o);
    return new ImageRecord((String) m.get("manifestDigest"), (String) m.get("manifestMediaType"),
        (String) m.get("indexDigest"), (String) m.get("id"), (String) m.get("platform"),
        (String) m.get("created"), (String) m.get("pulled"), ((Number) m.get("size")).longValue(),
        layers, rd);
  }
}
