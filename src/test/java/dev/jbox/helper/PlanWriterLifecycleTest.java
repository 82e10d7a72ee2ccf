package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle tags (20 STATEDIR, 21 EXEC) appended to the golden plan, against
 * helpers/tests/golden/plan-lifecycle.bin, which helpers/tests/test_plan_lifecycle.c decodes.
 */
class PlanWriterLifecycleTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-lifecycle.bin");

  static final List<PlanWriter.Extra> EXTRAS = List.of(
      new PlanWriter.Extra(PlanWriter.T_STATEDIR, "/run/user/1000/jbox/0123abcd"),
      new PlanWriter.Extra(PlanWriter.T_EXEC, "4242 987654321"));

  @Test
  void encode_lifecycleRecords_matchTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(PlanWriterTest.golden(), EXTRAS);
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }
}
