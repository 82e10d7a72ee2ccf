package dev.jbox.json;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The subset of Go's text/template that podman's {@code --format} users write, over JSON-shaped
 * data (maps, lists, strings, numbers, booleans, null): {@code {{.Field.Sub}}}, {@code {{.}}},
 * {@code {{json .X}}}, {@code {{upper .X}}}, {@code {{lower .X}}}, {@code {{len .X}}}, {@code
 * {{join .X ", "}}}, {@code {{range .X}}...{{end}}}, {@code {{if .X}}...{{else}}...{{end}}};
 * a leading {@code table} makes {@link #table()} true and gives a {@link #header()}. As podman,
 * the two characters {@code \t} and {@code \n} in the text are a tab and a newline.
 */
public final class Template {
  private final List<Node> nodes;
  private final boolean table;
  private final String source;

  private Template(String source, List<Node> nodes, boolean table) {
    this.source = source;
    this.nodes = nodes;
    this.table = table;
  }

  /** Whether the format began with "table": print {@link #header()} first, columns aligned. */
  public boolean table() {
    return table;
  }

  private sealed interface Node permits Text, Action, Range, If {}

  private record Text(String text) implements Node {}

  /** A pipeline: a function name (null: none) and its arguments (field paths or string literals). */
  private record Action(String function, List<String> args) implements Node {}

  private record Range(Action over, List<Node> body, List<Node> otherwise) implements Node {}

  private record If(Action cond, List<Node> then, List<Node> otherwise) implements Node {}

  /** Parses a format; a malformed one is a one-line error naming it. */
  public static Template parse(String format) {
    String f = format;
    boolean table = false;
    if (f.startsWith("table")) {
      table = true;
      f = f.substring(5).stripLeading();
      if (f.isEmpty()) throw new JboxException("--format `" + format + "`: table needs fields after it");
    }
    f = f.replace("\\t", "\t").replace("\\n", "\n");
    Parser p = new Parser(format, f);
    List<Node> nodes = p.nodes(false);
    if (p.pos < f.length()) throw p.error("unexpected {{" + p.stopWord + "}}");
    return new Template(format, nodes, table);
  }

  /** The header row of a table format: each field's last name in capitals, as podman heads columns. */
  public String header() {
    StringBuilder b = new StringBuilder();
    for (Node n : nodes) {
      if (n instanceof Text t) b.append(t.text());
      else if (n instanceof Action a) b.append(heading(a));
    }
    return b.toString();
  }

  private static String heading(Action a) {
    String arg = a.args().isEmpty() ? "." : a.args().get(0);
    if (arg.equals(".")) return a.function() != null ? a.function().toUpperCase(Locale.ROOT) : "";
    String last = arg.substring(arg.lastIndexOf('.') + 1);
    if (last.equals("ID")) return "CONTAINER ID";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < last.length(); i++) {
      char c = last.charAt(i);
      if (i > 0 && Character.isUpperCase(c) && Character.isLowerCase(last.charAt(i - 1))) b.append(' ');
      b.append(Character.toUpperCase(c));
    }
    return b.toString();
  }

  /** Renders the template for data. */
  public String render(Object data) {
    StringBuilder b = new StringBuilder();
    render(nodes, data, b);
    return b.toString();
  }

  private void render(List<Node> list, Object dot, StringBuilder out) {
    for (Node n : list) {
      if (n instanceof Text t) {
        out.append(t.text());
      } else if (n instanceof Action a) {
        out.append(format(eval(a, dot)));
      } else if (n instanceof Range r) {
        Object v = eval(r.over(), dot);
        List<Object> items = new ArrayList<>();
        if (v instanceof List<?> l) items.addAll(l);
        else if (v instanceof Map<?, ?> m) items.addAll(m.values());
        else if (v != null) throw new JboxException("--format `" + source + "`: range over " + kind(v));
        if (items.isEmpty()) render(r.otherwise(), dot, out);
        for (Object item : items) render(r.body(), item, out);
      } else if (n instanceof If i) {
        render(truth(eval(i.cond(), dot)) ? i.then() : i.otherwise(), dot, out);
      }
    }
  }

  private Object eval(Action a, Object dot) {
    List<Object> args = new ArrayList<>();
    for (String s : a.args()) args.add(s.startsWith("\"") ? s.substring(1, s.length() - 1) : field(dot, s));
    if (a.function() == null) return args.get(0);
    Object x = args.isEmpty() ? dot : args.get(0);
    return switch (a.function()) {
      case "json" -> Json.write(x);
      case "upper" -> format(x).toUpperCase(Locale.ROOT);
      case "lower" -> format(x).toLowerCase(Locale.ROOT);
      case "len" -> x instanceof List<?> l ? l.size() : x instanceof Map<?, ?> m ? m.size() : format(x).length();
      case "join" -> {
        if (args.size() != 2 || !(args.get(1) instanceof String sep)) {
          throw new JboxException("--format `" + source + "`: join takes a list and a separator");
        }
        List<String> parts = new ArrayList<>();
        if (x instanceof List<?> l) for (Object o : l) parts.add(format(o));
        else if (x != null) parts.add(format(x));
        yield String.join(sep, parts);
      }
      default -> throw new JboxException("--format `" + source + "`: unknown function `" + a.function() + "`");
    };
  }

  private Object field(Object dot, String path) {
    if (path.equals(".")) return dot;
    Object v = dot;
    for (String name : path.substring(1).split("\\.")) {
      if (!(v instanceof Map<?, ?> m)) {
        throw new JboxException("--format `" + source + "`: can't evaluate field " + name + " in " + kind(v));
      }
      if (!m.containsKey(name) && !name.isEmpty() && Character.isUpperCase(name.charAt(0))) {
        // Go's exported field over a JSON key in camelCase, as podman's templates of info name
        // them: {{.Store.GraphRoot}} is the key graphRoot
        String lower = Character.toLowerCase(name.charAt(0)) + name.substring(1);
        if (m.containsKey(lower)) name = lower;
      }
      if (!m.containsKey(name)) throw new JboxException("--format `" + source + "`: no field `" + name + "` (of " + path + ")");
      v = m.get(name);
    }
    return v;
  }

  private static String kind(Object v) {
    return v == null ? "nil" : v instanceof Map ? "a map" : v instanceof List ? "a list" : "a " + v.getClass().getSimpleName();
  }

  private static boolean truth(Object v) {
    if (v == null || Boolean.FALSE.equals(v)) return false;
    if (v instanceof Number n) return n.doubleValue() != 0;
    if (v instanceof String s) return !s.isEmpty();
    if (v instanceof List<?> l) return !l.isEmpty();
    if (v instanceof Map<?, ?> m) return !m.isEmpty();
    return true;
  }

  /** As Go prints a value: lists as [a b], maps as map[k:v], nil as <no value>. */
  static String format(Object v) {
    if (v == null) return "<no value>";
    if (v instanceof String s) return s;
    if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) return Long.toString(d.longValue());
    if (v instanceof List<?> l) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : l) b.append(b.length() > 1 ? " " : "").append(format(o));
      return b.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("map[");
      int n = 0;
      for (Map.Entry<?, ?> e : new java.util.TreeMap<>(m).entrySet()) {
        b.append(n++ > 0 ? " " : "").append(e.getKey()).append(':').append(format(e.getValue()));
      }
      return b.append(']').toString();
    }
    return String.valueOf(v);
  }

  /** A recursive-descent reader of text and {{actions}}. */
  private static final class Parser {
    final String format;
    final String s;
    int pos;
    String stopWord;

    Parser(String format, String s) {
      this.format = format;
      this.s = s;
    }

    JboxException error(String what) {
      return new JboxException("--format `" + format + "`: " + what);
    }

    /** Nodes up to the end, or (inBlock) up to an {{else}} or {{end}}, left in stopWord. */
    List<Node> nodes(boolean inBlock) {
      List<Node> out = new ArrayList<>();
      stopWord = null;
      while (pos < s.length()) {
        int open = s.indexOf("{{", pos);
        if (open < 0) {
          out.add(new Text(s.substring(pos)));
          pos = s.length();
          break;
        }
        if (open > pos) out.add(new Text(s.substring(pos, open)));
        int close = s.indexOf("}}", open + 2);
        if (close < 0) throw error("unclosed {{");
        String body = s.substring(open + 2, close).strip();
        if (body.startsWith("-")) body = body.substring(1).strip();
        if (body.endsWith("-")) body = body.substring(0, body.length() - 1).strip();
        int after = close + 2;
        if (body.equals("end") || body.equals("else")) {
          if (!inBlock) throw error("{{" + body + "}} outside range or if");
          stopWord = body;
          pos = after;
          return out;
        }
        pos = after;
        if (body.startsWith("range ") || body.startsWith("if ")) {
          boolean range = body.startsWith("range ");
          Action a = action(body.substring(range ? 6 : 3).strip());
          List<Node> then = nodes(true);
          List<Node> otherwise = List.of();
          if ("else".equals(stopWord)) otherwise = nodes(true);
          if (!"end".equals(stopWord)) throw error("{{" + (range ? "range" : "if") + "}} without {{end}}");
          stopWord = null;
          out.add(range ? new Range(a, then, otherwise) : new If(a, then, otherwise));
        } else {
          out.add(action(body));
        }
      }
      if (inBlock) throw error("missing {{end}}");
      return out;
    }

    /** "FUNC ARG..." or "ARG": ARG a field path (. or .A.B) or a "string". */
    Action action(String body) {
      List<String> words = words(body);
      if (words.isEmpty()) throw error("empty {{}}");
      String function = null;
      if (!words.get(0).startsWith(".") && !words.get(0).startsWith("\"")) {
        function = words.remove(0);
        if (!List.of("json", "upper", "lower", "len", "join").contains(function)) throw error("unknown function `" + function + "`");
      }
      for (String w : words) {
        if (!w.startsWith("\"") && !isPath(w)) throw error("cannot read `" + w + "`");
      }
      if (function == null && words.size() != 1) throw error("`" + body + "`: one value expected");
      return new Action(function, words);
    }

    static boolean isPath(String w) {
      if (w.equals(".")) return true;
      if (!w.startsWith(".") || w.endsWith(".")) return false;
      for (String part : w.substring(1).split("\\.", -1)) {
        if (part.isEmpty() || !Character.isLetter(part.charAt(0))) return false;
        for (int i = 0; i < part.length(); i++) {
          char c = part.charAt(i);
          if (!Character.isLetterOrDigit(c) && c != '_') return false;
        }
      }
      return true;
    }

    List<String> words(String body) {
      List<String> out = new ArrayList<>();
      int i = 0;
      while (i < body.length()) {
        char c = body.charAt(i);
        if (c == ' ' || c == '\t') {
          i++;
        } else if (c == '"') {
          int j = body.indexOf('"', i + 1);
          if (j < 0) throw error("unclosed string in {{" + body + "}}");
          out.add(body.substring(i, j + 1).replace("\\t", "\t").replace("\\n", "\n"));
          i = j + 1;
        } else {
          int j = i;
          while (j < body.length() && body.charAt(j) != ' ' && body.charAt(j) != '\t') j++;
          out.add(body.substring(i, j));
          i = j;
        }
      }
      return out;
    }
  }
}
