package dev.jbox.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengeTest {
  @Test
  void parse_bearerWithQuotedParams() {
    Challenge c = Challenge.parse(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/a:pull,push\"");
    assertTrue(c.isBearer());
    assertEquals("https://auth.docker.io/token", c.param("realm"));
    assertEquals("registry.docker.io", c.param("service"));
    assertEquals("repository:library/a:pull,push", c.param("scope"));
  }

  @Test
  void parse_unquotedAndEscaped() {
    Challenge c = Challenge.parse("basic Realm=plain, other=\"a\\\"b\"");
    assertTrue(c.isBasic());
    assertEquals("plain", c.param("realm"));
    assertEquals("a\"b", c.param("other"));
  }

  @Test
  void pick_prefersBearer_andNothingIsNull() {
    assertTrue(Challenge.pick(List.of("Basic realm=\"x\"", "Bearer realm=\"https://t\"")).isBearer());
    assertNull(Challenge.pick(List.of()));
    assertNull(Challenge.parse(""));
  }
}
