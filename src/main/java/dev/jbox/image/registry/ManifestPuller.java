package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.image.Digest;
import dev.jbox.image.ImageRef;
import dev.jbox.image.MediaTypes;
import java.io.IOException;
import java.util.Map;

/**
 * GET {@code /v2/NAME/manifests/REFERENCE}: reads at most 4 MiB, verifies the digest (the one asked
 * for, else the {@code Docker-Content-Digest} header) and, when known, the size.
 */
final class ManifestPuller implements RegistryEndpoint<ManifestPuller.Fetched> {
  /** The limit containers/image also applies to manifests. */
  static final long MAX_MANIFEST = 4L << 20;

  /** A fetched manifest's bytes, {@code Content-Type} and verified digest. */
  record Fetched(byte[] bytes, String contentType, Digest digest) {}

  private final ImageRef ref;
  private final String reference;
  private final Digest expected;
  private final long expectedSize;

  /** Pulls {@code ref}'s manifest by tag, or by digest when the reference has one. */
  ManifestPuller(ImageRef ref) {
    this(ref, ref.digest(), -1);
  }

  /** Pulls the manifest with this digest (and size, or -1) from {@code ref}'s repository. */
  ManifestPuller(ImageRef ref, Digest digest, long size) {
    this.ref = ref;
    this.expected = digest;
    this.reference = digest != null ? digest.toString() : ref.tag();
    this.expectedSize = size;
  }

  @Override
  public String actionDescription() {
    return "pull manifest for " + (expected != null ? ref.name() + "@" + expected : ref.familiar());
  }

  @Override
  public String path() {
    return "/v2/" + ref.repository() + "/manifests/" + reference;
  }

  @Override
  public Map<String, String> headers() {
    return Map.of("Accept", MediaTypes.ACCEPT_MANIFESTS);
  }

  @Override
  public Fetched handle(Response r) throws IOException {
    long limit = expectedSize >= 0 ? Math.min(expectedSize, MAX_MANIFEST) : MAX_MANIFEST;
    if (r.contentLength() > MAX_MANIFEST) throw tooBig();
    byte[] b = r.readAtMost(limit);
    if (b.length > MAX_MANIFEST) throw tooBig();
    if (expectedSize >= 0 && b.length != expectedSize) {
      throw new JboxException(actionDescription() + ": size mismatch: expected " + expectedSize
          + " bytes, got " + (b.length > limit ? "more" : b.length));
    }
    Digest want = expected;
    if (want == null) {
      String header = r.header("Docker-Content-Digest");
      if (header != null && !header.isBlank()) {
        try {
          want = Digest.parse(header.trim());
        } catch (JboxException e) {
          throw new JboxException(actionDescription() + ": bad Docker-Content-Digest header: " + e.getMessage());
        }
      }
    }
    Digest actual = Digest.of(want != null ? want.algorithm() : "sha256", b);
    if (want != null && !want.equals(actual)) {
      throw new JboxException(actionDescription() + ": digest mismatch: expected " + want + ", got " + actual);
    }
    return new Fetched(b, r.header("Content-Type"), actual);
  }

  @Override
  public JboxException error(int status, String registryMessage) {
    if (status == 404) {
      return new JboxException("manifest unknown: " + (expected != null ? ref.name() + "@" + expected : ref.familiar())
          + " (image not found)");
    }
    return RegistryEndpoint.super.error(status, registryMessage);
  }

  private JboxException tooBig() {
    return new JboxException(actionDescription() + ": manifest larger than " + (MAX_MANIFEST >> 20) + " MiB");
  }
}
