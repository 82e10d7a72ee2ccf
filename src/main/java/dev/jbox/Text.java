package dev.jbox;

/**
 * The few string checks the run path needs, written out. A regex (and any lambda or stream)
 * costs its JVM about 3.5 ms the first time, for the method-handle machinery behind it, and
 * `jbox run` is a 50 ms program: on its path these take the place of {@code matches} and
 * {@code split("\\s+")}.
 */
public final class Text {
  private Text() {}

  /** Whether s is min..max lowercase hex digits. */
  public static boolean isHex(String s, int min, int max) {
    if (s.length() < min || s.length() > max) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) return false;
    }
    return true;
  }

  /**
   * {@code s.trim().split("\\s+")} for ASCII text: the fields between runs of regex {@code \s}
   * (space, tab, newline, vertical tab, form feed, carriage return); {@code [""]} for a blank s.
   */
  public static String[] fields(String s) {
    java.util.List<String> out = new java.util.ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && isSpace(s.charAt(i))) i++;
      int start = i;
      while (i < n && !isSpace(s.charAt(i))) i++;
      if (i > start) out.add(s.substring(start, i));
    }
    return out.isEmpty() ? new String[] {""} : out.toArray(new String[0]);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
  }

  /** Whether every char of s is an ASCII letter or digit, or one of {@code extra}. */
  public static boolean isAlnumOr(String s, String extra) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isAsciiAlnum(c) && extra.indexOf(c) < 0) return false;
    }
    return true;
  }

  /** [0-9a-fA-F] */
  public static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  public static boolean isAsciiAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** Whether s is one or more ASCII digits. */
  public static boolean isDigits(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
    return true;
  }

  /**
   * s with every control character (C0, DEL, C1: ESC, CR, newline, ...) written as {@code \xNN}:
   * text from an image reference, a config file or an
   * image shown on a terminal cannot move the cursor, retitle the window or fake a second line.
   * Returns s itself when there is nothing to escape.
   */
  public static String escape(String s) {
    if (s == null) return null;
    int i = 0;
    while (i < s.length() && !isControl(s.charAt(i))) i++;
    if (i == s.length()) return s;
    StringBuilder b = new StringBuilder(s.length() + 8).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isControl(c)) {
        b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
  }
}
