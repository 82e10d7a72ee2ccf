package dev.jbox;

/**
 * A moment in local time as java.time's {@code ISO_OFFSET_DATE_TIME} prints it (podman's
 * {@code CreatedAt}: {@code 2026-12-04T04:30:56.123+01:00}, {@code Z} for UTC), written out by hand:
 * java.time's formatter and zone rules link about 20 lambdas, whose first one starts the JDK's
 * method-handle machinery (15 ms of a {@code jbox volume inspect}). The offset is the default
 * {@link java.util.TimeZone}'s, the zone {@code ZoneId.systemDefault()} is made from, read from the
 * same tzdb.dat.
 */
public final class Rfc3339 {
  private Rfc3339() {}

  /**
   * epochMillis in the default time zone. From 2038 on, where TimeZone's table of transitions ends
   * and it goes on with the zone's last lasting rule, or none (Africa/Casablanca's Ramadan changes
   * are listed one by one in the tzdb: TimeZone said +01:00 where ZoneId's rules say +00:00 in June
   * 2048), the offset is ZoneId's, as java.time prints it; records are made now, so the JDK's
   * java.time is loaded only for such a moment.
   */
  public static String local(long epochMillis) {
    if (epochMillis >= Y2038) {
      return format(epochMillis, java.time.ZoneId.systemDefault().getRules().getOffset(java.time.Instant.ofEpochMilli(epochMillis))
          .getTotalSeconds());
    }
    return format(epochMillis, java.util.TimeZone.getDefault().getOffset(epochMillis) / 1000);
  }

  /** 2038-01-01T00:00:00Z. */
  private static final long Y2038 = 2145916800000L;

  /** epochMillis at offsetSeconds east of UTC. */
  public static String format(long epochMillis, int offsetSeconds) {
    long local = Math.floorDiv(epochMillis, 1000) + offsetSeconds;
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    long days = Math.floorDiv(local, 86400);
    int secs = (int) Math.floorMod(local, 86400L);
    long[] date = civil(days);
    long year = date[0], month = date[1], day = date[2];
    StringBuilder b = new StringBuilder(32);
    if (year > 9999) b.append('+');
    if (year < 0) {
      b.append('-');
      pad(b, -year, 4);
    } else {
      pad(b, year, 4);
    }
    b.append('-');
    pad(b, month, 2);
    b.append('-');
    pad(b, day, 2);
    b.append('T');
    pad(b, secs / 3600, 2);
    b.append(':');
    pad(b, secs / 60 % 60, 2);
    b.append(':');
    pad(b, secs % 60, 2);
    if (millis != 0) { // the fewest digits that hold it, as appendFraction(NANO_OF_SECOND, 0, 9, true)
      b.append('.');
      int m = millis;
      int digits = 3;
      while (m % 10 == 0) {
        m /= 10;
        digits--;
      }
      pad(b, m, digits);
    }
    if (offsetSeconds == 0) return b.append('Z').toString();
    int abs = Math.abs(offsetSeconds);
    b.append(offsetSeconds < 0 ? '-' : '+');
    pad(b, abs / 3600, 2);
    b.append(':');
    pad(b, abs / 60 % 60, 2);
    if (abs % 60 != 0) {
      b.append(':');
      pad(b, abs % 60, 2);
    }
    return b.toString();
  }

  /**
   * {@code {epochSecond, nanos}} of the usual form of an RFC 3339 time, as {@code Instant.parse}
   * reads it: {@code YYYY-MM-DDTHH:MM:SS}, an optional fraction of 1-9 digits, and {@code Z} or
   * {@code +HH:MM}/{@code -HH:MM}; null for anything else (lower case, a leap second, a date that
   * does not exist...), which the caller leaves to {@code Instant.parse} (java.time's parser links
   * lambdas, whose first one costs the JDK's method-handle machinery).
   */
  public static long[] parseUsual(String t) {
    int n = t.length();
    if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':' || t.charAt(16) != ':') return null;
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int min = digits(t, 14, 2);
    int sec = digits(t, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23 || min < 0 || min > 59
        || sec < 0 || sec > 59) {
      return null;
    }
    int i = 19;
    long nanos = 0;
    if (t.charAt(i) == '.') {
      int start = ++i;
      while (i < n && i - start < 10 && t.charAt(i) >= '0' && t.charAt(i) <= '9') nanos = nanos * 10 + (t.charAt(i++) - '0');
      int count = i - start;
      if (count < 1 || count > 9) return null;
      for (int k = count; k < 9; k++) nanos *= 10;
    }
    int offset;
    if (i == n - 1 && t.charAt(i) == 'Z') {
      offset = 0;
    } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
      int oh = digits(t, i + 1, 2);
      int om = digits(t, i + 4, 2);
      if (oh < 0 || oh > 18 || om < 0 || om > 59 || oh == 18 && om != 0) return null;
      offset = (oh * 3600 + om * 60) * (t.charAt(i) == '-' ? -1 : 1);
    } else {
      return null;
    }
    long days = daysFromCivil(year, month, day);
    return new long[] {days * 86400 + hour * 3600 + min * 60 + sec - offset, nanos};
  }

  /** The value of count ASCII digits at from, or -1. */
  private static int digits(String t, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int daysIn(int year, int month) {
    if (month == 2) return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  /** {@code {year, month, day}} of a day count from 1970-01-01, proleptic Gregorian (eras of 400 years from 0000-03-01). */
  public static long[] civil(long days) {
    long z = days + 719468;
    long era = Math.floorDiv(z, 146097);
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long month = mp < 10 ? mp + 3 : mp - 9;
    return new long[] {yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - (153 * mp + 2) / 5 + 1};
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date. */
  private static long daysFromCivil(long y, long m, long d) {
    y -= m <= 2 ? 1 : 0;
    long era = Math.floorDiv(y, 400);
    long yoe = y - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  private static void pad(StringBuilder b, long v, int width) {
    String s = Long.toString(v);
    for (int i = s.length(); i < width; i++) b.append('0');
    b.append(s);
  }
}
