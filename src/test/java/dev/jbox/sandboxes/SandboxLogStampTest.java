package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The monitor stamp written and read by hand equals java.time's, and what is not one is refused. */
class SandboxLogStampTest {
  @Test
  void monitorStamps_readAsJavaTimeReadsThem() {
    List<String> fixed = List.of("1970-01-01T00:00:00.000000000Z", "2026-12-03T19:15:29.123456789Z",
        "2000-02-29T23:59:59.999999999Z", "2100-03-01T00:00:00.000000001Z", "1969-12-31T23:59:59.500000000Z",
        "2024-02-29T12:00:00.000000000Z", "9999-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00.000000000Z");
    for (String s : fixed) {
      assertEquals(OffsetDateTime.parse(s).toInstant(), SandboxLog.monitorStamp(s), s);
    }
    Random r = new Random(7);
    for (int i = 0; i < 20000; i++) {
      Instant t = Instant.ofEpochSecond(r.nextLong(-62135596800L, 253402300799L), r.nextInt(1_000_000_000));
      String s = SandboxLog.stamp(t);
      assertEquals(java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
          .withZone(java.time.ZoneOffset.UTC).format(t), s);
      assertEquals(t, SandboxLog.monitorStamp(s), s);
      assertEquals(t, SandboxLog.parseStamp(s), s);
    }
  }

  @Test
  void otherForms_areNotMonitorStamps_butTheGeneralParserStillTakesThem() {
    for (String s : List.of("2026-02-30T00:00:00.000000000Z", "2025-02-29T00:00:00.000000000Z", "2026-13-01T00:00:00.000000000Z",
        "2026-12-03T24:00:00.000000000Z", "2026-12-03T19:15:29.12345678xZ", "2026-12-03T19:15:29Z", "2026-12-03 19:15:29.123456789Z")) {
      assertNull(SandboxLog.monitorStamp(s), s);
    }
    assertEquals(OffsetDateTime.parse("2026-12-03T19:15:29+01:00").toInstant(), SandboxLog.parseStamp("2026-12-03T19:15:29+01:00"));
  }
}
