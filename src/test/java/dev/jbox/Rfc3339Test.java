package dev.jbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** Rfc3339 prints what java.time's ISO_OFFSET_DATE_TIME prints, and the default zone's offset as ZoneId's rules give it. */
class Rfc3339Test {
  private static String javaTime(long ms, ZoneId zone) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.ofEpochMilli(ms).atZone(zone));
  }

  @Test
  void format_isIsoOffsetDateTime_atEveryKindOfOffset() {
    SplittableRandom r = new SplittableRandom(14);
    int[] offsets = {0, 3600, -3600, 19800, -34200, 50400, -43200, 3600 + 1800 + 17, -(600 + 40)};
    long[] fixed = {0, 1, 10, 100, 120, 999, 1000, -1, 951782400000L, 4102444799999L, 253402300799999L, 1764819056123L, -62135596800000L};
    for (int off : offsets) {
      ZoneOffset z = ZoneOffset.ofTotalSeconds(off);
      for (long ms : fixed) assertEquals(javaTime(ms, z), Rfc3339.format(ms, off), ms + " at " + off);
      for (int i = 0; i < 20000; i++) {
        long ms = r.nextLong(-2208988800000L, 7258118400000L); // 1900-2200
        if (i % 3 == 0) ms -= ms % 1000; // whole seconds
        if (i % 3 == 1) ms -= ms % 10;
        assertEquals(javaTime(ms, z), Rfc3339.format(ms, off), ms + " at " + off);
      }
    }
  }

  @Test
  void local_isTheDefaultZonesTime_inEveryZone() {
    TimeZone saved = TimeZone.getDefault();
    SplittableRandom r = new SplittableRandom(15);
    try {
      for (String id : new String[] {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
          "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "Asia/Kathmandu", "Europe/Dublin", "GMT+05:30"}) {
        TimeZone.setDefault(TimeZone.getTimeZone(id));
        for (int i = 0; i < 5000; i++) {
          // 2000-2037: records are made now, and past 2037 java.util.TimeZone (a table that ends in
          // 2037, then one yearly rule) and java.time disagree where the rules are not yearly: on
          // JDK 17.0.15, 116 of these times in Africa/Casablanca (Ramadan) in 2038-2050
          long ms = r.nextLong(946684800000L, 2145916800000L);
          assertEquals(javaTime(ms, ZoneId.systemDefault()), Rfc3339.local(ms), ms + " in " + id);
        }
      }
    } finally {
      TimeZone.setDefault(saved);
    }
  }
}
