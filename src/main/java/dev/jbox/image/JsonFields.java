package dev.jbox.image;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.json.JsonException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed access to the fields of a parsed JSON document, failing with the document's name. */
final class JsonFields {
  private final String what;
  private final Map<String, Object> map;

  JsonFields(String what, Map<String, Object> map) {
    this.what = what;
    this.map = map;
  }

  static JsonFields parse(String what, byte[] json) {
    try {
      return new JsonFields(what, Json.parseObject(new String(json, StandardCharsets.UTF_8)));
    } catch (JsonException e) {
      throw new JboxException(what + ": malformed JSON: " + e.getMessage());
    }
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  String string(String key) {
    Object v = map.get(key);
    if (v == null) return null;
    if (!(v instanceof String s)) throw bad(key, "a string");
    return s;
  }

  String requireString(String key) {
    String s = string(key);
    if (s == null) throw new JboxException(what + ": missing \"" + key + "\"");
    return s;
  }

  long requireLong(String key) {
    Object v = map.get(key);
    if (!(v instanceof Long l)) throw bad(key, "an integer");
    return l;
  }

  JsonFields object(String key) {
    Object v = map.get(key);
    if (v == null) return null;
    if (!(v instanceof Map<?, ?> m)) throw bad(key, "an object");
    return new JsonFields(what, cast(m));
  }

  List<JsonFields> objects(String key) {
    List<JsonFields> out = new ArrayList<>();
    for (Object o : list(key)) {
      if (!(o instanceof Map<?, ?> m)) throw bad(key, "a list of objects");
      out.add(new JsonFields(what, cast(m)));
    }
    return out;
  }

  /** A list of strings; null when the key is absent or null. */
  List<String> strings(String key) {
    if (map.get(key) == null) return null;
    List<String> out = new ArrayList<>();
    for (Object o : list(key)) {
      if (!(o instanceof String s)) throw bad(key, "a list of strings");
      out.add(s);
    }
    return List.copyOf(out);
  }

  Map<String, String> stringMap(String key) {
    Object v = map.get(key);
    if (v == null) return Map.of();
    if (!(v instanceof Map<?, ?> m)) throw bad(key, "an object");
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!(e.getValue() instanceof String s)) throw bad(key, "an object of strings");
      out.put((String) e.getKey(), s);
    }
    return out;
  }

  /** The keys of an object-valued field (as in ExposedPorts); empty when absent. */
  List<String> keys(String key) {
    Object v = map.get(key);
    if (v == null) return List.of();
    if (!(v instanceof Map<?, ?> m)) throw bad(key, "an object");
    List<String> out = new ArrayList<>();
    for (Object k : m.keySet()) out.add((String) k);
    return out;
  }

  List<Object> list(String key) {
    Object v = map.get(key);
    if (v == null) return List.of();
    if (!(v instanceof List<?> l)) throw bad(key, "a list");
    return new ArrayList<>(l);
  }

  private JboxException bad(String key, String expected) {
    return new JboxException(what + ": \"" + key + "\" is not " + expected);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
