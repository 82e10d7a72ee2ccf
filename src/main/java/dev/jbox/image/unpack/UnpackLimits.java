package dev.jbox.image.unpack;

/**
 * Bounds on one layer against decompression and entry-count bombs.
 *
 * @param maxBytes decompressed bytes per layer (tar headers and content): storage.max_layer_size
 * @param maxEntries tar members per layer
 * @param maxPathLength bytes in one member name or link target
 * @param minFree bytes that must stay free on the store's filesystem while a layer unpacks; a
 *     negative value means the default, {@link #reserveFor}
 */
public record UnpackLimits(long maxBytes, long maxEntries, int maxPathLength, long minFree) {
  /** storage.max_layer_size's default (see config/jbox.toml for why): 32 GiB. */
  public static final long DEFAULT_MAX_BYTES = 32L << 30;

  /** Without a free-space reserve given: the default one. */
  public UnpackLimits(long maxBytes, long maxEntries, int maxPathLength) {
    this(maxBytes, maxEntries, maxPathLength, -1);
  }

  /**
   * 32 GiB, 4 million entries, 4096-byte names, the default reserve; env
   * JBOX_UNPACK_MAX_{BYTES,ENTRIES,PATH} and JBOX_UNPACK_MIN_FREE override them.
   */
  public static UnpackLimits defaults() {
    return withMaxBytes(DEFAULT_MAX_BYTES);
  }

  /** The defaults with the configured storage.max_layer_size (JBOX_UNPACK_MAX_BYTES still wins). */
  public static UnpackLimits withMaxBytes(long maxLayerSize) {
    return new UnpackLimits(
        env("JBOX_UNPACK_MAX_BYTES", maxLayerSize),
        env("JBOX_UNPACK_MAX_ENTRIES", 4_000_000L),
        (int) env("JBOX_UNPACK_MAX_PATH", 4096L),
        env("JBOX_UNPACK_MIN_FREE", -1));
  }

  /**
   * The free space an unpack leaves on a filesystem of totalBytes: 1 GiB, or 5% of a filesystem
   * smaller than 20 GiB, so a bomb can never fill the disk the user's home is on.
   */
  public static long reserveFor(long totalBytes) {
    return Math.min(1L << 30, totalBytes / 20);
  }

  private static long env(String name, long dflt) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) return dflt;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, not '" + v + "'");
    }
  }
}
