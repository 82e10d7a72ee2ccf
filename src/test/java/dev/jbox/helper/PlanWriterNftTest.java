package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plan of {@link PlanWriterLockTest} with every namespace new and tag 34 NFT appended (jbox shell --allow-host), against
 * helpers/tests/golden/plan-nft.bin, which helpers/tests/test_plan_nft.c decodes.
 */
class PlanWriterNftTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-nft.bin");

  @Test
  void encode_nftRecord_pathAndRules_matchesTheBytesTheHelperTests() throws Exception {
    Plan g = PlanWriterLockTest.golden();
    Map<Namespace, NsMode> ns = new EnumMap<>(Namespace.class);
    for (Namespace n : Namespace.values()) ns.put(n, NsMode.NEW); // the rules need a new network namespace
    Plan plan = new Plan(g.argv(), g.env(), g.cwd(), g.user(), g.hostname(), g.rootfs(), ns, g.idMap(), g.mounts(),
        g.rlimits(), g.capabilities(), g.flags(), g.timeOffsets(), g.networkHelper(), g.overlay(), g.cleanup(),
        g.removeDir(), g.fuse(), g.lockFile());
    byte[] bytes = PlanWriter.encode(plan,
        List.of(new PlanWriter.Extra(PlanWriter.T_NFT, "/usr/sbin/nft\0table inet jbox {\n}\n")));
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }
}
