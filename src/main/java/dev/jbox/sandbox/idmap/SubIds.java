package dev.jbox.sandbox.idmap;

import dev.jbox.JboxException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Subordinate id ranges of one user from /etc/subuid or /etc/subgid (entries by name or by
 * numeric id, as shadow's newuidmap accepts both).
 */
public final class SubIds {
  private SubIds() {}

  /** A start id and a count from one line of the file. */
  public record Range(long start, long count) {}

  /** The ranges of {@code user} (or its numeric {@code id}) in {@code file}; empty when none. */
  public static List<Range> read(Path file, String user, long id) {
    List<String> lines;
    try {
      // java.io (PolicyInputs reads through dev.jbox.SmallFiles: no FileChannel on the run path),
      // strict UTF-8 split on \n as Files.readAllLines would, a trailing \r stripped (strip() below takes it anyway)
      lines = List.of(java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(dev.jbox.PolicyInputs.read(file))).toString().split("\n"));
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new JboxException("read " + file + ": " + e.getMessage());
    }
    return parse(lines, user, id);
  }

  static List<Range> parse(List<String> lines, String user, long id) {
    List<Range> out = new ArrayList<>();
    String idText = Long.toString(id);
    for (String line : lines) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      String[] f = l.split(":");
      if (f.length != 3 || !(f[0].equals(user) || f[0].equals(idText))) continue;
      try {
        long start = Long.parseLong(f[1]);
        long count = Long.parseLong(f[2]);
        if (start >= 0 && count > 0) out.add(new Range(start, count));
      } catch (NumberFormatException e) {
        // a malformed line is newuidmap's to reject; jbox just doesn't use it
      }
    }
    return out;
  }
}
