package dev.jbox.cli;

import java.io.PrintStream;
import java.util.List;

/** Left-aligned columns separated by two spaces, as podman's tables. */
final class Table {
  private Table() {}

  static void print(PrintStream out, List<String[]> rows) {
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
