package dev.jbox;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the small text files a user points jbox at (--env-file, jbox.toml, registries.conf,
 * auth.json): a regular file only (a FIFO would block, /dev/zero would fill the heap: "internal
 * error: java.lang.OutOfMemoryError"), at most a bound of bytes, as UTF-8. Every failure is a
 * {@link JboxException} naming the file, except a missing file, which stays a {@link
 * NoSuchFileException} for callers that skip those.
 */
public final class SmallFiles {
  private SmallFiles() {}

  /** What a configuration or env file may weigh: far above any real one. */
  public static final int MAX = 4 << 20;

  /** The file's text; {@code what} labels errors (e.g. "--env-file `x`"). */
  public static String read(Path file, String what) throws NoSuchFileException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new JboxException(what + ": " + e.getMessage());
    }
    if (!a.isRegularFile()) throw new JboxException(what + ": not a regular file");
    if (a.size() > MAX) throw new JboxException(what + ": larger than " + (MAX >> 20) + " MiB");
    byte[] bytes;
    try (InputStream in = open(file)) {
      bytes = in.readNBytes(MAX + 1); // it may have grown since the stat
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new JboxException(what + ": " + e.getMessage());
    }
    if (bytes.length > MAX) throw new JboxException(what + ": larger than " + (MAX >> 20) + " MiB");
    PolicyInputs.bytes(file, bytes);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new JboxException(what + ": not UTF-8 text");
    }
  }

  /*
   * The run path reads and writes its few files through java.io, not java.nio.file's streams:
   * those are FileChannels, and a JVM's first FileChannel loads libnet (its JNI_OnLoad probes
   * IPv6: two sockets and /proc/net/if_inet6), sets up IOUtil, the direct-buffer cache and
   * FileDispatcherImpl's socketpair: about 1 ms of a 36 ms `jbox run` (bench/README.md).
   */

  /**
   * {@code bytes} random bytes from /dev/urandom as hex digits: SecureRandom would load and set up
   * the JCA provider framework (about 90 classes, 13 ms) for a sandbox id, a volume name or a
   * temporary file's name.
   */
  public static String randomHex(int bytes) throws IOException {
    byte[] b = new byte[bytes];
    int n;
    try (InputStream in = new FileInputStream("/dev/urandom")) {
      n = in.readNBytes(b, 0, bytes);
    } catch (IOException e) {
      throw new IOException("read /dev/urandom: " + e.getMessage(), e);
    }
    if (n != bytes) throw new IOException("short read from /dev/urandom");
    return java.util.HexFormat.of().formatHex(b);
  }

  /** {@code file} opened for reading through java.io; a missing file is a {@link NoSuchFileException}. */
  public static InputStream open(Path file) throws IOException {
    try {
      return new FileInputStream(file.toFile());
    } catch (FileNotFoundException e) {
      // java.io says "file (reason)" for every failure; only a missing one is NoSuchFile, as in Files
      if (Files.notExists(file)) throw new NoSuchFileException(file.toString());
      throw e;
    }
  }

  /** Every byte of {@code file} (a small one: nothing bounds it), as {@code Files.readAllBytes}. */
  public static byte[] readAllBytes(Path file) throws IOException {
    try (InputStream in = open(file)) {
      return in.readAllBytes();
    }
  }

  /** The file's text, strict UTF-8 as {@code Files.readString} (malformed input: an IOException). */
  public static String readString(Path file) throws IOException {
    return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(readAllBytes(file))).toString();
  }

  /**
   * Writes {@code bytes} to {@code file}, which must not exist: created (as {@code CREATE_NEW}), then
   * given mode 0600 before anything is written, through java.io.
   */
  public static void writeNewPrivate(Path file, byte[] bytes) throws IOException {
    java.io.File f = file.toFile();
    if (!f.createNewFile()) throw new java.nio.file.FileAlreadyExistsException(file.toString());
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    try (FileOutputStream out = new FileOutputStream(f)) {
      out.write(bytes);
    }
  }

  /** Creates or truncates {@code file} and writes {@code text} as UTF-8, as {@code Files.writeString}. */
  public static void writeString(Path file, String text) throws IOException {
    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
