package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.image.Descriptor;
import dev.jbox.image.Digest;
import dev.jbox.image.ImageRef;
import java.io.IOException;

/** GET {@code /v2/NAME/blobs/DIGEST} into memory, for configs: bounded, size and digest verified. */
final class BlobBytesPuller implements RegistryEndpoint<byte[]> {
  private final ImageRef ref;
  private final Descriptor d;

  BlobBytesPuller(ImageRef ref, Descriptor d, long maxSize) {
    if (d.size() > maxSize) {
      throw new JboxException("blob " + d.digest() + " of " + ref.name() + ": " + d.size()
          + " bytes is more than the limit of " + maxSize);
    }
    this.ref = ref;
    this.d = d;
  }

  @Override
  public String actionDescription() {
    return "pull blob " + d.digest() + " for " + ref.name();
  }

  @Override
  public String path() {
    return "/v2/" + ref.repository() + "/blobs/" + d.digest();
  }

  @Override
  public byte[] handle(Response r) throws IOException {
    byte[] b = r.readAtMost(d.size());
    if (b.length != d.size()) {
      throw new JboxException("blob " + d.digest() + ": size mismatch: expected " + d.size() + " bytes, got "
          + (b.length > d.size() ? "more" : String.valueOf(b.length)));
    }
    Digest actual = Digest.of(d.digest().algorithm(), b);
    if (!actual.equals(d.digest())) {
      throw new JboxException("blob " + d.digest() + ": digest mismatch: expected " + d.digest() + ", got " + actual);
    }
    return b;
  }

  @Override
  public JboxException error(int status, String registryMessage) {
    if (status == 404) return new JboxException("blob unknown: " + ref.name() + "@" + d.digest());
    return RegistryEndpoint.super.error(status, registryMessage);
  }
}
