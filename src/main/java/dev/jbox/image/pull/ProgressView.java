package dev.jbox.image.pull;

import dev.jbox.image.Descriptor;
import dev.jbox.image.registry.Progress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-layer download progress: redrawn bars on a terminal, one line per finished blob otherwise,
 * nothing when quiet.
 */
final class ProgressView implements Progress {
  private final PrintStream out;
  private final boolean tty;
  private final boolean quiet;
  private final List<String> order = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private final long start = System.nanoTime();
  private long lastDraw;
  private int drawn;

  ProgressView(PrintStream out, boolean tty, boolean quiet) {
    this.out = out;
    this.tty = tty;
    this.quiet = quiet;
  }

  /** A plain status line ("Copying config ..."); on a terminal it goes above the bars. */
  synchronized void line(String s) {
    if (quiet) return;
    out.println(s);
    out.flush();
    drawn = 0; // the bars are drawn again below this line
  }

  @Override
  public synchronized void update(Descriptor d, long done, long total) {
    if (quiet || !tty) return;
    String key = d.digest().toString();
    int i = order.indexOf(key);
    if (i < 0) {
      order.add(key);
      lines.add("");
      i = order.size() - 1;
    }
    lines.set(i, bar(d, done, total));
    long now = System.nanoTime();
    if (now - lastDraw > 100_000_000L || done == total) {
      lastDraw = now;
      redraw();
    }
  }

  @Override
  public synchronized void done(Descriptor d) {
    if (quiet) return;
    if (tty) {
      update(d, d.size(), d.size());
    } else {
      out.println("Copying blob " + d.digest().encoded().substring(0, 12) + " done");
      out.flush();
    }
  }

  private void redraw() {
    StringBuilder b = new StringBuilder();
    if (drawn > 0) b.append("\033[").append(drawn).append('A');
    for (String l : lines) b.append('\r').append(l).append("\033[K\n");
    drawn = lines.size();
    out.print(b);
    out.flush();
  }

  private String bar(Descriptor d, long done, long total) {
    int width = 30;
    int fill = total > 0 ? (int) Math.min(width, done * width / total) : 0;
    double secs = Math.max(0.001, (System.nanoTime() - start) / 1e9);
    return String.format(" %s  %s / %s [%s%s] %s/s", d.digest().toString().substring(0, 19),
        size(done), size(total), "=".repeat(fill), " ".repeat(width - fill), size((long) (done
            / secs)));
  }

  static String size(long n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
    if (n < 1024L * 1024 * 1024) return String.format("%.2f MiB", n / 1048576.0);
    return String.format("%.2f GiB", n / 1073741824.0);
  }
}
