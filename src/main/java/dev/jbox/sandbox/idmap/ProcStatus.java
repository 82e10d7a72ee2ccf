package dev.jbox.sandbox.idmap;

import dev.jbox.JboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The caller's real uid and gid from /proc/self/status, without loading JNA. */
public final class ProcStatus {
  private ProcStatus() {}

  /** {uid, gid} of this process. */
  public static long[] uidGid() {
    long uid = -1;
    long gid = -1;
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("Uid:")) uid = Long.parseLong(l.substring(4).strip().split("\\s+")[0]);
        if (l.startsWith("Gid:")) gid = Long.parseLong(l.substring(4).strip().split("\\s+")[0]);
      }
    } catch (IOException | RuntimeException e) {
      throw new JboxException("read /proc/self/status: " + e.getMessage());
    }
    if (uid < 0 || gid < 0) throw new JboxException("no Uid/Gid in /proc/self/status");
    return new long[] {uid, gid};
  }
}
