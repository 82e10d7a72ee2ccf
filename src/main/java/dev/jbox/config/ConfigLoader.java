package dev.jbox.config;

import com.moandjiezana.toml.Toml;
import dev.jbox.JboxException;
import dev.jbox.SmallFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the TOML layers into a {@link Config}. A later layer overrides a key of an earlier one;
 * unknown keys are an error naming the file, so a typo never passes silently.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Every table and its keys that a layer may set: what jbox.toml(5) and config/jbox.toml document (a test checks). */
  public static final Map<String, List<String>> KEYS = Map.of(
      "run", List.of("capabilities", "seccomp", "no_new_privileges", "init", "network", "env", "ulimits"),
      "storage", List.of("root", "driver", "max_layer_size"));

  /** storage.max_layer_size's default, 32 GiB (config/jbox.toml says why). */
  public static final long DEFAULT_MAX_LAYER_SIZE = 32L << 30;

  /** The built-in defaults: what config/jbox.toml documents. */
  public static Config builtin() {
    return new Config(
        new Config.Run(Capabilities.PODMAN_DEFAULTS, true, true, false, "auto", List.of(), List.of()),
        new Config.Storage("", "overlay", DEFAULT_MAX_LAYER_SIZE));
  }

  /** The files read, lowest priority first, from the environment given. */
  public static List<Path> layers(Map<String, String> env) {
    List<Path> out = new ArrayList<>();
    out.add(Path.of("/etc/jbox/jbox.toml"));
    String xdg = dev.jbox.PolicyInputs.env(env, "XDG_CONFIG_HOME");
    String home = dev.jbox.PolicyInputs.env(env, "HOME");
    if (home == null) home = System.getProperty("user.home");
    Path userDir = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
    out.add(userDir.resolve("jbox/jbox.toml"));
    String explicit = dev.jbox.PolicyInputs.env(env, "JBOX_CONFIG");
    if (explicit != null && !explicit.isEmpty()) out.add(Path.of(explicit));
    return out;
  }

  /**
   * True when every line of the text is blank or a comment, as the packaged /etc/jbox/jbox.toml
   * is: such a layer changes nothing, and parsing it would cost every start toml4j's classes and
   * its regular expressions (about 10 ms).
   */
  static boolean onlyComments(String text) {
    boolean lineStart = true;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        lineStart = true;
      } else if (lineStart && (c == ' ' || c == '\t' || c == '\r')) {
        continue;
      } else if (lineStart && c == '#') {
        while (i + 1 < text.length() && text.charAt(i + 1) != '\n') i++;
      } else {
        return false;
      }
    }
    return true;
  }

  private static Config current;

  /**
   * The configuration of this process, loaded once from its environment: what every command reads
   * (the storage root of {@code jbox images} is the one {@code jbox run} uses).
   */
  public static synchronized Config current() {
    if (current == null) {
      Map<String, String> env = System.getenv();
      Map<Path, String> read = new java.util.HashMap<>();
      current = load(env, read);
      StorageKey.remember(env, layers(env), read, current);
    }
    return current;
  }

  /**
   * Where images, layers and image sandboxes live, by precedence: $JBOX_STORAGE, then [storage]
   * root of the configuration, then $XDG_DATA_HOME/jbox/storage (~/.local/share/jbox/storage).
   */
  public static Path storageRoot(Map<String, String> env, Config c) {
    String s = dev.jbox.PolicyInputs.env(env, "JBOX_STORAGE");
    if (s != null && !s.isEmpty()) return Path.of(s);
    if (!c.storage().root().isEmpty()) return Path.of(c.storage().root());
    String x = dev.jbox.PolicyInputs.env(env, "XDG_DATA_HOME");
    String home = dev.jbox.PolicyInputs.env(env, "HOME");
    Path data = x != null && !x.isEmpty() ? Path.of(x)
        : Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), ".local", "share");
    return data.resolve("jbox").resolve("storage");
  }

  /** Loads every layer that exists ($JBOX_CONFIG must exist when set). */
  public static Config load(Map<String, String> env) {
    return load(env, null);
  }

  /** As {@link #load(Map)}, putting the text of every file it read into {@code read} (when not null). */
  static Config load(Map<String, String> env, Map<Path, String> read) {
    Config c = builtin();
    String explicit = env.get("JBOX_CONFIG");
    for (Path p : layers(env)) {
      if (!dev.jbox.PolicyInputs.exists(p)) {
        if (explicit != null && p.toString().equals(explicit)) throw new JboxException("JBOX_CONFIG: `" + p + "` does not exist");
        continue;
      }
      c = apply(c, p, read);
    }
    return c;
  }

  static Config apply(Config base, Path file) {
    return apply(base, file, null);
  }

  private static Config apply(Config base, Path file, Map<Path, String> read) {
    Toml t;
    try {
      // read once, bounded and regular files only (SmallFiles), before anything looks at it
      String text = SmallFiles.read(file, "config `" + file + "`");
      if (read != null) read.put(file, text);
      if (onlyComments(text)) return base;
      t = new Toml().read(text);
      return merge(base, t, file.toString());
    } catch (java.nio.file.NoSuchFileException e) {
      throw new JboxException("config `" + file + "`: no such file");
    } catch (StackOverflowError e) { // toml4j parses nested arrays and tables by recursion
      throw new JboxException("config `" + file + "`: nested too deeply");
    } catch (JboxException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new JboxException("config `" + file + "`: " + e.getMessage());
    }
  }

  /** Merges one parsed layer over {@code base}. */
  public static Config merge(Config base, Toml t, String source) {
    for (String key : t.toMap().keySet()) {
      if (!KEYS.containsKey(key)) throw new JboxException("config `" + source + "`: unknown table or key `" + key + "`");
    }
    Config.Run r = base.run();
    Toml run = t.getTable("run");
    if (run != null) {
      for (String key : run.toMap().keySet()) {
        if (!KEYS.get("run").contains(key)) {
          throw new JboxException("config `" + source + "`: unknown key `run." + key + "`");
        }
      }
      try {
        List<String> caps = run.getList("capabilities", r.capabilities());
        caps.forEach(Capabilities::bit);
        r = new Config.Run(
            caps,
            run.getBoolean("seccomp", r.seccomp()),
            run.getBoolean("no_new_privileges", r.noNewPrivileges()),
            run.getBoolean("init", r.init()),
            run.getString("network", r.network()),
            run.getList("env", r.env()),
            run.getList("ulimits", r.ulimits()));
      } catch (ClassCastException e) {
        throw new JboxException("config `" + source + "`: a [run] key has the wrong type: " + e.getMessage());
      } catch (JboxException e) {
        throw new JboxException("config `" + source + "`: " + e.getMessage());
      }
    }
    Config.Storage s = base.storage();
    Toml storage = t.getTable("storage");
    if (storage != null) {
      for (String key : storage.toMap().keySet()) {
        if (!KEYS.get("storage").contains(key)) throw new JboxException("config `" + source + "`: unknown key `storage." + key + "`");
      }
      String driver;
      try {
        driver = storage.getString("driver", s.driver());
      } catch (ClassCastException e) {
        throw new JboxException("config `" + source + "`: storage.driver must be a string");
      }
      if (!driver.equals("overlay") && !driver.equals("fuse-overlayfs")) {
        throw new JboxException("config `" + source + "`: storage.driver `" + driver + "`: expected overlay or fuse-overlayfs");
      }
      String root;
      try {
        root = storage.getString("root", s.root());
      } catch (ClassCastException e) {
        throw new JboxException("config `" + source + "`: storage.root must be a string");
      }
      if (!root.isEmpty() && !root.startsWith("/")) {
        throw new JboxException("config `" + source + "`: storage.root `" + root + "` must be an absolute path (or empty)");
      }
      long maxLayer = s.maxLayerSize();
      Object v = storage.toMap().get("max_layer_size");
      if (v != null) maxLayer = size(v, "config `" + source + "`: storage.max_layer_size");
      s = new Config.Storage(root, driver, maxLayer);
    }
    return new Config(r, s);
  }

  /** A size: a number of bytes, or a string of digits with k, M, G or T (powers of 1024). */
  static long size(Object v, String what) {
    if (v instanceof Long n) {
      if (n <= 0) throw new JboxException(what + ": must be positive");
      return n;
    }
    if (!(v instanceof String s) || s.isEmpty()) throw new JboxException(what + ": expected bytes or a size such as \"20G\"");
    int shift = switch (Character.toLowerCase(s.charAt(s.length() - 1))) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      case 't' -> 40;
      default -> 0;
    };
    String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
    if (!dev.jbox.Text.isDigits(digits) || digits.length() > 12) {
      throw new JboxException(what + ": `" + s + "` is not a size such as \"20G\" (k, M, G, T)");
    }
    long n = Long.parseLong(digits);
    if (n == 0 || n > (Long.MAX_VALUE >> shift)) throw new JboxException(what + ": `" + s + "` out of range");
    return n << shift;
  }
}
