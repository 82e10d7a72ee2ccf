package dev.jbox.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tmpfs mounts a --read-only root gets (podman's --read-only-tmpfs). */
class ReadOnlyTmpfsTest {
  @TempDir Path t;

  private static List<String> targets(List<MountOp> ops) {
    return ops.stream().map(MountOp::target).toList();
  }

  @Test
  void image_getsAllThree_withTmpModes() {
    List<MountOp> ops = SandboxBuilder.readOnlyTmpfs(List.of(), null);
    assertEquals(List.of("/tmp", "/var/tmp", "/run"), targets(ops));
    assertEquals(List.of("tmpfs"), ops.stream().map(MountOp::kind).distinct().toList());
    assertEquals("nosuid,nodev|mode=1777", ops.get(0).options());
    assertEquals("nosuid,nodev|mode=755", ops.get(2).options());
  }

  @Test
  void rootfsDirectory_onlyItsExistingDirs_noSymlinks_andNothingCreated() throws Exception {
    Files.createDirectories(t.resolve("tmp"));
    Files.createDirectories(t.resolve("elsewhere"));
    Files.createDirectories(t.resolve("var"));
    Files.createSymbolicLink(t.resolve("run"), t.resolve("elsewhere"));
    assertEquals(List.of("/tmp"), targets(SandboxBuilder.readOnlyTmpfs(List.of(), t.toString())));
    assertEquals(false, Files.exists(t.resolve("var/tmp")));
  }

  @Test
  void aUserMountOnTheSamePath_wins() {
    List<MountOp> user = List.of(Volumes.tmpfs("/tmp:size=1m"));
    assertEquals(List.of("/var/tmp", "/run"), targets(SandboxBuilder.readOnlyTmpfs(user, null)));
  }
}
