package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tag 22 ATTACH after STATEDIR on the golden plan (what jbox start -a sends), against
 * helpers/tests/golden/plan-attach.bin, which helpers/tests/test_plan_attach.c decodes.
 */
class PlanWriterAttachTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-attach.bin");

  static final List<PlanWriter.Extra> EXTRAS = List.of(
      new PlanWriter.Extra(PlanWriter.T_STATEDIR, "/run/user/1000/jbox/0123abcd"),
      new PlanWriter.Extra(PlanWriter.T_ATTACH, "/run/user/1000/jbox/0123abcd\0tty\0" + "16 17"));

  @Test
  void encode_attachRecord_matchesTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(PlanWriterTest.golden(), EXTRAS);
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }

  @Test
  void append_toAnEncodedPlan_equalsEncodingWithTheExtras() {
    byte[] plain = PlanWriter.encode(PlanWriterTest.golden());
    assertArrayEquals(PlanWriter.encode(PlanWriterTest.golden(), EXTRAS), PlanWriter.append(plain, EXTRAS));
  }

  @Test
  void encodeRecords_isAHeaderAndTheRecordsAlone() {
    byte[] b = PlanWriter.encodeRecords(List.of(new PlanWriter.Extra(PlanWriter.T_ATTACH, "/d\0none\0")));
    assertEquals(10 + 6 + 8, b.length);
    assertEquals(b.length, (b[6] & 0xff) | (b[7] & 0xff) << 8);
    assertEquals(22, b[10]);
  }
}
