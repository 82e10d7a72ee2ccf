package dev.jbox.image.registry;

import dev.jbox.image.Digest;
import dev.jbox.image.ImageRef;
import dev.jbox.image.Manifest;

/**
 * An image manifest for one platform as fetched and verified: the reference asked for, the
 * manifest's digest and bytes, and the digest of the index it was selected from (or null).
 */
public record ResolvedManifest(
    ImageRef ref, Digest manifestDigest, String mediaType, byte[] bytes, Manifest manifest, Digest indexDigest) {

  public ResolvedManifest {
    if (ref == null || manifestDigest == null || manifest == null || bytes == null) {
      throw new IllegalArgumentException("incomplete resolved manifest");
    }
    bytes = bytes.clone();
  }

  /** The manifest bytes (a copy), exactly as the registry sent them. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }
}
