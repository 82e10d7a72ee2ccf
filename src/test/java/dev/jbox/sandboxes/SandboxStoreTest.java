package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.sandbox.SandboxBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state store without any sandbox: names, lookup, stale detection, the private directory checks. */
class SandboxStoreTest {
  @TempDir Path tmp;

  SandboxStore store() {
    List<String> warnings = new ArrayList<>();
    SandboxStore s = SandboxStore.open(Map.of("XDG_RUNTIME_DIR", tmp.toString(), "JBOX_STORAGE", tmp.resolve("storage").toString()),
        warnings::add);
    assertEquals(List.of(), warnings);
    return s;
  }

  static SandboxRecord config(String id, String name) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("name", name);
    c.put("created", System.currentTimeMillis());
    c.put("command", List.of("sleep", "1"));
    return SandboxRecord.of(c);
  }

  @Test
  void names_areValidatedAndUnique() {
    SandboxStore s = store();
    assertEquals("web.1_a-b", SandboxStore.validName("web.1_a-b"));
    for (String bad : List.of("-x", ".x", "a b", "a/b", "", "0123456789ab")) {
      assertThrows(JboxException.class, () -> SandboxStore.validName(bad), bad);
    }
    s.create(config(SandboxBuilder.newId(), "web"));
    JboxException e = assertThrows(JboxException.class, () -> s.create(config(SandboxBuilder.newId(), "web")));
    assertTrue(e.getMessage().contains("in use"), e.getMessage());
  }

  @Test
  void find_byIdNameAndUniquePrefix_ambiguousAndUnknownRefused() {
    SandboxStore s = store();
    String a = "ab" + "0".repeat(62);
    String b = "ac" + "1".repeat(62);
    s.create(config(a, "one"));
    s.create(config(b, null));
    assertEquals(a, s.find("one").id());
    assertEquals(a, s.find(a).id());
    assertEquals(a, s.find("ab").id());
    assertEquals(b, s.find("ac1").id());
    assertTrue(assertThrows(JboxException.class, () -> s.find("a")).getMessage().contains("ambiguous"));
    assertTrue(assertThrows(JboxException.class, () -> s.find("zz")).getMessage().contains("no such sandbox"));
  }

  @Test
  void status_checksPidAndStartTime_staleStateShowsExitedUnknown() throws Exception {
    SandboxStore s = store();
    Sandbox sb = s.create(config(SandboxBuilder.newId(), null));
    assertEquals(Status.Kind.CREATED, sb.status().kind());
    long me = ProcessHandle.current().pid();
    long start = Procfs.startTime(me);
    write(sb, "{\"status\":\"running\",\"pid\":" + me + ",\"pidStart\":" + start + ",\"monitorPid\":1,\"monitorStart\":1,"
        + "\"started\":1,\"exitCode\":null,\"finished\":null}");
    assertTrue(sb.status().running());
    assertTrue(assertThrows(JboxException.class, () -> s.removeRuntime(sb)).getMessage().contains("is running"));
    // the same pid with another start time: a reused pid, as after a reboot
    write(sb, "{\"status\":\"running\",\"pid\":" + me + ",\"pidStart\":" + (start + 1) + ",\"monitorPid\":1,\"monitorStart\":1,"
        + "\"started\":1,\"exitCode\":null,\"finished\":null}");
    Status st = sb.status();
    assertEquals(Status.Kind.EXITED, st.kind());
    assertTrue(st.stale());
    assertEquals("Exited (unknown)", st.human(System.currentTimeMillis()));
    write(sb, "{\"status\":\"exited\",\"pid\":5,\"pidStart\":5,\"monitorPid\":1,\"monitorStart\":1,"
        + "\"started\":1000,\"exitCode\":137,\"finished\":2000}");
    assertEquals("Exited (137) 3 seconds ago", sb.status().human(5000));
    s.removeRuntime(sb);
    assertFalse(Files.exists(sb.runtimeDir()));
  }

  static void write(Sandbox sb, String json) throws Exception {
    Files.writeString(sb.runtimeDir().resolve("state"), json);
  }

  @Test
  void privateDir_refusesSymlinks_tightensOpenModes() throws Exception {
    long uid = dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0];
    Path link = tmp.resolve("link");
    Files.createSymbolicLink(link, tmp);
    assertThrows(JboxException.class, () -> SandboxStore.mkPrivate(link, uid));
    Path open = tmp.resolve("open");
    Files.createDirectory(open, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    SandboxStore.mkPrivate(open, uid); // an open one (an older jbox's, or made by hand) is tightened (issue 10)
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(open)));
    assertThrows(JboxException.class, () -> SandboxStore.mkPrivate(tmp.resolve("mine"), uid + 1));
    SandboxStore.mkPrivate(tmp.resolve("ok"), uid);
  }

  @Test
  void durations_readLikePodmans() {
    assertEquals("Less than a second", Status.duration(300));
    assertEquals("1 second", Status.duration(1000));
    assertEquals("4 seconds", Status.duration(4999));
    assertEquals("About a minute", Status.duration(61_000));
    assertEquals("5 minutes", Status.duration(300_000));
    assertEquals("About an hour", Status.duration(3_600_000));
  }

  @Test
  void procfs_startTimeParsesAnyCommandName() {
    assertEquals(777, Procfs.parseStartTime("12 (a) (b c) S 1 12 12 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 777 1000 10"));
    assertTrue(Procfs.startTime(ProcessHandle.current().pid()) > 0);
    assertEquals(-1, Procfs.startTime(Integer.MAX_VALUE));
  }
}
