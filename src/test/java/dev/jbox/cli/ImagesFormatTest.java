package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * images' and system df's sizes and CREATED, written out by hand (no Formatter, no java.time on
 * their path), print what String.format and Duration.between(Instant.parse(...), now) print.
 */
class ImagesFormatTest {
  @Test
  void si_isWhatStringFormatPrints() {
    SplittableRandom r = new SplittableRandom(14);
    long[] edges = {0, 1, 999, 1000, 1049, 1050, 1051, 1149, 1150, 1151, 9_949, 9_950, 99_950, 999_949, 999_950, 999_999, 1_000_000,
        1_049_999, 1_050_000, 1_150_000, 999_949_999, 999_950_000, 999_999_999, 1_000_000_000, 1_004_999_999, 1_005_000_000,
        1_015_000_000, 1_025_000_000, 999_995_000_000L, 123_456_789_012_345L};
    for (long n : edges) assertEquals(format(n), ImagesCommand.si(n), Long.toString(n));
    for (int i = 0; i < 300_000; i++) {
      long n = switch (i % 4) {
        case 0 -> r.nextLong(1_000_000);
        case 1 -> r.nextLong(1_000_000_000);
        case 2 -> r.nextLong(10_000_000_000_000L);
        default -> r.nextLong(20_000) * (i % 8 == 3 ? 50 : 50_000) + (i % 3) - 1; // around each rounding edge
      };
      if (n < 0) continue;
      assertEquals(format(n), ImagesCommand.si(n), Long.toString(n));
    }
  }

  private static String format(long n) {
    if (n < 1000) return n + " B";
    if (n < 1_000_000) return String.format("%.1f kB", n / 1e3);
    if (n < 1_000_000_000) return String.format("%.1f MB", n / 1e6);
    return String.format("%.2f GB", n / 1e9);
  }

  @Test
  void secondsSince_isDurationBetween_forUsualAndUnusualForms() {
    SplittableRandom r = new SplittableRandom(15);
    for (int i = 0; i < 200_000; i++) {
      long sec = r.nextLong(0, 4_102_444_800L);
      int nano = switch (i % 4) {
        case 0 -> 0;
        case 1 -> r.nextInt(1000) * 1_000_000;
        default -> r.nextInt(1_000_000_000);
      };
      Instant created = Instant.ofEpochSecond(sec, nano);
      int off = i % 3 == 0 ? 0 : r.nextInt(-18 * 60, 18 * 60 + 1) * 60;
      String text = i % 5 == 0 ? created.toString()
          : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(created.atOffset(ZoneOffset.ofTotalSeconds(off)));
      long now = sec * 1000 + r.nextLong(-5_000, 40_000_000_000L);
      assertEquals(Duration.between(Instant.parse(text), Instant.ofEpochMilli(now)).getSeconds(), ImagesCommand.secondsSince(text, now), text);
    }
    // what the hand-written reader leaves to Instant.parse
    for (String text : new String[] {"2026-12-04t01:02:03z", "2016-12-31T23:59:60Z"}) {
      long now = 1_800_000_000_123L;
      assertEquals(Duration.between(Instant.parse(text), Instant.ofEpochMilli(now)).getSeconds(), ImagesCommand.secondsSince(text, now), text);
    }
  }

  @Test
  void parseUsual_readsTheUsualForms_andLeavesTheRest() {
    assertEquals(1764810123L, dev.jbox.Rfc3339.parseUsual("2025-12-04T01:02:03Z")[0]);
    for (String bad : new String[] {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-04T24:00:00Z", "2026-12-04T01:02:03",
        "2026-12-04T01:02:03.Z", "2026-12-04T01:02:03+19:00", "2026-12-04 01:02:03Z", "2016-12-31T23:59:60Z", "+2026-12-04T01:02:03Z"}) {
      assertEquals(null, dev.jbox.Rfc3339.parseUsual(bad), bad);
    }
  }
}
