package dev.jbox.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The golden plan with the OCI runtime's records (tags 28-33: OCI, CAPSETS, GROUPS, UMASK,
 * OOMSCORE, DOMAINNAME, sec-host's PRESERVE_FDS, 27, SECCOMP, 44, ROOTPROP, 45, OCI_HOOK, 46, and OCI_STATE, 47) appended, against helpers/tests/golden/plan-oci.bin, which
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
      new PlanWriter.Extra(PlanWriter.T_ROOTPROP, "rslave"),
      // hooks (46, 47): one with its own env and a timeout, one with the runtime's environment
      new PlanWriter.Extra(PlanWriter.T_OCI_HOOK, "createContainer\0005\0002\0001\0/bin/hook\0hook-cc\0-x\0K=V"),
      new PlanWriter.Extra(PlanWriter.T_OCI_HOOK, "poststop\0000\0001\000-\0/bin/stop\0stop"),
      new PlanWriter.Extra(PlanWriter.T_OCI_STATE, "createContainer\0{\"id\":\"c1\",\0\"status\":\"creating\"}"),
      new PlanWriter.Extra(PlanWriter.T_OCI_STATE, "poststop\0{\"id\":\"c1\",\0\"status\":\"stopped\"}"));

  @Test
  void encode_ociRecords_matchTheBytesTheHelperTests() throws Exception {
    byte[] bytes = PlanWriter.encode(PlanWriterTest.golden(), EXTRAS);
    if (System.getProperty("jbox.writeGolden") != null) Files.write(GOLDEN, bytes);
    assertArrayEquals(Files.readAllBytes(GOLDEN), bytes);
  }
}
