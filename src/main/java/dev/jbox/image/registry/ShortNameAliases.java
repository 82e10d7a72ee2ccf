package dev.jbox.image.registry;

import com.moandjiezana.toml.Toml;
import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The machine-written short-name alias files: the choice made at a short-name prompt is recorded
 * in jbox's own {@code short-name-aliases.conf}, and podman's recorded file is read too; both
 * take precedence over the aliases of registries.conf files, as in containers-registries.conf(5).
 */
public final class ShortNameAliases {
  private ShortNameAliases() {}

  /** The file jbox records choices in: {@code $XDG_CONFIG_HOME/jbox/short-name-aliases.conf}. */
  public static Path userFile(Map<String, String> env, String home) {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path config = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
    return config.resolve("jbox/short-name-aliases.conf");
  }

  /**
   * The recorded files read after every registries.conf, later ones winning: podman's
   * ({@code $XDG_CACHE_HOME/containers/short-name-aliases.conf}, or under
   * {@code /var/cache} for root), then jbox's {@link #userFile}.
   */
  public static List<Path> readFiles(Map<String, String> env, String home, boolean root) {
    List<Path> out = new ArrayList<>();
    if (root) {
      out.add(Path.of("/var/cache/containers/short-name-aliases.conf"));
    } else {
      String xdg = env.get("XDG_CACHE_HOME");
      Path cache = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".cache");
      out.add(cache.resolve("containers/short-name-aliases.conf"));
    }
    out.add(userFile(env, home));
    return out;
  }

  /**
   * Records {@code name = value} in {@code file}, keeping its other aliases: the file is rewritten
   * under a lock (a sibling {@code .lock} file) through a temporary file renamed over it, mode 0644.
   */
  public static void record(Path file, String name, ImageRef value) {
    if (!ImageRef.isShortName(name)) throw new IllegalArgumentException("not a short name: " + name);
    Path dir = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      try (FileChannel lockCh = FileChannel.open(dir.resolve(file.getFileName() + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        lockCh.lock(); // released when the channel closes
        Map<String, String> aliases = read(file);
        aliases.put(name, value.name());
        StringBuilder text = new StringBuilder(
            "# Written by jbox: the images chosen for short names at its prompt.\n[aliases]\n");
        for (Map.Entry<String, String> e : aliases.entrySet()) {
          text.append(quote(e.getKey())).append(" = ").append(quote(e.getValue())).append('\n');
        }
        AuthFile.replace(file, text.toString(), "rw-r--r--"); // 0644, like podman's alias file
      }
    } catch (IOException e) {
      throw new JboxException("record short-name alias in `" + file + "`: " + e.getMessage());
    }
  }

  private static Map<String, String> read(Path file) throws IOException {
    Map<String, String> out = new TreeMap<>();
    String text;
    try {
      text = dev.jbox.SmallFiles.read(file, "`" + file + "`");
    } catch (NoSuchFileException e) {
      return out;
    }
    Object table;
    try {
      table = new Toml().read(text).toMap().get("aliases");
    } catch (RuntimeException | StackOverflowError e) {
      throw new JboxException("`" + file + "`: invalid TOML; fix or remove it");
    }
    if (table instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = String.valueOf(e.getKey());
        if (k.length() >= 2 && k.startsWith("\"") && k.endsWith("\"")) k = k.substring(1, k.length() - 1);
        if (e.getValue() instanceof String v) out.put(k, v);
      }
    }
    return out;
  }

  // Short names and references hold no quote or backslash, so a basic TOML string needs no escapes.
  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
