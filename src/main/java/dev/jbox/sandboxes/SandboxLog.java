package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A detached sandbox's log as its monitor writes it (helpers/PROTOCOL.md "Logs"): one record per
 * line in podman's k8s-file format, {@code TIME STREAM F|P TEXT}, TIME RFC 3339 with nanoseconds,
 * STREAM stdout or stderr, P a part of a line that the stream's next record goes on with. Lines of
 * a log written before the streams were kept apart have no such prefix: they are read as stdout
 * without a time ({@link Entry#time} null).
 */
public final class SandboxLog {
  private SandboxLog() {}

  /** One line of output: when it was logged (null: an old-format line), its stream, its bytes, whether a newline ended it. */
  public record Entry(Instant time, boolean stderr, byte[] text, boolean newline) {}

  /**
   * Turns log bytes into lines, joining the parts of a line (P records) of each stream; a final
   * unfinished line comes last without a newline. Stateful, for follow: feed it what was appended.
   */
  public static final class Parser {
    private final ByteArrayOutputStream[] part = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
    private final Instant[] partTime = new Instant[2];
    private byte[] carry = new byte[0];
    private boolean legacy;

    /** Whether a line without the record prefix was seen (a log of an older jbox). */
    public boolean sawLegacy() {
      return legacy;
    }

    /** The lines that the bytes complete; an unterminated record stays until more comes (or {@link #finish}). */
    public List<Entry> feed(byte[] data, int off, int len) {
      byte[] all = new byte[carry.length + len];
      System.arraycopy(carry, 0, all, 0, carry.length);
      System.arraycopy(data, off, all, carry.length, len);
      List<Entry> out = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < all.length; i++) {
        if (all[i] != '\n') continue;
        record(all, start, i, true, out);
        start = i + 1;
      }
      carry = java.util.Arrays.copyOfRange(all, start, all.length);
      return out;
    }

    /** What is left: an unterminated record, and parts of lines that never ended. */
    public List<Entry> finish() {
      List<Entry> out = new ArrayList<>();
      if (carry.length > 0) record(carry, 0, carry.length, false, out);
      carry = new byte[0];
      for (int s = 0; s < 2; s++) {
        if (part[s].size() > 0) out.add(new Entry(partTime[s], s == 1, part[s].toByteArray(), false));
        part[s].reset();
      }
      return out;
    }

    private void record(byte[] b, int from, int to, boolean terminated, List<Entry> out) {
      // TIME SP STREAM SP (F|P) SP TEXT
      int sp1 = indexOf(b, from, to, (byte) ' ');
      Instant t = sp1 < 0 ? null : parseStamp(new String(b, from, sp1 - from, StandardCharsets.US_ASCII));
      int s = -1;
      int text = -1;
      boolean full = true;
      if (t != null) {
        if (startsWith(b, sp1 + 1, to, "stdout ")) s = 0;
        else if (startsWith(b, sp1 + 1, to, "stderr ")) s = 1;
        int tag = sp1 + 8;
        if (s >= 0 && tag < to && (b[tag] == 'F' || b[tag] == 'P') && (tag + 1 == to || b[tag + 1] == ' ')) {
          full = b[tag] == 'F';
          text = Math.min(tag + 2, to);
        } else {
          s = -1;
        }
      }
      if (s < 0) { // an older jbox's raw output
        legacy = true;
        out.add(new Entry(null, false, java.util.Arrays.copyOfRange(b, from, to), terminated));
        return;
      }
      if (part[s].size() == 0) partTime[s] = t;
      part[s].write(b, text, to - text);
      if (full) {
        out.add(new Entry(partTime[s], s == 1, part[s].toByteArray(), true));
        part[s].reset();
      }
    }
  }

  private static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) if (b[i] == c) return i;
    return -1;
  }

  private static boolean startsWith(byte[] b, int at, int to, String s) {
    if (to - at < s.length()) return false;
    for (int i = 0; i < s.length(); i++) if (b[at + i] != s.charAt(i)) return false;
    return true;
  }

  /** A record's time, or null when it is not one. */
  static Instant parseStamp(String s) {
    if (s.length() < 20 || s.charAt(4) != '-' || s.charAt(10) != 'T') return null;
    Instant monitors = monitorStamp(s);
    if (monitors != null) return monitors;
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * The monitor's own stamp, {@code YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ}, read by hand: java.time's
   * parser links lambdas, whose first use starts the JDK's method-handle machinery, a few ms of
   * every {@code jbox logs} (LauncherTest). Null for any other form, which the general parser takes.
   */
  static Instant monitorStamp(String s) {
    if (s.length() != 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':' || s.charAt(19) != '.' || s.charAt(29) != 'Z') {
      return null;
    }
    // the numbers and the calendar as Instant.parse reads them (dev.jbox.Rfc3339, shared with images' ages)
    long[] t = dev.jbox.Rfc3339.parseUsual(s);
    return t == null ? null : Instant.ofEpochSecond(t[0], t[1]);
  }

  /** A log file's bytes (none when it is not there). */
  public static byte[] readAll(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      return new byte[0];
    } catch (IOException e) {
      throw new JboxException("logs: read `" + f + "`: " + e.getMessage());
    }
  }

  /** What has been appended to f since pos; returns the new position (0 when f shrank or is gone). */
  public static long readFrom(Path f, long pos, ByteArrayOutputStream into) {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
      if (r.length() < pos) pos = 0;
      r.seek(pos);
      byte[] buf = new byte[65536];
      int n;
      while ((n = r.read(buf)) > 0) {
        into.write(buf, 0, n);
        pos += n;
      }
      return pos;
    } catch (IOException e) {
      return pos;
    }
  }

  /**
   * A time as {@code logs --since/--until} take it (as podman does): RFC 3339 (with or without
   * fractional seconds and offset; no offset: local time), a date (local midnight), unix seconds
   * with an optional fraction, or a Go duration (10m, 1h30m, 1.5h, 300ms) before now.
   */
  public static Instant parseTime(String option, String v, Instant now) {
    String bad = "logs: " + option + " `" + v + "`: expected an RFC 3339 time (2026-01-02T15:04:05Z), a date, unix seconds or a duration (10m, 1h30m)";
    if (v.isEmpty()) throw new JboxException(bad);
    if (v.matches("[0-9]+(\\.[0-9]{1,9})?")) {
      String[] p = v.split("\\.");
      if (p[0].length() > 12) throw new JboxException(bad);
      long nanos = p.length > 1 ? Long.parseLong((p[1] + "000000000").substring(0, 9)) : 0;
      return Instant.ofEpochSecond(Long.parseLong(p[0]), nanos);
    }
    if (v.matches("([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)").matcher(v);
      double nanos = 0;
      while (m.find()) {
        double n = Double.parseDouble(m.group(1));
        nanos += n * switch (m.group(2)) {
          case "ns" -> 1d;
          case "us", "µs" -> 1e3;
          case "ms" -> 1e6;
          case "s" -> 1e9;
          case "m" -> 60e9;
          default -> 3600e9;
        };
      }
      if (nanos > 1e9 * 86400 * 365 * 1000) throw new JboxException(bad);
      return now.minusNanos((long) nanos);
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      // not with an offset
    }
    try {
      return LocalDateTime.parse(v).atZone(ZoneId.systemDefault()).toInstant();
    } catch (DateTimeParseException e) {
      // not a local time
    }
    try {
      return LocalDate.parse(v).atStartOfDay(ZoneId.systemDefault()).toInstant();
    } catch (DateTimeParseException e) {
      throw new JboxException(bad);
    }
  }

  /** The time as -t shows it: RFC 3339 in UTC with nine digits of nanoseconds, as recorded. */
  public static String stamp(Instant t) {
    long secs = t.getEpochSecond();
    long days = Math.floorDiv(secs, 86400L);
    long sod = Math.floorMod(secs, 86400L);
    // the date by hand (dev.jbox.Rfc3339), for the reason monitorStamp gives
    long[] date = dev.jbox.Rfc3339.civil(days);
    long y = date[0], m = date[1], d = date[2];
    if (y < 0 || y > 9999) {
      return java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
          .withZone(java.time.ZoneOffset.UTC).format(t);
    }
    StringBuilder b = new StringBuilder(30);
    pad(b, y, 4).append('-');
    pad(b, m, 2).append('-');
    pad(b, d, 2).append('T');
    pad(b, sod / 3600, 2).append(':');
    pad(b, sod / 60 % 60, 2).append(':');
    pad(b, sod % 60, 2).append('.');
    return pad(b, t.getNano(), 9).append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder b, long v, int width) {
    String s = Long.toString(v);
    for (int i = s.length(); i < width; i++) b.append('0');
    return b.append(s);
  }
}
