package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The golden plan with the OCI runtime's records (tags 28-33: OCI, CAPSETS, GROUPS, UMASK,
 * OOMSCORE, DOMAINNAME, sec-host's PRESERVE_FDS, 27, SECCOMP, 44, and ROOTPROP, 45) appended, against helpers/tests/golden/plan-oci.bin, which
 * helpers/tests/test_plan_oci.c decodes.
 */
class PlanWriterOciTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden/plan-oci.bin");

  static final List<PlanWriter.Extra> EXTRAS = List.of(
      new PlanWriter.Extra(PlanWriter.T_CAPSETS, "1061 1056 1060 1024 1024"),
      new PlanWriter.Extra(PlanWriter.T_GROUPS, "5"),
      new PlanWriter.Extra(PlanWriter.T_GROUPS, "10"),
      new PlanWriter.Extra(PlanWriter.T_UMASK, "27"),
      new PlanWriter.Extra(PlanWriter.T_OOMSCORE, "-500"),
      new PlanWriter.Extra(PlanWriter.T_DOMAINNAME, "example.test"),
      new PlanWriter.Extra(PlanWriter.T_PRESERVE_FDS, "2"),
      new PlanWriter.Extra(PlanWriter.T_OCI, "create\0/r/c1\0/r/c1.pid\0/t/console.sock"),
      // load the arch, allow: flags SECCOMP_FILTER_FLAG_LOG
      new PlanWriter.Extra(PlanWriter.T_SECCOMP, "2 0020000000000004" + "000600007fff0000"),
      new PlanWriter.Extra(PlanWriter.T_ROOTPROP, "rslave"));

  @Test
  void encode_ociRecords_matchTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(PlanWriterTest.golden(), EXTRAS);
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }
}
