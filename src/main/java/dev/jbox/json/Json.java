package dev.jbox.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer: objects are {@code LinkedHashMap<String,Object>} (key order kept),
 * arrays {@code List<Object>}, numbers {@code Long} when integral and in range, else {@code
 * BigDecimal}; strings, {@code Boolean} and {@code null} as themselves.
 */
public final class Json {
  private final String s;
  private int i;
  private int depth;
  private static final int MAX_DEPTH = 256;

  private Json(String s) {
    this.s = s;
  }

  /** Parses one JSON value; throws {@link JsonException} with the offset on malformed input. */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.ws();
    Object v = p.value();
    p.ws();
    if (p.i != p.s.length()) throw p.error("trailing characters");
    return v;
  }

  /** Parses a JSON object, failing if the text is any other kind of value. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) throw new JsonException("expected a JSON object");
    return (Map<String, Object>) v;
  }

  private JsonException error(String what) {
    return new JsonException(what + " at offset " + i);
  }

  private void ws() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
      else break;
    }
  }

  private Object value() {
    if (i >= s.length()) throw error("unexpected end");
    char c = s.charAt(i);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected character '" + c + "'");
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, i)) throw error("bad literal");
    i += word.length();
    return v;
  }

  private void enter() {
    if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
  }

  private Map<String, Object> object() {
    enter();
    Map<String, Object> m = new LinkedHashMap<>();
    i++;
    ws();
    if (peek() == '}') {
      i++;
      depth--;
      return m;
    }
    while (true) {
      ws();
      if (peek() != '"') throw error("expected a key");
      String k = string();
      ws();
      if (peek() != ':') throw error("expected ':'");
      i++;
      ws();
      m.put(k, value());
      ws();
      char c = peek();
      i++;
      if (c == '}') break;
      if (c != ',') throw error("expected ',' or '}'");
    }
    depth--;
    return m;
  }

  private List<Object> array() {
    enter();
    List<Object> l = new ArrayList<>();
    i++;
    ws();
    if (peek() == ']') {
      i++;
      depth--;
      return l;
    }
    while (true) {
      ws();
      l.add(value());
      ws();
      char c = peek();
      i++;
      if (c == ']') break;
      if (c != ',') throw error("expected ',' or ']'");
    }
    depth--;
    return l;
  }

  private char peek() {
    if (i >= s.length()) throw error("unexpected end");
    return s.charAt(i);
  }

  private String string() {
    i++;
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = peek();
      i++;
      if (c == '"') return b.toString();
      if (c < 0x20) throw error("control character in string");
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = peek();
      i++;
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) throw error("short \\u escape");
          try {
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          i += 4;
        }
        default -> throw error("bad escape");
      }
    }
  }

  private Object number() {
    int start = i;
    if (peek() == '-') i++;
    boolean integral = true;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') i++;
      else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integral = false;
        i++;
      } else break;
    }
    String t = s.substring(start, i);
    try {
      if (integral) {
        BigInteger bi = new BigInteger(t);
        if (bi.bitLength() < 64) return bi.longValue();
      }
      return new BigDecimal(t);
    } catch (NumberFormatException ex) {
      throw error("bad number '" + t + "'");
    }
  }

  /** Writes a value compactly. */
  public static String write(Object v) {
    StringBuilder b = new StringBuilder();
    write(b, v, -1, 0);
    return b.toString();
  }

  /** Writes a value indented by two spaces per level, as {@code jbox inspect} prints. */
  public static String pretty(Object v) {
    StringBuilder b = new StringBuilder();
    write(b, v, 2, 0);
    return b.toString();
  }

  private static void newline(StringBuilder b, int indent, int level) {
    if (indent < 0) return;
    b.append('\n');
    b.append(" ".repeat(indent * level));
  }

  private static void write(StringBuilder b, Object v, int indent, int level) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String str) {
      quote(b, str);
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) b.append(',');
        first = false;
        newline(b, indent, level + 1);
        quote(b, String.valueOf(e.getKey()));
        b.append(indent < 0 ? ":" : ": ");
        write(b, e.getValue(), indent, level + 1);
      }
      newline(b, indent, level);
      b.append('}');
    } else if (v instanceof Iterable<?> it) {
      if (!it.iterator().hasNext()) {
        b.append("[]");
        return;
      }
      b.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) b.append(',');
        first = false;
        newline(b, indent, level + 1);
        write(b, o, indent, level + 1);
      }
      newline(b, indent, level);
      b.append(']');
    } else {
      quote(b, v.toString());
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static void quote(StringBuilder b, String str) {
    b.append('"');
    for (int k = 0; k < str.length(); k++) {
      char c = str.charAt(k);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          // not String.format: a record template's tokens start with U+0001, and the Formatter
          // (its classes and patterns) cost a shell start with JBOX_PRESTART=1 about 20 ms
          if (c < 0x20) b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
          else b.append(c);
        }
      }
    }
    b.append('"');
  }
}
