package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jbox.it.Jbox;
import dev.jbox.json.Json;
import dev.jbox.sandbox.DevShell;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The record templates of a prepared start ({@code start.config.json}, {@code start.exec.plan})
 * and the records the JVM writes for one start, against helpers/tests/golden/start-*:
 * helpers/tests/test_start_records.c completes the templates with the same caller
 * (start-caller.bin) and must produce the records byte for byte, and quotes every string of
 * json-strings.bin exactly as {@link Json#write} did (json-quoted.txt). Regenerate with
 * {@code -Djbox.writeGolden}.
 */
class StartRecordsTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden");
  static final Path PROJECT = Path.of("/home/dev/src/app \"quoted\\\"");
  static final String ID = "0123456789abcdef".repeat(4);

  /** Values a caller's environment and command may hold that JSON must escape or keep as they are. */
  static List<String> hostile() {
    StringBuilder controls = new StringBuilder();
    for (char c = 1; c < 0x20; c++) controls.append(c);
    return List.of("", "\"", "\\", "\\\"", "a\"b\\c", controls.toString(), "\u007f", "caf\u00e9", "\u2615 \u2028 \u2029",
        "\ud83d\ude00 \udbff\udfff", "\ufeff\uffff\ufffd", "tab\there\nnew\rret\bbs\ffeed", "x".repeat(100_000),
        "\\u0001jbox-start:command", "\u0001jbox-start:created", "@".repeat(63), "</script>");
  }

  @Test
  void recordTemplates_completedWithACaller_areTheRecordsTheJvmWrites() throws Exception {
    Map<Namespace, NsMode> ns = new EnumMap<>(Namespace.class);
    for (Namespace n : Namespace.values()) ns.put(n, NsMode.NEW);
    List<String> argv = new ArrayList<>(List.of("sh", "-c"));
    argv.addAll(hostile());
    List<String> env = new ArrayList<>(List.of("A=1", "EMPTY=", "container=jbox", "JBOX_SANDBOX=app"));
    int k = 0;
    for (String h : hostile()) env.add("V" + k++ + "=" + h);
    env.add("PS1=(jbox:app) \\u@\\h:\\w\\$ ");
    String cwd = PROJECT.resolve("sub/d\u00e9j\u00e0 \u0007").toString();
    Plan plan = new Plan(argv, env, cwd, "1000:1000", "app", "/", ns, null, List.of(),
        List.of(new Plan.Rlimit(7, 1024, 4096)), 0L, EnumSet.of(Plan.Flag.NO_NEW_PRIVS, Plan.Flag.SECCOMP,
            Plan.Flag.TTY, Plan.Flag.STDIN), null, List.of(), null, null, "/run/user/1000/jbox/files/" + ID,
        null, "/run/user/1000/jbox/" + ID + "/fgstate");
    SandboxRecord made = SandboxRecord.of(ID, "app", SandboxRecord.Kind.SHELL, "(host)", null, null, null, plan, false,
        null, null).withNetwork("pasta");
    long created = 1764870000123L;
    SandboxRecord r = new SandboxRecord(made.id(), made.name(), made.kind(), made.image(), made.imageId(), made.rootfs(),
        made.command(), created, made.rm(), made.hostname(), made.network(), made.ports(), made.mounts(),
        made.stopSignal(), made.overlay(), made.namespaces(), made.process(), made.plan(), made.etcFiles(),
        made.restart(), made.oci());
    byte[] record = SandboxStore.recordText(r.toJson()).getBytes(StandardCharsets.UTF_8);
    // the same start without a terminal: the template does not change, the record loses its tty
    Plan noTty = new Plan(argv, env, cwd, plan.user(), plan.hostname(), plan.rootfs(), plan.namespaces(), null, List.of(),
        plan.rlimits(), 0L, EnumSet.of(Plan.Flag.NO_NEW_PRIVS, Plan.Flag.SECCOMP, Plan.Flag.STDIN), null, List.of(), null,
        null, plan.removeDir(), null, plan.lockFile());
    SandboxRecord m2 = SandboxRecord.of(ID, "app", SandboxRecord.Kind.SHELL, "(host)", null, null, null, noTty, false,
        null, null).withNetwork("pasta");
    SandboxRecord r2 = new SandboxRecord(m2.id(), m2.name(), m2.kind(), m2.image(), m2.imageId(), m2.rootfs(),
        m2.command(), created, m2.rm(), m2.hostname(), m2.network(), m2.ports(), m2.mounts(), m2.stopSignal(),
        m2.overlay(), m2.namespaces(), m2.process(), m2.plan(), m2.etcFiles(), m2.restart(), m2.oci());
    byte[] recordNoTty = SandboxStore.recordText(r2.toJson()).getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(ShellSandboxes.recordTemplate(r), ShellSandboxes.recordTemplate(r2));
    assertEquals(List.of("no-new-privs", "seccomp", "tty", "stdin"), r.process().flags());
    byte[] exec = SandboxStore.execTemplate(r.process(), r.name());
    Plan template = DevShell.startTemplate(plan, "app", PROJECT);
    byte[] recordTemplate = marked(ShellSandboxes.recordTemplate(r));
    byte[] execTemplate = ShellSandboxes.execTemplate(r, template);

    ByteArrayOutputStream caller = new ByteArrayOutputStream();
    for (String f : List.of(ID, Long.toString(created), cwd, "tty", Integer.toString(argv.size()))) field(caller, f);
    for (String a : argv) field(caller, a);
    field(caller, Integer.toString(env.size()));
    for (String e : env) field(caller, e);

    ByteArrayOutputStream strings = new ByteArrayOutputStream();
    StringBuilder quoted = new StringBuilder();
    for (String s : randomStrings()) {
      field(strings, s);
      quoted.append(Json.write(s)).append('\n');
    }
    Map<String, byte[]> golden = new java.util.LinkedHashMap<>();
    golden.put("start-config-template.json", recordTemplate);
    golden.put("start-config.json", record);
    golden.put("start-config-notty.json", recordNoTty);
    golden.put("start-exec-template.bin", execTemplate);
    golden.put("start-exec.bin", exec);
    golden.put("start-caller.bin", caller.toByteArray());
    golden.put("json-strings.bin", strings.toByteArray());
    golden.put("json-quoted.txt", quoted.toString().getBytes(StandardCharsets.UTF_8));
    if (System.getProperty("jbox.writeGolden") != null) {
      for (Map.Entry<String, byte[]> e : golden.entrySet()) Files.write(GOLDEN.resolve(e.getKey()), e.getValue());
    }
    for (Map.Entry<String, byte[]> e : golden.entrySet()) {
      assertArrayEquals(Files.readAllBytes(GOLDEN.resolve(e.getKey())), e.getValue(), e.getKey());
    }
    // the template's tokens stand exactly where the caller's parts were
    String filled = new String(recordTemplate, StandardCharsets.UTF_8).replace("@".repeat(64), ID)
        .replace(Json.write(ShellSandboxes.RECORD_TOKENS.get(1)), Long.toString(created))
        .replace(Json.write(ShellSandboxes.RECORD_TOKENS.get(3)), Json.write(cwd));
    filled = filled.replace(Json.write(ShellSandboxes.RECORD_TOKENS.get(4)), Json.write("tty"));
    filled = filled.replace(Json.write(ShellSandboxes.RECORD_TOKENS.get(0)), list(argv, 4))
        .replace(Json.write(ShellSandboxes.RECORD_TOKENS.get(2)), list(env, 6));
    assertEquals(new String(record, StandardCharsets.UTF_8), filled);
  }

  @Test
  void aRecordWhoseValuesHoldAToken_getsNoTemplate() {
    SandboxRecord r = new SandboxRecord(ID, "app", SandboxRecord.Kind.SHELL, "(host)", null, "/",
        List.of("x"), 1L, false, ShellSandboxes.RECORD_TOKENS.get(3), "pasta", List.of(), List.of(), "TERM", null,
        Map.of(), new SandboxRecord.Process(List.of("A=1"), "/", "1:1", 0, List.of(), List.of()), null, null, null, null);
    assertNull(ShellSandboxes.recordTemplate(r));
  }

  /** The elements after the first as Json.pretty writes a list's, at this indent (the first token's place). */
  static String list(List<String> l, int indent) {
    StringBuilder b = new StringBuilder();
    for (String s : l) {
      if (b.length() > 0) b.append(",\n").append(" ".repeat(indent));
      b.append(Json.write(s));
    }
    return b.toString();
  }

  static byte[] marked(byte[] b) {
    return new String(b, StandardCharsets.UTF_8).replace(ID, "@".repeat(64)).getBytes(StandardCharsets.UTF_8);
  }

  static void field(ByteArrayOutputStream o, String s) {
    o.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    o.write(0);
  }

  /** Strings of code points of every UTF-8 length (no NUL, no lone surrogate: what a valid UTF-8 environment decodes to). */
  static List<String> randomStrings() {
    Random rnd = new Random(20261204);
    List<String> out = new ArrayList<>(hostile());
    for (int i = 0; i < 3000; i++) {
      StringBuilder b = new StringBuilder();
      int n = rnd.nextInt(24);
      for (int j = 0; j < n; j++) {
        int cp = switch (rnd.nextInt(6)) {
          case 0 -> 1 + rnd.nextInt(0x1f);
          case 1, 2 -> 0x20 + rnd.nextInt(0x60);
          case 3 -> 0x80 + rnd.nextInt(0x780);
          case 4 -> {
            int c = 0x800 + rnd.nextInt(0x10000 - 0x800 - 0x800);
            yield c >= 0xd800 ? c + 0x800 : c;
          }
          default -> 0x10000 + rnd.nextInt(0x100000);
        };
        b.appendCodePoint(cp);
      }
      out.add(b.toString());
    }
    return out;
  }
}
