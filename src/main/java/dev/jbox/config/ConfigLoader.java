package dev.jbox.config;

import com.moandjiezana.toml.Toml;
import dev.jbox.JboxException;
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

  /** The built-in defaults: what config/jbox.toml documents. */
  public static Config builtin() {
    return new Config(
        new Config.Run(Capabilities.PODMAN_DEFAULTS, true, true, false, "auto", List.of(), List.of()),
        new Config.Storage("", "overlay"));
  }

  /** The files read, lowest priority first, from the environment given. */
  public static List<Path> layers(Map<String, String> env) {
    List<Path> out = new ArrayList<>();
    out.add(Path.of("/etc/jbox/jbox.toml"));
    String xdg = env.get("XDG_CONFIG_HOME");
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    Path userDir = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
    out.add(userDir.resolve("jbox/jbox.toml"));
    String explicit = env.get("JBOX_CONFIG");
    if (explicit != null && !explicit.isEmpty()) out.add(Path.of(explicit));
    return out;
  }

  /** Loads every layer that exists ($JBOX_CONFIG must exist when set). */
  public static Config load(Map<String, String> env) {
    Config c = builtin();
    String explicit = env.get("JBOX_CONFIG");
    for (Path p : layers(env)) {
      if (!Files.exists(p)) {
        if (explicit != null && p.toString().equals(explicit)) throw new JboxException("JBOX_CONFIG: `" + p + "` does not exist");
        continue;
      }
      c = apply(c, p);
    }
    return c;
  }

  static Config apply(Config base, Path file) {
    Toml t;
    try {
      t = new Toml().read(file.toFile());
    } catch (RuntimeException e) {
      throw new JboxException("config `" + file + "`: " + e.getMessage());
    }
    return merge(base, t, file.toString());
  }

  /** Merges one parsed layer over {@code base}. */
  public static Config merge(Config base, Toml t, String source) {
    for (String key : t.toMap().keySet()) {
      if (!key.equals("run") && !key.equals("storage")) throw new JboxException("config `" + source + "`: unknown table or key `" + key + "`");
    }
    Config.Run r = base.run();
    Toml run = t.getTable("run");
    if (run != null) {
      for (String key : run.toMap().keySet()) {
        if (!List.of("capabilities", "seccomp", "no_new_privileges", "init", "network", "env", "ulimits").contains(key)) {
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
        if (!key.equals("root") && !key.equals("driver")) throw new JboxException("config `" + source + "`: unknown key `storage." + key + "`");
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
      s = new Config.Storage(storage.getString("root", s.root()), driver);
    }
    return new Config(r, s);
  }
}
