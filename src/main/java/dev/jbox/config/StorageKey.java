package dev.jbox.config;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * What the launcher's fast paths (ps, inspect, exec, kill, stop, rm, logs...: helpers/exec_fast.c,
 * {@code store_dirs}) need from a configuration with settings: the storage root it sets. They
 * cannot parse TOML, so a JVM that loaded the configuration records, in RUNTIME/jbox/storage.key,
 * the SHA-256 of the two files it read (/etc/jbox/jbox.toml and the user's) and the root they set;
 * while both files hold those bytes, the launcher takes the root from there. Without the key, or
 * with other bytes, every such command goes to the JVM, which writes the key again.
 *
 * <pre>
 * jbox-storage 1
 * SHA256-HEX of /etc/jbox/jbox.toml, or "absent"
 * the user's jbox.toml path
 * SHA256-HEX of it, or "absent"
 * [storage] root, or "-" for none
 * </pre>
 */
final class StorageKey {
  private StorageKey() {}

  static final String NAME = "storage.key";

  /**
   * Writes the key when one of the two files has settings and the runtime directory is there
   * (made by the first sandbox; until then there is nothing for the fast paths to find). Nothing
   * with $JBOX_CONFIG set: the launcher leaves those commands to the JVM. Best effort: a key that
   * cannot be written only costs the next command its fast path.
   */
  static void remember(Map<String, String> env, List<Path> layers, Map<Path, String> read, Config c) {
    String explicit = env.get("JBOX_CONFIG");
    if (explicit != null && !explicit.isEmpty()) return;
    Path system = layers.get(0);
    Path user = layers.get(1);
    boolean settings = false;
    for (Path p : List.of(system, user)) {
      String text = read.get(p);
      if (text != null && !ConfigLoader.onlyComments(text)) settings = true;
    }
    if (!settings) return;
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime == null || !runtime.startsWith("/")) return;
    Path dir = Path.of(runtime, "jbox");
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    String root = c.storage().root();
    if (root.indexOf('\n') >= 0) return; // the launcher reads lines
    String text = "jbox-storage 1\n" + hash(read.get(system)) + "\n" + user + "\n" + hash(read.get(user)) + "\n"
        + (root.isEmpty() ? "-" : root) + "\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Path key = dir.resolve(NAME);
    try {
      try (InputStream in = new FileInputStream(key.toFile())) {
        if (java.util.Arrays.equals(in.readNBytes(bytes.length + 1), bytes)) return;
      } catch (IOException absent) {
        // written below
      }
      Path tmp = dir.resolve(NAME + "." + dev.jbox.SmallFiles.randomHex(8) + ".tmp");
      try {
        dev.jbox.SmallFiles.writeNewPrivate(tmp, bytes);
        Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException | RuntimeException e) {
      // the next JVM tries again; until then, the JVM answers
    }
  }

  /** The SHA-256 of the text's bytes as read (valid UTF-8, so encoding it gives them back). */
  private static String hash(String text) {
    if (text == null) return "absent";
    return java.util.HexFormat.of().formatHex(dev.jbox.Sha256.digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
