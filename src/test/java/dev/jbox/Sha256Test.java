package dev.jbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The short-input SHA-256 against the JDK's, on every length around the block boundaries. */
class Sha256Test {
  @Test
  void sameAsTheJdks_everyLengthUpTo300() throws Exception {
    Random r = new Random(7);
    for (int n = 0; n <= 300; n++) {
      byte[] data = new byte[n];
      r.nextBytes(data);
      assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), Sha256.digest(data), "length " + n);
    }
  }

  @Test
  void knownVectors_andTheHexPrefix() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        HexFormat.of().formatHex(Sha256.digest(new byte[0])));
    assertEquals("ba7816bf8f01cfea", Sha256.hexPrefix("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 8));
  }
}
