package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.it.Jbox;
import dev.jbox.sandbox.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The golden plan with the tags 23 RMDIR, 24 FUSE and 26 SYSCTL, against helpers/tests/golden/plan-files.bin,
 * which helpers/tests/test_plan_files.c decodes; plan.bin and plan-lifecycle.bin stay as they were.
 */
class PlanWriterFilesTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-files.bin");

  static Plan golden() {
    Plan g = PlanWriterTest.golden();
    return new Plan(g.argv(), g.env(), g.cwd(), g.user(), g.hostname(), g.rootfs(), g.namespaces(), g.idMap(), g.mounts(),
        g.rlimits(), g.capabilities(), g.flags(), g.timeOffsets(), g.networkHelper(), g.overlay(), g.cleanup(),
        "/run/user/1000/jbox/files/0123abcd", new Plan.Fuse("/usr/bin/fuse-overlayfs", true),
        java.util.List.of(new Plan.Sysctl("net.ipv4.tcp_wmem", "4096 16384 131072"), new Plan.Sysctl("kernel.shmmni", "99")));
  }

  @Test
  void encode_filesAndFuseRecords_matchTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(golden());
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }
}
