package dev.jbox.image.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Whether the "registry R is insecure" warning was already shown in this session of use: once per
 * registry per login session and boot, not on every pull. The mark is a file
 * {@code $XDG_RUNTIME_DIR/jbox/warned/insecure-REGISTRY} holding the kernel's boot id; the runtime
 * directory goes away when the user's last session ends, and a mark from an earlier boot (a runtime
 * directory that is not a tmpfs) does not count. Without XDG_RUNTIME_DIR the warning is shown every
 * time. See jbox-registries.conf(5).
 */
final class InsecureNotices {
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  private InsecureNotices() {}

  /** True when the warning for {@code registry} is due (and marks it shown); never throws. */
  static boolean firstInSession(String registry, Map<String, String> env) {
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime == null || runtime.isEmpty() || !runtime.startsWith("/")) return true;
    try {
      String boot = Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
      Path dir = Path.of(runtime, "jbox", "warned");
      Path mark = dir.resolve("insecure-" + fileName(registry));
      if (Files.isRegularFile(mark, LinkOption.NOFOLLOW_LINKS)
          && Files.readString(mark, StandardCharsets.US_ASCII).trim().equals(boot)) {
        return false;
      }
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Path tmp = Files.createTempFile(dir, ".mark", null);
      Files.writeString(tmp, boot + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, mark, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (IOException | RuntimeException e) {
      return true; // when in doubt, warn
    }
  }

  /** The registry (host[:port]) as a file name: letters, digits, '.', '-', '_' kept, others as %XX. */
  static String fileName(String registry) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < registry.length(); i++) {
      char c = registry.charAt(i);
      if (c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) b.append(c);
      else b.append('%').append(String.format("%02X", (int) c & 0xff));
    }
    return b.toString();
  }
}
