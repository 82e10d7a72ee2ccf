package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code jbox commit --change}: podman's instructions on the image config, and the refusals. */
class CommitChangesTest {
  private static final byte[] BASE = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\",\"FOO=old\"],"
      + "\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + "1".repeat(64) + "\"]},"
      + "\"history\":[{\"created_by\":\"base\"}]}").getBytes(StandardCharsets.UTF_8);

  @SuppressWarnings("unchecked")
  private static Map<String, Object> config(List<String> changes) {
    byte[] out = Commit.config(BASE, Commit.parse(changes), "sha256:" + "2".repeat(64), "msg", "me");
    return Json.parseObject(new String(out, StandardCharsets.UTF_8));
  }

  @Test
  @SuppressWarnings("unchecked")
  void instructions_changeTheConfig_layerAndHistoryAdded() {
    Map<String, Object> cfg = config(List.of("CMD [\"echo\", \"hi\"]", "ENTRYPOINT tini --", "ENV FOO=new", "ENV BAR baz",
        "LABEL a=\"quoted value\"", "WORKDIR=/w", "USER 1000:1000", "EXPOSE 80 53/udp", "cmd [\"last\"]"));
    Map<String, Object> c = (Map<String, Object>) cfg.get("config");
    assertEquals(List.of("last"), c.get("Cmd"), "the last CMD wins, any case");
    assertEquals(List.of("/bin/sh", "-c", "tini --"), c.get("Entrypoint"));
    assertEquals(List.of("PATH=/bin", "FOO=new", "BAR=baz"), c.get("Env"));
    assertEquals(Map.of("a", "quoted value"), c.get("Labels"));
    assertEquals("/w", c.get("WorkingDir"));
    assertEquals("1000:1000", c.get("User"));
    assertEquals(Map.of("80/tcp", Map.of(), "53/udp", Map.of()), c.get("ExposedPorts"));
    assertEquals(List.of("sha256:" + "1".repeat(64), "sha256:" + "2".repeat(64)), ((Map<String, Object>) cfg.get("rootfs")).get("diff_ids"));
    List<Map<String, Object>> h = (List<Map<String, Object>>) cfg.get("history");
    assertEquals(2, h.size());
    assertEquals("msg", h.get(1).get("comment"));
    assertEquals("me", h.get(1).get("author"));
    assertEquals("me", cfg.get("author"));
    assertEquals("amd64", cfg.get("architecture"), "the rest of the image's config stays");
  }

  @Test
  void badChanges_areOneLineErrors() {
    for (String bad : List.of("FROM scratch", "RUN true", "ENV", "ENV =x", "WORKDIR relative", "EXPOSE 0", "EXPOSE 70000",
        "EXPOSE 80/icmp", "EXPOSE http", "CMD [\"a\", 1]", "CMD [", "CMD []", "LABEL novalue")) {
      JboxException e = assertThrows(JboxException.class, () -> Commit.parse(List.of(bad)), bad);
      assertTrue(e.getMessage().startsWith("commit: --change `" + bad + "`") && !e.getMessage().contains("\n"), e.getMessage());
    }
  }
}
