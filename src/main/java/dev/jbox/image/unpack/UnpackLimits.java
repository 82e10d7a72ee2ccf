package dev.jbox.image.unpack;

/**
 * Bounds on one layer against decompression and entry-count bombs.
 *
 * @param maxBytes decompressed bytes per layer (tar headers and content)
 * @param maxEntries tar members per layer
 * @param maxPathLength bytes in one member name or link target
 */
public record UnpackLimits(long maxBytes, long maxEntries, int maxPathLength) {
  /** 32 GiB, 4 million entries, 4096-byte names; env JBOX_UNPACK_MAX_{BYTES,ENTRIES,PATH}. */
  public static UnpackLimits defaults() {
    return new UnpackLimits(
        env("JBOX_UNPACK_MAX_BYTES", 32L << 30),
        env("JBOX_UNPACK_MAX_ENTRIES", 4_000_000L),
        (int) env("JBOX_UNPACK_MAX_PATH", 4096L));
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
