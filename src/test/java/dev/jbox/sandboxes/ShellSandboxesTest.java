package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.sandbox.SandboxBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a new shell sandbox finds and removes its project's ended ones (without listing every
 * record unless the project may have one its link does not name: the {@code .others} file) and
 * gets its name (the project's, or another where a sandbox has it, decided where the record is
 * written).
 */
class ShellSandboxesTest {
  @TempDir Path tmp;

  static final String PROJECT = "0123456789abcdef";

  SandboxStore store() {
    return SandboxStore.open(Map.of("XDG_RUNTIME_DIR", tmp.toString(), "JBOX_STORAGE", tmp.resolve("storage").toString()), null);
  }

  /** A shell record that never ran and is two minutes old: ended (ShellSandboxes.ended). */
  static SandboxRecord shell(String id, String name) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("name", name);
    c.put("kind", "shell");
    c.put("created", System.currentTimeMillis() - 120_000);
    c.put("command", List.of("true"));
    return SandboxRecord.of(c);
  }

  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @Test
  void removeEnded_withoutOthers_readsOnlyTheLinkedRecord() throws Exception {
    SandboxStore s = store();
    Sandbox linked = ShellSandboxes.record(s, shell(SandboxBuilder.newId(), "app"), PROJECT, Path.of("/p"), true);
    assertFalse(Files.exists(s.root().resolve("projects").resolve(PROJECT + ShellSandboxes.OTHERS)), "a linked sandbox alone: no .others");
    // another sandbox whose record is a FIFO: reading it would block until a writer comes, which never does
    Path fifo = s.runtimeDir(SandboxBuilder.newId());
    Files.createDirectories(fifo);
    Process p = new ProcessBuilder("mkfifo", fifo.resolve(SandboxStore.RECORD).toString()).inheritIO().start();
    assertEquals(0, p.waitFor());
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> ShellSandboxes.removeEnded(s, PROJECT, QUIET),
        "removeEnded read a record that is not the project's linked one");
    assertNull(s.get(linked.id()), "the project's ended sandbox is removed");
    assertFalse(Files.exists(s.root().resolve("projects").resolve(PROJECT), java.nio.file.LinkOption.NOFOLLOW_LINKS),
        "and its link");
  }

  @Test
  void aSandboxTheLinkDoesNotName_isRemovedByTheNextShell() {
    SandboxStore s = store();
    Path others = s.root().resolve("projects").resolve(PROJECT + ShellSandboxes.OTHERS);
    // --new: not linked, so the .others file says a listing is needed
    Sandbox extra = ShellSandboxes.record(s, shell(SandboxBuilder.newId(), "app"), PROJECT, Path.of("/p"), false);
    assertTrue(Files.exists(others), "--new leaves .others");
    Sandbox linked = ShellSandboxes.record(s, shell(SandboxBuilder.newId(), "app-2"), PROJECT, Path.of("/p"), true);
    Sandbox foreign = ShellSandboxes.record(s, shell(SandboxBuilder.newId(), "lib"), "fedcba9876543210", Path.of("/q"), true);
    ShellSandboxes.removeEnded(s, PROJECT, QUIET);
    assertNull(s.get(extra.id()), "the unlinked ended one is removed");
    assertNull(s.get(linked.id()), "the linked ended one is removed");
    assertTrue(s.get(foreign.id()) != null, "another project's is kept");
    assertFalse(Files.exists(others), "none of the project's left: .others dropped");

    // the link moving on from a sandbox that is still there (its removal failed, or it was still
    // starting): that one is then unlinked, so .others comes back
    Sandbox kept = ShellSandboxes.record(s, shell(SandboxBuilder.newId(), "app"), PROJECT, Path.of("/p"), true);
    assertFalse(Files.exists(others));
    ShellSandboxes.record(s, shell(SandboxBuilder.newId(), "app-3"), PROJECT, Path.of("/p"), true);
    assertTrue(Files.exists(others), "the link moved on from " + kept.id());
    ShellSandboxes.removeEnded(s, PROJECT, QUIET);
    assertNull(s.get(kept.id()), "the unlinked one is found by the listing");
  }

  @Test
  void aTakenName_isFoundWhereTheRecordIsWritten_nothingWritten() {
    SandboxStore s = store();
    Sandbox web = s.create(shell(SandboxBuilder.newId(), "app"));
    String id = SandboxBuilder.newId();
    assertNull(ShellSandboxes.record(s, shell(id, "app"), PROJECT, Path.of("/p"), true, true));
    assertFalse(Files.exists(s.runtimeDir(id).resolve(SandboxStore.RECORD)), "no record written");
    assertFalse(Files.exists(s.root().resolve("projects").resolve(PROJECT), java.nio.file.LinkOption.NOFOLLOW_LINKS), "no link");
    String other = ShellSandboxes.otherName(ShellSandboxes.baseName("app"), id);
    assertEquals("app-" + id.substring(0, 6), other);
    Sandbox r = ShellSandboxes.record(s, shell(id, other), PROJECT, Path.of("/p"), true, true);
    assertEquals(other, r.name());
    assertEquals(id, ShellSandboxes.linked(s, PROJECT).id());
    assertTrue(s.get(web.id()) != null);
    // a project directory's name that is no sandbox name
    assertEquals("shell-_x", ShellSandboxes.baseName("_x"));
    assertEquals("app.1", ShellSandboxes.baseName("app.1"));
  }
}
