package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An OCI-runtime container as a typed sandbox record, and the store at an engine's --root. */
class OciRecordTest {
  @TempDir Path tmp;

  static SandboxRecord sample(String id) {
    Map<String, List<SandboxRecord.Hook>> hooks = new LinkedHashMap<>();
    hooks.put("poststart", List.of(new SandboxRecord.Hook("/bin/true", List.of("true", "a b"), null, null)));
    hooks.put("poststop", List.of(new SandboxRecord.Hook("/bin/sh", List.of("sh", "-c", "exit 0"), List.of("A=1", "B="), 5L)));
    hooks.put("prestart", List.of());
    Map<String, String> ann = new LinkedHashMap<>();
    ann.put("org.example.key", "value");
    ann.put("io.kubernetes.cri.sandbox-id", "x");
    return SandboxRecord.ofOci(id, "/b/rootfs", List.of("sleep", "100"), 1_764_000_000_123L, "jbox",
        new SandboxRecord.Oci("1.0.2", "/b", ann, hooks, "/run/console.sock", "/run/ctr.pid"));
  }

  @Test
  void ociRecord_roundTripsThroughItsJson() {
    SandboxRecord r = sample("ctr_1.a+b-c");
    Map<String, Object> json = Json.parseObject(Json.write(r.toJson()));
    assertEquals("oci", json.get("kind"));
    SandboxRecord back = SandboxRecord.of(json);
    assertEquals(r, back);
    assertEquals(SandboxRecord.Kind.OCI, back.kind());
    assertEquals("/b", back.oci().bundle());
    assertEquals(List.of("A=1", "B="), back.oci().hooks("poststop").get(0).env());
    assertNull(back.oci().hooks("poststart").get(0).env(), "no env: the runtime's own, not an empty one");
    assertEquals(5L, back.oci().hooks("poststop").get(0).timeout());
    assertTrue(back.oci().hasHooks());
    assertEquals(List.of(), back.oci().hooks("createRuntime"));
    assertEquals("ctr_1.a+b-c", back.shortId(), "a short runc id is its own short id");
    // the hook code reads config.json's shape
    assertEquals(Map.of("path", "/bin/true", "args", List.of("true", "a b")), back.oci().hooks("poststart").get(0).toJson());
    // any other kind has no OCI part, and keeps it through withName/withRestart
    assertNull(SandboxStoreTest.config("a".repeat(64), "n").oci());
    assertEquals(r.oci(), r.withName("x").withRestart(RestartPolicy.parse("always")).oci());
    SandboxRecord.Oci bare = new SandboxRecord.Oci("1.0.2", "/b", Map.of(), Map.of("poststop", List.of()), null, null);
    assertFalse(bare.hasHooks());
  }

  @Test
  void ociIds_areRuncs() {
    for (String ok : List.of("a", "A-b_c.d+e", "files", "config.json", "x".repeat(1024))) assertTrue(SandboxRecord.Oci.validId(ok), ok);
    for (String bad : List.of("", ".", "..", "a/b", "a b", "@lock", "x".repeat(1025))) assertFalse(SandboxRecord.Oci.validId(bad), bad);
  }

  @Test
  void ociRootStore_createsFindsListsRemoves_withRuncIds() throws Exception {
    Path root = tmp.resolve("engine-root");
    SandboxStore store = SandboxStore.atOciRoot(root);
    Sandbox a = store.createNew(sample("files"));
    Sandbox b = store.createNew(sample("config.json"));
    assertEquals(root.resolve("files"), a.home());
    assertEquals(sample("files"), store.get("files").record());
    JboxException e = assertThrows(JboxException.class, () -> store.createNew(sample("files")));
    assertEquals("container with id `files` already exists", e.getMessage());
    assertEquals(List.of("config.json", "files"), store.list().stream().map(Sandbox::id).sorted().toList());
    assertEquals(Status.Kind.CREATED, a.status().kind(), "no init recorded yet");
    // the store leaves nothing of its own in the engine's directory
    assertEquals(List.of("config.json", "files"), Files.list(root).map(p -> p.getFileName().toString()).sorted().toList());

    // one kind per store: the user's store ignores an OCI record, an OCI root any other
    SandboxStore user = SandboxStore.open(Map.of("XDG_RUNTIME_DIR", tmp.toString(), "JBOX_STORAGE", tmp.resolve("s").toString()), w -> { });
    user.create(SandboxStoreTest.config("b".repeat(64), null));
    Files.createDirectories(tmp.resolve("jbox").resolve("c".repeat(64)));
    Files.copy(root.resolve("files/config.json"), tmp.resolve("jbox").resolve("c".repeat(64) + "/config.json"));
    assertEquals(List.of("b".repeat(64)), user.list().stream().map(Sandbox::id).toList());
    Files.createDirectories(root.resolve("d".repeat(64)));
    Files.copy(tmp.resolve("jbox").resolve("b".repeat(64) + "/config.json"), root.resolve("d".repeat(64) + "/config.json"));
    assertNull(store.get("d".repeat(64)));

    // removing "config.json" (an id) touches neither the container "files" nor its files
    Files.writeString(b.home().resolve("pid"), "1 1\n");
    store.removeRuntime(b);
    assertNull(store.get("config.json"));
    assertEquals(sample("files"), store.get("files").record());
    store.removeRuntime(a);
    assertEquals(List.of("d".repeat(64)), Files.list(root).map(p -> p.getFileName().toString()).toList());
  }

  @Test
  void olderJboxOciState_isReadAsTheRecord_andRemoved() throws Exception {
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("old1"));
    // as jbox-oci wrote it before the typed record (Container.create's map)
    Files.writeString(root.resolve("old1/state.json"), "{\"ociVersion\":\"1.0.2\",\"id\":\"old1\",\"bundle\":\"/b\","
        + "\"rootfs\":\"/b/rootfs\",\"created\":\"2026-12-03T20:19:13.123456Z\",\"annotations\":{\"k\":\"v\"},\"hooks\":{}}");
    Files.writeString(root.resolve("old1/pid"), "999999999 1\n");
    SandboxStore store = SandboxStore.atOciRoot(root);
    Sandbox s = store.get("old1");
    assertEquals(SandboxRecord.Kind.OCI, s.record().kind());
    assertEquals("/b", s.record().oci().bundle());
    assertEquals("/b/rootfs", s.record().rootfs());
    assertEquals(Map.of("k", "v"), s.record().oci().annotations());
    assertEquals(java.time.Instant.parse("2026-12-03T20:19:13.123Z").toEpochMilli(), s.record().created());
    assertFalse(s.record().oci().hasHooks());
    assertEquals(Status.Kind.EXITED, s.status().kind(), "its init is gone");
    assertEquals(List.of("old1"), store.list().stream().map(Sandbox::id).toList());
    store.removeRuntime(s);
    assertEquals(List.of(), Files.list(root).toList());
  }
}
