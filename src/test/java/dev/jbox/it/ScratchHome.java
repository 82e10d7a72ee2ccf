package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fresh $HOME for the `jbox shell` tests, under a test's temporary directory: home/ with a git
 * project at home/src/app, a 0700 xdg/ for XDG_RUNTIME_DIR, and (when the test asks for them)
 * storage/ and config/ beside them, so that no other test's sandboxes or images are seen. Each
 * test adds the files of its own scenario.
 */
final class ScratchHome {
  final Path tmp;
  final Path home;
  final Path project;

  ScratchHome(Path tmp) throws IOException {
    this.tmp = tmp;
    this.home = tmp.resolve("home");
    this.project = home.resolve("src/app");
    Files.createDirectories(project.resolve(".git/hooks"));
    Files.createDirectories(tmp.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /** jbox's runtime directory: XDG_RUNTIME_DIR/jbox. */
  Path runtime() {
    return tmp.resolve("xdg/jbox");
  }

  /**
   * The launcher's environment (a new map to add to): HOME, SHELL=/bin/bash and XDG_RUNTIME_DIR;
   * with ownStore also JBOX_STORAGE and XDG_CONFIG_HOME in the scratch directory (without it the
   * store is the one under HOME).
   */
  Map<String, String> env(boolean ownStore) {
    Map<String, String> e = new HashMap<>();
    e.put("HOME", home.toString());
    e.put("SHELL", "/bin/bash");
    e.put("XDG_RUNTIME_DIR", tmp.resolve("xdg").toString());
    if (ownStore) {
      e.put("XDG_CONFIG_HOME", tmp.resolve("config").toString());
      e.put("JBOX_STORAGE", tmp.resolve("storage").toString());
    }
    return e;
  }

  /** Whether a shell started with HOME=h has made its home layer there. */
  static boolean hasHomeLayer(Path h) {
    return Files.exists(h.resolve(".local/share/jbox/shells"));
  }

  /**
   * The home layer of the project in cwd under HOME=h removed with `jbox shell --reset` (its work
   * directory belongs to a subordinate id: only the user namespace deletes it), if a shell made
   * one; the reset must succeed. (cwd: a test may have moved the project.)
   */
  static void reset(Path cwd, Path h, Map<String, String> env, Map<String, String> extra) {
    if (!hasHomeLayer(h)) return;
    Jbox.Result r = Jbox.inDir(cwd, env, extra, List.of("shell", "--reset"));
    assertEquals(0, r.code(), r.toString());
  }
}
