package dev.jbox.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanWriter;
import dev.jbox.json.Json;
import dev.jbox.sandbox.MountOp;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.idmap.IdMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json into the plan, without the helper. */
@SuppressWarnings("unchecked")
class OciConfigTest {
  @TempDir Path bundle;

  Map<String, Object> config(boolean rootless) throws Exception {
    Files.createDirectories(bundle.resolve("rootfs"));
    return Json.parseObject(Json.write(SpecCommand.spec(rootless, new long[] {1001, 1001})));
  }

  @Test
  void rootlessSpec_ownIdsDirectAndDefaultsAsRunc() throws Exception {
    OciConfig oc = OciConfig.translate(config(true), bundle, 1001, 1001);
    assertEquals(IdMap.Tool.DIRECT, oc.plan().idMap().tool());
    assertEquals(NsMode.NEW, oc.plan().namespaces().get(Namespace.USER));
    assertEquals(NsMode.HOST, oc.plan().namespaces().get(Namespace.NET));
    assertEquals("0:0", oc.plan().user());
    assertTrue(oc.extras().contains(new PlanWriter.Extra(PlanWriter.T_UMASK, "22")));
    // AUDIT_WRITE(29) KILL(5) NET_BIND_SERVICE(10) in bounding, effective, permitted; ambient needs inheritable
    long caps = (1L << 29) | (1L << 5) | (1L << 10);
    assertTrue(oc.extras().contains(new PlanWriter.Extra(PlanWriter.T_CAPSETS, caps + " " + caps + " " + caps + " 0 0")), oc.extras().toString());
    assertTrue(oc.plan().mounts().contains(new MountOp("bind", "/sys", "/sys", "rec,nosuid,noexec,nodev,ro")), oc.plan().mounts().toString());
    assertTrue(oc.plan().mounts().contains(MountOp.of("tmpfs", "/dev", "nosuid,strictatime|mode=755,size=65536k")));
    assertTrue(oc.plan().mounts().contains(MountOp.of("mask", "/proc/kcore", "")));
  }

  @Test
  void asRoot_mapsWrittenByTheCaller_andSubordinateRangesThroughNewuidmap() throws Exception {
    Map<String, Object> c = config(true);
    assertEquals(IdMap.Tool.PRIVILEGED, OciConfig.translate(c, bundle, 0, 0).plan().idMap().tool());
    ((Map<String, Object>) c.get("linux")).put("uidMappings", List.of(Map.of("containerID", 0L, "hostID", 1001L, "size", 1L),
        Map.of("containerID", 1L, "hostID", 100000L, "size", 65536L)));
    assertEquals(IdMap.Tool.NEWIDMAP, OciConfig.translate(c, bundle, 1001, 1001).plan().idMap().tool());
  }

  @Test
  void unsignedRlimit_isUnlimited() throws Exception {
    Map<String, Object> c = Json.parseObject(Json.write(config(false)).replace("\"hard\":1024", "\"hard\":18446744073709551615"));
    assertEquals(-1L, OciConfig.translate(c, bundle, 0, 0).plan().rlimits().get(0).hard());
  }

  @Test
  void cleanInside_climbingAboveTheRootIsRefused() {
    assertEquals("/b", OciConfig.cleanInside("/a/../b", "x"));
    assertEquals("/a/b", OciConfig.cleanInside("a//./b/", "x"));
    assertThrows(JboxException.class, () -> OciConfig.cleanInside("/a/../../etc", "x"));
  }
}
