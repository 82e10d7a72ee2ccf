package dev.jbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DigestPlatformTest {
  @Test
  void sha256Of_knownValue() {
    Digest d = Digest.sha256Of("abc".getBytes(StandardCharsets.US_ASCII));
    assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d.toString());
    assertEquals(d, Digest.parse(d.toString()));
    assertEquals(d.hex(), d.encoded());
    assertEquals(d.hex(), HexFormat.of().formatHex(d.newHasher().digest("abc".getBytes(StandardCharsets.US_ASCII))));
  }

  @Test
  void parse_sha512_accepted() {
    Digest d = Digest.parse("sha512:" + "a".repeat(128));
    assertEquals("sha512", d.algorithm());
  }

  @Test
  void parse_bad_rejected() {
    assertThrows(JboxException.class, () -> Digest.parse("sha256:" + "A".repeat(64)));
    assertThrows(JboxException.class, () -> Digest.parse("sha256:" + "a".repeat(63)));
    assertThrows(JboxException.class, () -> Digest.parse("sha512:" + "a".repeat(64)));
    assertThrows(JboxException.class, () -> Digest.parse("md5:" + "a".repeat(32)));
    assertThrows(JboxException.class, () -> Digest.parse("nocolon"));
    assertTrue(assertThrows(JboxException.class, () -> Digest.parse("sha256:xyz")).getMessage().contains("64"));
  }

  @Test
  void platform_parseAndMatch() {
    Platform p = Platform.parse("linux/arm64/v8");
    assertEquals("v8", p.variant());
    assertEquals("linux/arm64/v8", p.toString());
    assertTrue(p.matches(Platform.parse("linux/arm64")));
    assertTrue(Platform.parse("linux/arm").matches(Platform.parse("linux/arm/v7")));
    assertFalse(Platform.parse("linux/arm/v6").matches(Platform.parse("linux/arm/v7")));
    assertFalse(Platform.parse("linux/amd64").matches(Platform.parse("linux/arm64")));
    assertEquals("amd64", Platform.parse("linux/x86_64").architecture());
    assertThrows(JboxException.class, () -> Platform.parse("linux"));
    assertThrows(JboxException.class, () -> Platform.parse("Linux/amd64"));
  }

  @Test
  void platform_host_isLinux() {
    Platform h = Platform.host();
    assertEquals("linux", h.os());
    assertNotNull(h.architecture());
    if (h.architecture().equals("amd64")) assertNull(h.variant());
  }
}
