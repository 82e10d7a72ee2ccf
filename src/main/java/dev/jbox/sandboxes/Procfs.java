package dev.jbox.sandboxes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what jbox needs from /proc: start times, namespace inodes, NSpid, uids, mounts, command lines. */
public final class Procfs {
  /** The namespace types in the order the helper joins them. */
  public static final List<String> NS_TYPES = List.of("user", "mnt", "pid", "net", "uts", "ipc", "cgroup", "time");

  private Procfs() {}

  /** Field 22 of /proc/PID/stat (clock ticks since boot), or -1 when the process is gone. */
  public static long startTime(long pid) {
    try {
      return parseStartTime(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Field 22 of a /proc/PID/stat line, counting from the last ')' (the command may hold any byte). */
  static long parseStartTime(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[19]);
  }

  /** Whether pid still names the process that started at {@code start}, and it is not a zombie. */
  public static boolean alive(long pid, long start) {
    if (pid <= 0 || start <= 0) return false;
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X' && parseStartTime(stat) == start;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The inode of namespace {@code type} of {@code pid} ("self" allowed), or -1 when unreadable. */
  public static long nsInode(String pid, String type) {
    try {
      String l = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type)).toString();
      return Long.parseLong(l.substring(l.indexOf('[') + 1, l.indexOf(']')));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Every namespace inode of {@code pid}, by type (types the kernel lacks are left out). */
  public static Map<String, Long> namespaces(String pid) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String t : NS_TYPES) {
      long ino = nsInode(pid, t);
      if (ino >= 0) m.put(t, ino);
    }
    return m;
  }

  /** The lines of /proc/PID/status starting with {@code key}, without the key, or null. */
  public static String status(long pid, String key) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith(key + ":")) return l.substring(key.length() + 1).strip();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /** The command line, arguments joined by spaces (the name in brackets for kernel threads). */
  public static String cmdline(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      String s = new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
      if (!s.isEmpty()) return s;
      return "[" + Files.readString(Path.of("/proc/" + pid + "/comm")).strip() + "]";
    } catch (IOException e) {
      return "";
    }
  }

  /** Every numeric entry of /proc. */
  public static List<Long> pids() {
    List<Long> out = new ArrayList<>();
    // a directory stream, not Files.list's stream and lambdas (jbox top: see LauncherTest)
    try (java.nio.file.DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        boolean digits = !n.isEmpty() && n.length() < 19;
        for (int i = 0; i < n.length() && digits; i++) digits = n.charAt(i) >= '0' && n.charAt(i) <= '9';
        if (digits) out.add(Long.parseLong(n));
      }
    } catch (IOException e) {
      throw new dev.jbox.JboxException("list /proc: " + e.getMessage());
    }
    return out;
  }

  /** /proc/PID/mountinfo as objects: mount id, parent, mount point, root, options, fs type, source. */
  public static List<Map<String, Object>> mounts(long pid) {
    List<Map<String, Object>> out = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"));
    } catch (IOException e) {
      return out;
    }
    for (String l : lines) {
      String[] f = l.split(" ");
      int dash = List.of(f).indexOf("-");
      if (dash < 6 || f.length < dash + 3) continue;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", Long.parseLong(f[0]));
      m.put("parent", Long.parseLong(f[1]));
      m.put("root", unescape(f[3]));
      m.put("mountPoint", unescape(f[4]));
      m.put("options", f[5]);
      m.put("fsType", f[dash + 1]);
      m.put("source", unescape(f[dash + 2]));
      out.add(m);
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** Maps an id as the host sees it to the one inside, through /proc/PID/uid_map or gid_map lines. */
  public static long inside(long pid, String mapFile, long hostId) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/" + mapFile))) {
        String[] f = dev.jbox.Text.fields(l); // strip().split("\\s+") without a regex (jbox top)
        long in = Long.parseLong(f[0]);
        long out = Long.parseLong(f[1]);
        long n = Long.parseLong(f[2]);
        if (hostId >= out && hostId < out + n) return in + (hostId - out);
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
