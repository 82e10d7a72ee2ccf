package dev.jbox.image.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A {@code WWW-Authenticate} challenge (RFC 7235): its scheme and parameters such as realm. */
record Challenge(String scheme, Map<String, String> params) {
  Challenge {
    scheme = scheme.toLowerCase(Locale.ROOT);
    params = Map.copyOf(params);
  }

  boolean isBearer() {
    return scheme.equals("bearer");
  }

  boolean isBasic() {
    return scheme.equals("basic");
  }

  String param(String name) {
    return params.get(name);
  }

  /** The best challenge among a response's headers: Bearer before Basic; null when none parse. */
  static Challenge pick(List<String> headers) {
    Challenge basic = null;
    for (String h : headers) {
      Challenge c = parse(h);
      if (c == null) continue;
      if (c.isBearer()) return c;
      if (c.isBasic() && basic == null) basic = c;
    }
    return basic;
  }

  /** Parses {@code Scheme k="v", k2=v2}; null when there is no scheme. */
  static Challenge parse(String header) {
    if (header == null) return null;
    String s = header.trim();
    int sp = 0;
    while (sp < s.length() && !Character.isWhitespace(s.charAt(sp))) sp++;
    if (sp == 0) return null;
    String scheme = s.substring(0, sp);
    Map<String, String> params = new LinkedHashMap<>();
    int i = sp;
    while (i < s.length()) {
      while (i < s.length() && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ',')) i++;
      int eq = s.indexOf('=', i);
      if (eq < 0) break;
      String key = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder v = new StringBuilder();
      if (i < s.length() && s.charAt(i) == '"') {
        i++;
        while (i < s.length() && s.charAt(i) != '"') {
          if (s.charAt(i) == '\\' && i + 1 < s.length()) i++;
          v.append(s.charAt(i++));
        }
        i++;
      } else {
        while (i < s.length() && s.charAt(i) != ',') v.append(s.charAt(i++));
      }
      params.put(key, v.toString().trim());
    }
    return new Challenge(scheme, params);
  }
}
