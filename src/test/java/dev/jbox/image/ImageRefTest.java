package dev.jbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import org.junit.jupiter.api.Test;

class ImageRefTest {
  private static final String HEX = "9824c27679d3b27c5e1cb00a73adb6f4f8d556994111c12db3c5d61a0c843df8";

  /** The hand-written grammar checks answer as the regexes they replace, on many random strings. */
  @Test
  void grammarChecks_agreeWithTheirRegexes() {
    java.util.Map<String, java.util.function.Predicate<String>> checks = new java.util.LinkedHashMap<>();
    checks.put("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]", ImageRef::isDomainComponent);
    checks.put("\\[[0-9a-fA-F:.]+\\]", ImageRef::isIpv6);
    checks.put("[0-9]{1,5}", ImageRef::isPort);
    checks.put("[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*", ImageRef::isPathComponent);
    checks.put("[\\w][\\w.-]{0,127}", ImageRef::isTag);
    String alphabet = "aZ09_.-:[]/@x ";
    java.util.Random rnd = new java.util.Random(42);
    java.util.List<String> samples = new java.util.ArrayList<>(java.util.List.of("", "a", "a__b", "a___b", "a--b", "a-", "-a",
        "a._b", "[::1]", "[]", "12345", "123456", "_x", ".x", "x".repeat(128), "x".repeat(129), "é", "a\u00e9"));
    for (int i = 0; i < 200_000; i++) {
      int len = rnd.nextInt(8);
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < len; k++) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      samples.add(b.toString());
    }
    for (var e : checks.entrySet()) {
      java.util.regex.Pattern p = java.util.regex.Pattern.compile(e.getKey());
      for (String x : samples) assertEquals(p.matcher(x).matches(), e.getValue().test(x), e.getKey() + " on \"" + x + "\"");
    }
  }

  @Test
  void parse_dockerHubOneComponent_addsLibraryAndLatest() {
    ImageRef r = ImageRef.parse("docker.io/alpine");
    assertEquals("docker.io", r.registry());
    assertEquals("library/alpine", r.repository());
    assertEquals("latest", r.tag());
    assertNull(r.digest());
    assertEquals("docker.io/library/alpine:latest", r.toString());
    assertEquals("docker.io/library/alpine:latest", r.familiar());
  }

  @Test
  void parse_indexDockerIo_normalizesToDockerIo() {
    assertEquals("docker.io/library/busybox:1.36", ImageRef.parse("index.docker.io/busybox:1.36").toString());
  }

  @Test
  void parse_otherRegistryOneComponent_keepsRepository() {
    ImageRef r = ImageRef.parse("quay.io/podman");
    assertEquals("podman", r.repository());
  }

  @Test
  void parse_portInRegistry_isRegistryNotTag() {
    ImageRef r = ImageRef.parse("localhost:5000/x");
    assertEquals("localhost:5000", r.registry());
    assertEquals("x", r.repository());
    assertEquals("latest", r.tag());
    ImageRef s = ImageRef.parse("127.0.0.1:5000/a/b-c/d_e:v1.2-3");
    assertEquals("127.0.0.1:5000", s.registry());
    assertEquals("a/b-c/d_e", s.repository());
    assertEquals("v1.2-3", s.tag());
  }

  @Test
  void parse_localhostWithoutPort_isQualified() {
    assertEquals("localhost", ImageRef.parse("localhost/foo").registry());
  }

  @Test
  void parse_digestOnly_hasNoTag() {
    ImageRef r = ImageRef.parse("docker.io/library/alpine@sha256:" + HEX);
    assertNull(r.tag());
    assertEquals("sha256:" + HEX, r.digest().toString());
    assertEquals("docker.io/library/alpine@sha256:" + HEX, r.toString());
    assertEquals("sha256:" + HEX, r.reference());
  }

  @Test
  void parse_tagAndDigest_keepsBoth() {
    ImageRef r = ImageRef.parse("quay.io/a/b:3@sha256:" + HEX);
    assertEquals("3", r.tag());
    assertEquals("quay.io/a/b:3@sha256:" + HEX, r.toString());
    assertEquals("quay.io/a/b:3", r.familiar());
  }

  @Test
  void withDigest_keepsTagAndAddsDigest() {
    ImageRef r = ImageRef.parse("docker.io/alpine:3").withDigest(Digest.parse("sha256:" + HEX));
    assertEquals("docker.io/library/alpine:3@sha256:" + HEX, r.toString());
  }

  @Test
  void parse_shortName_rejected() {
    JboxException e = assertThrows(JboxException.class, () -> ImageRef.parse("alpine"));
    assertTrue(e.getMessage().contains("short name"), e.getMessage());
  }

  @Test
  void parse_uppercaseRepository_rejectedNamingLowercase() {
    JboxException e = assertThrows(JboxException.class, () -> ImageRef.parse("docker.io/Alpine"));
    assertTrue(e.getMessage().contains("lowercase"), e.getMessage());
  }

  @Test
  void parse_badParts_rejectedNamingThePart() {
    assertTrue(msg("docker.io/alpine:-bad").contains("invalid tag"));
    assertTrue(msg("docker.io/alpine:" + "a".repeat(129)).contains("invalid tag"));
    assertTrue(msg("docker.io/a//b").contains("empty path component"));
    assertTrue(msg("docker.io/a_-b").contains("invalid path component"));
    assertTrue(msg("exa_mple.com/a").contains("invalid registry"));
    assertTrue(msg("example.com:99999/a").contains("invalid registry"));
    assertTrue(msg("docker.io/alpine@sha256:abc").contains("invalid digest"));
    assertTrue(msg("docker.io/alpine:").contains("empty tag"));
    assertTrue(msg("example.com/" + "a".repeat(260)).contains("longer than"));
  }

  @Test
  void parse_goodSeparators_accepted() {
    assertEquals("a__b/c.d/e--f", ImageRef.parse("example.com/a__b/c.d/e--f").repository());
    assertEquals("A_b.1-2", ImageRef.parse("example.com/x:A_b.1-2").tag());
  }

  @Test
  void isShortName_cases() {
    assertTrue(ImageRef.isShortName("alpine"));
    assertTrue(ImageRef.isShortName("library/alpine"));
    assertTrue(ImageRef.isShortName("alpine:3.19"));
    assertFalse(ImageRef.isShortName("docker.io/alpine"));
    assertFalse(ImageRef.isShortName("localhost/x"));
    assertFalse(ImageRef.isShortName("myhost:5000/x"));
  }

  private static String msg(String input) {
    return assertThrows(JboxException.class, () -> ImageRef.parse(input)).getMessage();
  }
}
