package dev.jbox.cli;

import java.io.PrintStream;
import java.util.List;

/** Left-aligned columns separated by two spaces, as podman's tables. */
final class Table {
  private Table() {}

  /** Prints rows; control characters in a cell (a name or command from an image) are escaped. */
  static void print(PrintStream out, List<String[]> rows) {
    List<String[]> escaped = new java.util.ArrayList<>(rows.size());
    for (String[] r : rows) {
      String[] e = new String[r.length];
      for (int i = 0; i < r.length; i++) e[i] = dev.jbox.Text.escape(r[i]);
      escaped.add(e);
    }
    rows = escaped;
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        b.append(r[i]);
        if (i < cols - 1) b.append(" ".repeat(w[i] - r[i].length() + 2));
      }
      out.println(b.toString().stripTrailing());
    }
  }
}
