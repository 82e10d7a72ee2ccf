package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.it.Jbox;
import dev.jbox.sandbox.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The plan of {@link PlanWriterFilesTest} with tag 25 LOCKFILE, against
 * helpers/tests/golden/plan-lock.bin, which helpers/tests/test_plan_lock.c decodes; the other
 * golden files stay as they were.
 */
class PlanWriterLockTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-lock.bin");

  static Plan golden() {
    Plan g = PlanWriterFilesTest.golden();
    return new Plan(g.argv(), g.env(), g.cwd(), g.user(), g.hostname(), g.rootfs(), g.namespaces(), g.idMap(), g.mounts(),
        g.rlimits(), g.capabilities(), g.flags(), g.timeOffsets(), g.networkHelper(), g.overlay(), g.cleanup(),
        g.removeDir(), g.fuse(), "/s/c/state");
  }

  @Test
  void encode_lockFileRecord_comesLast_matchesTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(golden());
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }

  @Test
  void keepingGeneratedFiles_keepsTheLockFile() throws Exception {
    byte[] kept = PlanWriter.encode(golden().keepingGeneratedFiles());
    byte[] tail = "/s/c/state".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertArrayEquals(tail, java.util.Arrays.copyOfRange(kept, kept.length - tail.length, kept.length));
  }
}
