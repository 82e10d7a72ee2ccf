package dev.jbox.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanWriter;
import dev.jbox.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json's hooks into the plan's T_OCI_HOOK and T_OCI_STATE records (helpers/oci.c runs them). */
class HooksTest {
  static Map<String, Object> record() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("ociVersion", "1.0.2");
    r.put("id", "c1");
    r.put("bundle", "/b");
    r.put("rootfs", "/b/rootfs");
    r.put("created", "2026-12-03T20:00:00Z");
    r.put("annotations", Map.of("k", "v"));
    return r;
  }

  @Test
  void records_everyHookInLifecycleOrderAndEachKindsStateWithThePidSlot() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("poststop", List.of(Map.of("path", "/bin/stop")));
    config.put("createContainer", List.of(Map.of("path", "/bin/cc", "args", List.of("cc", "-x"), "env", List.of("A=1"), "timeout", 5L),
        Map.of("path", "/bin/cc2")));
    config.put("prestart", List.of());
    List<String> warnings = new ArrayList<>();
    Map<String, Object> hooks = Hooks.check(config, warnings);
    assertEquals(List.of("poststop", "createContainer"), List.copyOf(hooks.keySet()), "empty kinds left out");
    List<PlanWriter.Extra> r = Hooks.records(hooks, record());
    assertEquals(5, r.size(), r.toString());
    assertEquals(new PlanWriter.Extra(PlanWriter.T_OCI_HOOK, "createContainer\0" + "5\0" + "2\0" + "1\0/bin/cc\0cc\0-x\0A=1"), r.get(0));
    assertEquals(new PlanWriter.Extra(PlanWriter.T_OCI_HOOK, "createContainer\0" + "0\0" + "1\0-\0/bin/cc2\0/bin/cc2"), r.get(1));
    assertEquals(PlanWriter.T_OCI_STATE, r.get(2).tag());
    assertEquals(new PlanWriter.Extra(PlanWriter.T_OCI_HOOK, "poststop\0" + "0\0" + "1\0-\0/bin/stop\0/bin/stop"), r.get(3));
    for (PlanWriter.Extra e : List.of(r.get(2), r.get(4))) {
      String[] f = e.value().split("\0", -1);
      assertEquals(3, f.length);
      // what the helper makes of it: HEAD "pid":PID, TAIL, or HEAD TAIL for pid 0
      Map<String, Object> withPid = Json.parseObject(f[1] + "\"pid\":42," + f[2]);
      Map<String, Object> noPid = Json.parseObject(f[1] + f[2]);
      assertEquals(42L, ((Number) withPid.get("pid")).longValue());
      assertTrue(!noPid.containsKey("pid"), noPid.toString());
      assertEquals(f[0].equals("poststop") ? "stopped" : "creating", withPid.get("status"));
      assertEquals(List.of("ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner", "annotations"),
          List.copyOf(withPid.keySet()));
      assertEquals("c1", withPid.get("id"));
    }
  }

  @Test
  void check_refusesBadHooksAndWarnsOfUnknownKinds() {
    List<String> warnings = new ArrayList<>();
    assertEquals(Map.of(), Hooks.check(Map.of("postmortem", List.of(Map.of("path", "/bin/x"))), warnings));
    assertEquals(List.of("hooks.postmortem: not a hook kind of runtime-spec; ignored"), warnings);
    for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("path", "x"), Map.of("path", "/a/./b"), Map.of("path", "/a/.."),
        Map.of("path", "/x", "timeout", 0L), Map.of("path", "/x", "timeout", 86401L), Map.of("path", "/x", "args", List.of("a\0b")),
        Map.of("args", List.of("x")))) {
      assertThrows(JboxException.class, () -> Hooks.check(Map.of("poststart", List.of(bad)), new ArrayList<>()), bad.toString());
    }
    List<Object> many = new ArrayList<>();
    for (int i = 0; i < 65; i++) many.add(Map.of("path", "/x"));
    assertThrows(JboxException.class, () -> Hooks.check(Map.of("poststart", many), new ArrayList<>()));
  }
}
