package dev.jbox.image;

import dev.jbox.JboxException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A content digest as in the OCI descriptor grammar, limited to sha256 and sha512 (lowercase hex). */
public record Digest(String algorithm, String hex) {

  public Digest {
    if (algorithm == null || hex == null) throw new JboxException("digest: missing algorithm or value");
    int len =
        switch (algorithm) {
          case "sha256" -> 64;
          case "sha512" -> 128;
          default -> throw new JboxException(
              "digest " + shorten(algorithm + ":" + hex) + ": unsupported algorithm `" + algorithm + "`"
                  + " (sha256 and sha512 are supported)");
        };
    if (hex.length() != len || !dev.jbox.Text.isHex(hex, 1, len)) { // no regex: the run path
      throw new JboxException(
          "digest " + shorten(algorithm + ":" + hex) + ": " + algorithm + " needs " + len
              + " lowercase hex digits");
    }
  }

  /** Parses {@code algorithm:hex}, for example {@code sha256:9824c276...}. */
  public static Digest parse(String s) {
    if (s == null) throw new JboxException("digest: missing");
    int colon = s.indexOf(':');
    if (colon <= 0) throw new JboxException("digest " + shorten(s) + ": expected algorithm:hex");
    return new Digest(s.substring(0, colon), s.substring(colon + 1));
  }

  /** The sha256 digest of some bytes. */
  public static Digest sha256Of(byte[] data) {
    return of("sha256", data);
  }

  /** The digest of some bytes with the given algorithm ("sha256" or "sha512"). */
  public static Digest of(String algorithm, byte[] data) {
    MessageDigest md = hasher(algorithm);
    return new Digest(algorithm, HexFormat.of().formatHex(md.digest(data)));
  }

  /** The digest a finished hasher made by {@link #newHasher()} stands for. */
  public static Digest fromHasher(String algorithm, MessageDigest md) {
    return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
  }

  /** The encoded part, the hex digits. */
  public String encoded() {
    return hex;
  }

  /** A fresh hasher of this digest's algorithm. */
  public MessageDigest newHasher() {
    return hasher(algorithm);
  }

  /** A fresh hasher for about {@code expectedBytes} of input: SHA-256 of a big blob is native. */
  public MessageDigest newHasher(long expectedBytes) {
    return algorithm.equals("sha256") ? dev.jbox.sys.NativeSha256.forSize(expectedBytes) : hasher(algorithm);
  }

  /** The first 12 hex digits, for display. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  private static MessageDigest hasher(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha512") ? "SHA-512" : "SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without " + algorithm, e);
    }
  }

  private static String shorten(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "\"" + t + "\"";
  }
}
