package dev.jbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Text's checks answer as the regex code they replace on the run path. */
class TextTest {
  @Test
  void fields_isTrimSplitOnWhitespace() {
    Random rnd = new Random(7);
    String alphabet = "ab \t\n\r\u000b\f1:";
    for (int i = 0; i < 100_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = rnd.nextInt(10); k > 0; k--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      String s = b.toString();
      assertArrayEquals(s.trim().split("\\s+"), Text.fields(s), "\"" + s + "\"");
    }
  }

  @Test
  void isHex_isTheRegex() {
    Random rnd = new Random(8);
    String alphabet = "09afgAF";
    for (int i = 0; i < 100_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = rnd.nextInt(8); k > 0; k--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      String s = b.toString();
      assertEquals(s.matches("[0-9a-f]{3,6}"), Text.isHex(s, 3, 6), s);
    }
  }

  @Test
  void escape_controlCharactersAsHex_restUnchanged() {
    assertEquals("plain café 日本", Text.escape("plain café 日本"));
    assertEquals("a\\x1b]0;t\\x07b\\x0a\\x0d\\x7f\\x9b", Text.escape("a\u001b]0;t\u0007b\n\r\u007f\u009b"));
    assertEquals(null, Text.escape(null));
  }

  @Test
  void isDigits_asciiDigitsOnly() {
    assertEquals(true, Text.isDigits("0123456789"));
    for (String s : new String[] {"", "-1", "+1", "1a", "١"}) assertEquals(false, Text.isDigits(s), s);
  }
}
