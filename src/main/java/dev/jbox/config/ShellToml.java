package dev.jbox.config;

import com.moandjiezana.toml.Toml;
import dev.jbox.JboxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A project's .jbox/shell.toml: top-level keys holding a string or an array of strings, checked
 * against the keys {@code jbox shell} knows; an unknown key or a wrong type names the file and key.
 */
public final class ShellToml {
  private ShellToml() {}

  /**
   * Key to its values (one for a string), in file order, after checking names and types: of the
   * file's text, read by the caller ({@code file} names it in errors).
   */
  public static Map<String, List<String>> read(Path file, String text, List<String> listKeys, List<String> valueKeys) {
    Toml t;
    try {
      // through a Reader, as toml4j reads a file (line by line: \r\n as \n)
      t = new Toml().read(new java.io.StringReader(text));
    } catch (RuntimeException e) {
      throw new JboxException("config `" + file + "`: " + oneLine(e.getMessage()));
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : t.toMap().entrySet()) {
      String key = e.getKey();
      Object v = e.getValue();
      if (listKeys.contains(key)) {
        if (!(v instanceof List<?> l)) throw new JboxException("config `" + file + "`: `" + key + "` must be an array of strings");
        List<String> vals = new ArrayList<>();
        for (Object x : l) {
          if (!(x instanceof String s)) throw new JboxException("config `" + file + "`: `" + key + "` must be an array of strings");
          vals.add(s);
        }
        out.put(key, vals);
      } else if (valueKeys.contains(key)) {
        if (!(v instanceof String s)) throw new JboxException("config `" + file + "`: `" + key + "` must be a string");
        out.put(key, List.of(s));
      } else {
        throw new JboxException("config `" + file + "`: unknown key `" + key + "` (known: " + String.join(", ", listKeys) + ", " + String.join(", ", valueKeys) + ")");
      }
    }
    return out;
  }

  private static String oneLine(String s) {
    return s == null ? "unreadable" : s.replace('\n', ' ').strip();
  }
}
