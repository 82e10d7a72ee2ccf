package dev.jbox.sandbox.idmap;

import dev.jbox.JboxException;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The caller's real uid and gid from /proc/self/status, without loading JNA. */
public final class ProcStatus {
  private ProcStatus() {}

  private static long[] cached;

  /** {uid, gid} of this process (read once: a JVM of jbox never changes its ids). */
  public static synchronized long[] uidGid() {
    if (cached == null) cached = read();
    return cached.clone();
  }

  private static long[] read() {
    String text;
    try (FileInputStream in = new FileInputStream("/proc/self/status")) {
      text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new JboxException("read /proc/self/status: " + e.getMessage());
    }
    long uid = firstNumber(text, "\nUid:");
    long gid = firstNumber(text, "\nGid:");
    if (uid < 0 || gid < 0) throw new JboxException("no Uid/Gid in /proc/self/status");
    return new long[] {uid, gid};
  }

  /** The first decimal number after key (the real id), or -1. */
  static long firstNumber(String text, String key) {
    int i = text.indexOf(key);
    if (i < 0) return -1;
    i += key.length();
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) i++;
    long v = -1;
    for (; i < text.length() && Character.isDigit(text.charAt(i)); i++) v = (v < 0 ? 0 : v * 10) + (text.charAt(i) - '0');
    return v;
  }
}
