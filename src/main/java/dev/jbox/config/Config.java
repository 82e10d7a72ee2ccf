package dev.jbox.config;

import java.util.List;

/**
 * jbox's settings after merging the layers (built-in < /etc/jbox/jbox.toml <
 * ~/.config/jbox/jbox.toml < $JBOX_CONFIG < flags); see jbox.toml(5).
 */
public record Config(Run run, Storage storage) {
  /** Defaults of {@code jbox run}. */
  public record Run(
      List<String> capabilities,
      boolean seccomp,
      boolean noNewPrivileges,
      boolean init,
      String network,
      List<String> env,
      List<String> ulimits) {
    public Run {
      capabilities = List.copyOf(capabilities);
      env = List.copyOf(env);
      ulimits = List.copyOf(ulimits);
    }
  }

  /**
   * Where images and layers live (empty means $XDG_DATA_HOME/jbox/storage), how an image's root
   * is mounted: "overlay" (native, fuse-overlayfs as fallback) or "fuse-overlayfs", and the most
   * bytes one layer may unpack to (storage.max_layer_size).
   */
  public record Storage(String root, String driver, long maxLayerSize) {}
}
