package dev.jbox.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns separated by two spaces, as podman's tables. */
final class Table {
  private Table() {}

  /** Prints rows; control characters in a cell (a name or command from an image) are escaped. */
  static void print(PrintStream out, List<String[]> rows) {
    for (String l : lines(rows)) out.println(l);
  }

  static void print(PrintWriter out, List<String[]> rows) {
    for (String l : lines(rows)) out.println(l);
  }

  /** The rows as aligned lines; rows may have fewer cells than others (a template's table). */
  static List<String> lines(List<String[]> rows) {
    int cols = 0;
    for (String[] r : rows) cols = Math.max(cols, r.length);
    int[] w = new int[cols];
    List<String[]> escaped = new ArrayList<>(rows.size());
    for (String[] r : rows) {
      String[] e = new String[r.length];
      for (int i = 0; i < r.length; i++) e[i] = dev.jbox.Text.escape(r[i]);
      escaped.add(e);
    }
    rows = escaped;
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
    List<String> out = new ArrayList<>();
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        b.append(r[i]);
        if (i < r.length - 1) b.append(" ".repeat(w[i] - r[i].length() + 2));
      }
      out.add(b.toString().stripTrailing());
    }
    return out;
  }
}
