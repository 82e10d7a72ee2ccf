package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.image.Descriptor;
import dev.jbox.image.Digest;
import dev.jbox.image.ImageRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GET {@code /v2/NAME/blobs/DIGEST} into {@code DEST.partial}, hashing as bytes arrive, resuming
 * with a {@code Range} request after an interruption, and renaming to {@code DEST} once verified.
 */
final class BlobPuller implements RegistryEndpoint<Void> {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final ImageRef ref;
  private final Descriptor d;
  private final Path dest;
  private final Path partial;
  private final Progress progress;
  private MessageDigest hasher;
  private long have;

  BlobPuller(ImageRef ref, Descriptor d, Path dest, Progress progress) {
    this.ref = ref;
    this.d = d;
    this.dest = dest;
    this.partial = dest.resolveSibling(dest.getFileName() + ".partial");
    this.progress = progress == null ? Progress.NONE : progress;
    this.hasher = d.digest().newHasher(d.size());
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
  public Map<String, String> headers() {
    return have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
  }

  /**
   * Picks up a {@code .partial} file an earlier, interrupted process left: its bytes are hashed
   * again (nothing on disk is trusted) and the download continues after them.
   */
  void resumeExisting() throws IOException {
    if (!Files.exists(partial)) return;
    long size = Files.size(partial);
    if (size > d.size()) {
      restart();
      return;
    }
    try (InputStream in = Files.newInputStream(partial)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        hasher.update(buf, 0, n);
        have += n;
      }
    }
  }

  /** Whether every byte is already in the partial file (then only verification remains). */
  boolean complete() {
    return have == d.size();
  }

  @Override
  public Void handle(Response r) throws IOException {
    if (r.status() == 206) {
      Matcher m = CONTENT_RANGE.matcher(String.valueOf(r.header("Content-Range")));
      if (!m.matches() || Long.parseLong(m.group(1)) != have) {
        restart();
        throw new IOException("the registry answered range request with another range");
      }
    } else if (have > 0) {
      // A 200 to a Range request is the whole blob again: start over.
      restart();
    }
    try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.position(have);
      ch.truncate(have);
      InputStream in = r.body();
      byte[] buf = new byte[1 << 16];
      // one copy into a direct buffer, which libcrypto's SHA-256 (NativeSha256) hashes and write(2)
      // reads where it is; a heap buffer was copied once for each
      ByteBuffer direct = ByteBuffer.allocateDirect(buf.length);
      int n;
      while ((n = in.read(buf)) > 0) {
        if (have + n > d.size()) {
          discard();
          throw sizeMismatch("more");
        }
        direct.clear();
        direct.put(buf, 0, n).flip();
        hasher.update(direct.duplicate());
        while (direct.hasRemaining()) ch.write(direct);
        have += n;
        progress.update(d, have, d.size());
      }
      if (have < d.size()) {
        JboxException e = sizeMismatch(String.valueOf(have));
        discard();
        throw e;
      }
      ch.force(true);
    }
    finish();
    return null;
  }

  /** Verifies the complete partial file's digest and moves it into place. */
  void finish() throws IOException {
    Digest actual = Digest.fromHasher(d.digest().algorithm(), hasher);
    if (!actual.equals(d.digest())) {
      discard();
      throw new JboxException("blob " + d.digest() + ": digest mismatch: expected " + d.digest() + ", got " + actual);
    }
    try {
      Files.move(partial, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new JboxException("move `" + partial + "` to `" + dest + "`: not atomic on this filesystem");
    }
    syncDirectory(dest.toAbsolutePath().getParent());
    progress.done(d);
  }

  @Override
  public JboxException error(int status, String registryMessage) {
    if (status == 416) {
      // Our range start is past what the registry has: drop the partial file and start over.
      try {
        restart();
      } catch (IOException e) {
        return new JboxException(actionDescription() + ": truncate `" + partial + "`: " + e.getMessage());
      }
      return null;
    }
    if (status == 404) return new JboxException("blob unknown: " + ref.name() + "@" + d.digest());
    return RegistryEndpoint.super.error(status, registryMessage);
  }

  private void restart() throws IOException {
    if (Files.exists(partial)) {
      try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        ch.truncate(0);
      }
    }
    hasher = d.digest().newHasher(d.size());
    have = 0;
  }

  private void discard() {
    try {
      Files.deleteIfExists(partial);
    } catch (IOException ignored) {
      // the error being reported matters more; a stale partial is re-hashed, never trusted
    }
    hasher = d.digest().newHasher(d.size());
    have = 0;
  }

  private JboxException sizeMismatch(String got) {
    return new JboxException("blob " + d.digest() + ": size mismatch: expected " + d.size() + " bytes, got " + got);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // some filesystems refuse fsync on a directory; the rename itself is already atomic
    }
  }
}
