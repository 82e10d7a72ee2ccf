package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbox.JboxException;
import dev.jbox.it.Jbox;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandboxes.RestartPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plan of {@link PlanWriterLockTest} as a kept sandbox has it (no CLEANUP, no RMDIR) with
 * STATEDIR and tag 38 RESTART appended (jbox run -d --restart=on-failure:2), against
 * helpers/tests/golden/plan-restart.bin, which helpers/tests/test_plan_restart.c decodes.
 */
class PlanWriterRestartTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-restart.bin");

  @Test
  void encode_restartRecord_afterStateDir_matchesTheBytesTheHelperTests() throws Exception {
    Plan g = PlanWriterLockTest.golden();
    Plan kept = new Plan(g.argv(), g.env(), g.cwd(), g.user(), g.hostname(), g.rootfs(), g.namespaces(), g.idMap(), g.mounts(),
        g.rlimits(), g.capabilities(), g.flags(), g.timeOffsets(), g.networkHelper(), g.overlay(), null,
        null, g.fuse(), g.lockFile());
    byte[] bytes = PlanWriter.encode(kept, List.of(new PlanWriter.Extra(PlanWriter.T_STATEDIR, "/run/user/1000/jbox/0123abcd"),
        RestartPolicy.parse("on-failure:2").record()));
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }

  @Test
  void policies_parseAsPodmanTakesThem() {
    assertEquals(new RestartPolicy("on-failure", 0), RestartPolicy.parse("on-failure"));
    assertEquals("on-failure 5", RestartPolicy.parse("on-failure:5").record().value());
    assertEquals("always 0", RestartPolicy.parse("always").record().value());
    assertEquals("unless-stopped 0", RestartPolicy.parse("unless-stopped").record().value());
    assertEquals(RestartPolicy.NO, RestartPolicy.parse("no"));
    assertEquals(RestartPolicy.NO, RestartPolicy.parse(null));
    assertEquals("on-failure:5", RestartPolicy.parse("on-failure:5").spec());
    for (String bad : List.of("sometimes", "on-failure:", "on-failure:-1", "on-failure:x", "always:2", "on-failure:99999999", "on-failure:1000001")) {
      assertThrows(JboxException.class, () -> RestartPolicy.parse(bad), bad);
    }
  }
}
