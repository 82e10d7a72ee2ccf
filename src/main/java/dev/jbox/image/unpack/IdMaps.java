package dev.jbox.image.unpack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads this process's id maps (/proc/self/uid_map) to record and to explain chown failures. */
public final class IdMaps {
  private IdMaps() {}

  /** The map file's text, one "inside outside count" line per range; "" if unreadable. */
  public static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** The number of ids the map covers above 0 (root maps to the user, the rest to subids). */
  public static long mappedCount(String file) {
    long n = 0;
    for (String line : read(file).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 3) continue;
      long inside = Long.parseLong(f[0]);
      long count = Long.parseLong(f[2]);
      n += inside == 0 ? count - 1 : count;
    }
    return n;
  }
}
