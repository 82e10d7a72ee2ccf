package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.it.Jbox;
import dev.jbox.sandbox.MountOp;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The plan's bytes against helpers/tests/golden/plan.bin, which the C test
 * (helpers/tests/test_plan.c) decodes field by field: one format, checked from both sides.
 */
class PlanWriterTest {
  /** The plan the golden file holds; test_plan.c asserts the same values. */
  static Plan golden() {
    return new Plan(
        List.of("sh", "-c", "echo hi"),
        List.of("PATH=/bin", "A=b=c"),
        "/work",
        "1000:1000",
        "box",
        "/tmp/rootfs",
        Map.of(Namespace.NET, NsMode.HOST, Namespace.PID, NsMode.join("/proc/1/ns/pid")),
        new IdMap(List.of(new IdRange(0, 1000, 1), new IdRange(1, 100000, 65536)), List.of(new IdRange(0, 1000, 1)), IdMap.Tool.NEWIDMAP, null),
        List.of(MountOp.of("proc", "/proc", "nosuid,nodev,noexec"), new MountOp("symlink", "pts/ptmx", "/dev/ptmx", ""),
            MountOp.of("tmpfs", "/dev/shm", "nosuid|mode=1777")),
        List.of(new Plan.Rlimit(7, 1024, 4096), new Plan.Rlimit(4, -1, -1)),
        0x800405fbL,
        EnumSet.of(Plan.Flag.SECCOMP, Plan.Flag.NO_NEW_PRIVS, Plan.Flag.TTY),
        new Plan.TimeOffsets(86400, -5),
        List.of("/usr/bin/pasta", "--config-net", "@PID@"),
        new Plan.Overlay(List.of("/s/l2", "/s/l1"), "/s/c/upper", "/s/c/work"),
        "/s/c");
  }

  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan.bin");

  @Test
  void encode_goldenPlan_matchesTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(golden());
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }

  @Test
  void encode_header_magicVersionAndLength() {
    byte[] b = PlanWriter.encode(golden());
    assertEquals("JBXP", new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(1, b[4]);
    assertEquals(b.length, (b[6] & 0xff) | (b[7] & 0xff) << 8 | (b[8] & 0xff) << 16 | (b[9] & 0xff) << 24);
  }
}
