package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.helper.PlanWriter;
import dev.jbox.it.Jbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The templates of a prepared run (RunPrepared.templates, helpers/run_fast.c): the id becomes 64
 * {@code @} and its first 12 digits (the hostname) 12 {@code @}, in a plan only inside its records'
 * values; a template where that could be mistaken is not made. Against helpers/tests/golden/run-*:
 * helpers/tests/test_run_fast.c fills the templates with the id (and the record's created time)
 * and must get the JVM's bytes back. Regenerate with {@code -Djbox.writeGolden}.
 */
class RunTemplatesTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden");
  static final String ID = "5a3c0e9f1b2d4c6e8f0a1b2c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f6";
  static final String HOST = ID.substring(0, 12);

  /** A run's plan as records: the id and the hostname in paths, a value, an environment entry; pasta's @ placeholders. */
  static byte[] plan(String id) {
    String host = id.substring(0, 12);
    String c = "/home/u@x/.local/share/jbox/storage/containers/" + id;
    List<PlanWriter.Extra> r = new ArrayList<>();
    r.add(new PlanWriter.Extra(1, "sh"));
    r.add(new PlanWriter.Extra(1, "-c"));
    r.add(new PlanWriter.Extra(1, "echo a@b; echo " + "@".repeat(11)));
    r.add(new PlanWriter.Extra(2, "HOSTNAME=" + host));
    r.add(new PlanWriter.Extra(5, host));
    r.add(new PlanWriter.Extra(6, c + "/merged"));
    r.add(new PlanWriter.Extra(11, "bind\0/run/user/1000/jbox/files/" + id + "/hostname\0/etc/hostname\0nofollow"));
    // a value of 64 bytes: its length's first byte is '@' (0x40), which is no marker
    r.add(new PlanWriter.Extra(12, "x".repeat(64)));
    r.add(new PlanWriter.Extra(17, "/usr/bin/pasta\0--config-net\0@PID@\0--fd\0@READY_FD@"));
    r.add(new PlanWriter.Extra(18, "/l1:/l2\0" + c + "/upper\0" + c + "/work"));
    r.add(new PlanWriter.Extra(19, c));
    r.add(new PlanWriter.Extra(23, "/run/user/1000/jbox/files/" + id));
    r.add(new PlanWriter.Extra(25, c + "/state"));
    return PlanWriter.encodeRecords(r);
  }

  static SandboxRecord record(String id, long created) {
    return new SandboxRecord(id, null, SandboxRecord.Kind.RUN, "127.0.0.1:5000/a@b:latest", "sha256:" + "ab".repeat(32), null,
        List.of("sh", "-c", "echo \"" + id.substring(0, 12) + "\"\n  \"created\": 1,"), created, true, id.substring(0, 12), "none",
        List.of(), List.of(), "TERM", null, Map.of(), new SandboxRecord.Process(List.of("PATH=/bin", "HOSTNAME=" + id.substring(0, 12)),
            null, null, 2147747323L, List.of("no-new-privs"), List.of()), null, null, null, null);
  }

  @Test
  void templates_filledWithTheId_areTheJvmsBytes() throws Exception {
    byte[] plan = plan(ID);
    byte[] planT = RunPrepared.planTemplate(plan, ID);
    assertNotNull(planT);
    // the template is the plan with the markers for an id: the same bytes, the lengths unchanged
    assertArrayEquals(plan(ShellSandboxes.ID_MARKER), planT);
    byte[] rec = SandboxStore.recordText(record(ID, 1796444675362L).toJson()).getBytes(StandardCharsets.UTF_8);
    byte[] recT = RunPrepared.textTemplate(rec, ID);
    assertNotNull(recT);
    String t = new String(recT, StandardCharsets.UTF_8);
    assertTrue(t.contains("\"id\": \"" + "@".repeat(64) + "\""), t);
    assertTrue(t.contains("\"hostname\": \"" + "@".repeat(12) + "\""), t);
    assertEquals(new String(rec, StandardCharsets.UTF_8), t.replace("@".repeat(64), ID).replace("@".repeat(12), HOST));
    // the command's own text of the created line is a string, escaped: the record's own line is there once
    assertEquals(1, t.split("\n  \"created\": ", -1).length - 1, t);

    Map<String, byte[]> golden = new LinkedHashMap<>();
    // a run with a command (its last two words, after the entrypoint `sh`): named by its options
    // and image, the templates without the command (a token in the record's list)
    Path files = Files.createTempDirectory("run-files");
    try {
      for (String f : List.of("hostname", "hosts", "resolv.conf")) Files.writeString(files.resolve(f), f.equals("resolv.conf") ? "nameserver 10.0.2.3\n" : HOST + "\n");
      SandboxRecord r = record(ID, 1796444675362L);
      Map<String, byte[]> t2 = RunPrepared.templates(ID, plan, r.toJson(), SandboxStore.execTemplate(r.process(), null), files, 2);
      assertNotNull(t2);
      String cfg = new String(t2.get("run.config.json"), StandardCharsets.UTF_8);
      assertTrue(cfg.contains("\"command\": [\n    \"sh\",\n    \"\\u0001jbox-run:command\"\n  ],"), cfg);
      assertEquals(new String(t2.get("run.hostname"), StandardCharsets.UTF_8), "@".repeat(12) + "\n");
      golden.put("run-plan-cmd-template.bin", t2.get("run.plan"));
      golden.put("run-config-cmd-template.json", t2.get("run.config.json"));
      // more command words than the plan has: none
      assertNull(RunPrepared.templates(ID, plan, r.toJson(), SandboxStore.execTemplate(r.process(), null), files, 4));
    } finally {
      try (var l = Files.list(files)) {
        for (Path f : l.toList()) Files.delete(f);
      }
      Files.delete(files);
    }
    golden.put("run-plan.bin", plan);
    golden.put("run-plan-template.bin", planT);
    golden.put("run-config.json", rec);
    golden.put("run-config-template.json", recT);
    if (System.getProperty("jbox.writeGolden") != null) {
      for (Map.Entry<String, byte[]> e : golden.entrySet()) Files.write(GOLDEN.resolve(e.getKey()), e.getValue());
    }
    for (Map.Entry<String, byte[]> e : golden.entrySet()) {
      assertArrayEquals(Files.readAllBytes(GOLDEN.resolve(e.getKey())), e.getValue(), e.getKey());
    }
  }

  @Test
  void preparedRunsBeyondTheNewest64_areRemoved(@org.junit.jupiter.api.io.TempDir Path runs) throws Exception {
    for (int i = 0; i < 70; i++) {
      Path d = Files.createDirectory(runs.resolve(String.format("%016x.prepared", i)));
      Files.writeString(d.resolve("key"), "k");
      for (String t : RunPrepared.TEMPLATES) Files.writeString(d.resolve(t), "t");
      Files.setLastModifiedTime(d.resolve("key"), java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
    }
    Path outside = Files.createDirectory(runs.getParent().resolve(runs.getFileName() + "-outside"));
    Files.writeString(outside.resolve("key"), "mine");
    Files.createSymbolicLink(runs.resolve("0.prepared"), outside);
    RunPrepared.prune(runs, 64);
    List<String> left;
    try (var l = Files.list(runs)) {
      left = l.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(64, left.size(), left.toString());
    for (int i = 0; i < 7; i++) assertTrue(!left.contains(String.format("%016x.prepared", i)), "the oldest went: " + i);
    assertTrue(left.contains(String.format("%016x.prepared", 69)));
    // (a symlink is never removed through, nor anything behind it)
    assertEquals("mine", Files.readString(outside.resolve("key")));
    RunPrepared.prune(runs, 64);
    try (var l = Files.list(runs)) {
      assertEquals(64, l.count());
    }
  }

  @Test
  void aTemplateWhereAMarkerCouldBeMistaken_isNotMade() {
    String base = "a " + ID + " b";
    assertNotNull(RunPrepared.textTemplate(base.getBytes(StandardCharsets.US_ASCII), ID));
    // a run of 12 or more @ of the record's own
    assertNull(RunPrepared.textTemplate((base + " " + "@".repeat(12)).getBytes(StandardCharsets.US_ASCII), ID));
    assertNull(RunPrepared.textTemplate((base + " " + "@".repeat(64)).getBytes(StandardCharsets.US_ASCII), ID));
    // an @ of its own next to a marker
    assertNull(RunPrepared.textTemplate(("a @" + ID + " b").getBytes(StandardCharsets.US_ASCII), ID));
    assertNull(RunPrepared.textTemplate(("a " + HOST + "@ b").getBytes(StandardCharsets.US_ASCII), ID));
    // two hostnames side by side would read as another marker
    assertNull(RunPrepared.textTemplate(("a " + HOST + HOST + " b").getBytes(StandardCharsets.US_ASCII), ID));
    // short runs of its own are text
    assertNotNull(RunPrepared.textTemplate(("@ a@b @PID@ " + "@".repeat(11) + " " + HOST).getBytes(StandardCharsets.US_ASCII), ID));
    // a plan it cannot walk
    byte[] p = plan(ID);
    assertNull(RunPrepared.planTemplate(java.util.Arrays.copyOf(p, p.length - 1), ID));
    assertNull(RunPrepared.planTemplate(new byte[5], ID));
  }
}
