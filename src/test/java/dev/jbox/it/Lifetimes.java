package dev.jbox.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Process-tree and mount inspection through /proc, for the lifetime tests. */
final class Lifetimes {
  private Lifetimes() {}

  static long ppid(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static String cmdline(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  static List<Long> allPids() {
    List<Long> out = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc"))) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).forEach(n -> out.add(Long.parseLong(n)));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  /** Every live descendant of {@code root}, waiting up to 5 s for at least one. */
  static List<Long> descendants(long root) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      List<Long> out = new ArrayList<>();
      List<Long> frontier = new ArrayList<>(List.of(root));
      List<Long> all = allPids();
      while (!frontier.isEmpty()) {
        long p = frontier.remove(0);
        for (long c : all) {
          if (ppid(c) == p) {
            out.add(c);
            frontier.add(c);
          }
        }
      }
      if (!out.isEmpty()) return out;
      Thread.sleep(100);
    }
    return List.of();
  }

  /** Pids of live (not zombie) processes whose command line starts with {@code marker}. */
  static List<Long> withCmdline(String marker) {
    List<Long> out = new ArrayList<>();
    for (long p : allPids()) {
      if (!cmdline(p).startsWith(marker)) continue;
      try {
        String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
        if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) continue;
      } catch (IOException e) {
        continue;
      }
      out.add(p);
    }
    return out;
  }

  static String mountinfo() {
    try {
      return Files.readString(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
