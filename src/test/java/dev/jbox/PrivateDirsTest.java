package dev.jbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 1: the image store and the runtime state are the user's alone (0700), and the
 * open ones an older jbox made (0755) are tightened on first use, through the one place both
 * stores use. (tests/system/otheruser.sh has another account try them.)
 */
class PrivateDirsTest {
  @TempDir Path tmp;

  static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  static Path openDir(Path p) throws Exception {
    Files.createDirectories(p);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void imageStore_newIs0700_existingOpenOneIsTightened() throws Exception {
    Path fresh = tmp.resolve("a/jbox/storage");
    dev.jbox.image.store.ImageStore.open(fresh);
    assertEquals("rwx------", mode(fresh));
    Path old = openDir(tmp.resolve("old/storage"));
    openDir(old.resolve("containers/abc/upper"));
    dev.jbox.image.store.ImageStore.open(old);
    assertEquals("rwx------", mode(old));
    // below the root nothing is changed: an upper dir's mode is the sandbox's `/`
    assertEquals("rwxr-xr-x", mode(old.resolve("containers/abc/upper")));
  }

  @Test
  void imageStore_mayBeASymlinkToTheDirectory() throws Exception {
    Path real = openDir(tmp.resolve("real"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    dev.jbox.image.store.ImageStore.open(link);
    assertEquals("rwx------", mode(real));
  }

  @Test
  void stateRoot_existingOpenOneIsTightened_symlinkStillRefused() throws Exception {
    Path xdg = Files.createDirectories(tmp.resolve("xdg"));
    openDir(xdg.resolve("jbox"));
    dev.jbox.sandboxes.SandboxStore.open(Map.of("XDG_RUNTIME_DIR", xdg.toString()), null);
    assertEquals("rwx------", mode(xdg.resolve("jbox")));

    Path other = Files.createDirectories(tmp.resolve("xdg2"));
    Path target = openDir(tmp.resolve("elsewhere"));
    Files.createSymbolicLink(other.resolve("jbox"), target);
    assertThrows(JboxException.class, () -> dev.jbox.sandboxes.SandboxStore.open(Map.of("XDG_RUNTIME_DIR", other.toString()), null));
    assertEquals("rwxr-xr-x", mode(target), "a symlinked state root is refused, not followed and changed");
  }
}
