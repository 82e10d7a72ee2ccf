package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The safety net of a prepared start or run (ShellInputsTest, RunInputsTest): the paths a JVM's
 * processes named in file system calls under {@code strace -f -y}, checked against the KEY the
 * JVM recorded (dev.jbox.PolicyInputs) and an allow-list of what is no input.
 */
public final class TracedPaths {
  private TracedPaths() {}

  /** What a test allows beyond the KEY: a path, the call that named it, the JVM's processes. */
  public interface Allowed {
    boolean test(Path p, String call, Set<Long> jvm);
  }

  /** A syscall line of strace -f -y: PID, name, arguments. */
  private static final Pattern CALL = Pattern.compile("^(\\d+) +(?:<\\.\\.\\. )?([a-z0-9_]+)(?:\\(| resumed>)(.*)$");
  /** An argument that is a path, with the directory descriptor before it when there is one. */
  private static final Pattern PATH_ARG = Pattern.compile("(?:(?:AT_FDCWD|\\d+)<([^>]*)>, )?\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern RETURNED = Pattern.compile("= (\\d+)$");

  /**
   * The paths processes of the JVM (the process that executed java, and every thread or process
   * it cloned) named in a file system call, that neither the KEY nor the allow-list covers.
   * anchors: paths whose parents realpath(3) may look at on the way (readlink of each component).
   */
  public static Set<String> uncovered(List<String> trace, List<String> key, Path cwd, List<Path> anchors, Allowed allowed) {
    // first the processes: a thread's first calls can come before its clone's return in the trace
    Set<Long> jvm = new HashSet<>();
    Map<Long, List<Long>> children = new LinkedHashMap<>();
    for (String line : trace) {
      Matcher m = CALL.matcher(line);
      if (!m.matches()) continue;
      long pid = Long.parseLong(m.group(1));
      String call = m.group(2);
      String args = m.group(3);
      if (call.equals("execve") && args.startsWith("\"") && args.substring(1, args.indexOf('"', 1)).endsWith("/java")) jvm.add(pid);
      if (call.startsWith("clone") || call.equals("fork") || call.equals("vfork")) {
        Matcher ret = RETURNED.matcher(line);
        if (ret.find()) children.computeIfAbsent(pid, k -> new ArrayList<>()).add(Long.parseLong(ret.group(1)));
      }
    }
    for (List<Long> todo = new ArrayList<>(jvm); !todo.isEmpty(); ) {
      for (long c : children.getOrDefault(todo.remove(todo.size() - 1), List.of())) if (jvm.add(c)) todo.add(c);
    }
    Map<String, String> seen = new LinkedHashMap<>();
    for (String line : trace) {
      Matcher m = CALL.matcher(line);
      if (!m.matches()) continue;
      long pid = Long.parseLong(m.group(1));
      String call = m.group(2);
      String args = m.group(3);
      if (!jvm.contains(pid) || call.startsWith("exec")) continue; // execve: the JVM's own executable, found on PATH
      // a call another thread interrupted: strace printed its input paths on the `<unfinished ...>`
      // line; what the resumed line shows are its answers (readlink's target, a relative id)
      if (line.contains(" resumed>")) continue;
      List<String> paths = new ArrayList<>();
      Matcher a = PATH_ARG.matcher(args);
      while (a.find()) {
        String p = a.group(2);
        if (a.group(1) != null && !p.startsWith("/") && !p.isEmpty()) p = a.group(1) + "/" + p;
        else if (a.group(1) == null && !p.startsWith("/") && !p.isEmpty()) p = cwd + "/" + p;
        paths.add(p);
      }
      if (paths.isEmpty()) continue;
      List<String> named = switch (call) {
        case "rename", "renameat", "renameat2", "link", "linkat" -> paths.subList(0, Math.min(2, paths.size()));
        case "symlink", "symlinkat" -> paths.subList(paths.size() - 1, paths.size()); // the link, not its text
        default -> paths.subList(0, 1); // readlink's second string is its answer
      };
      for (String p : named) if (p.startsWith("/")) seen.putIfAbsent(Path.of(p).normalize().toString(), call);
    }
    assertTrue(!jvm.isEmpty(), "no java in the trace: " + String.join("\n", trace.stream().filter(l -> l.contains("exec")).toList()));
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, String> e : seen.entrySet()) {
      if (!covered(e.getKey(), e.getValue(), key, jvm, anchors, allowed)) out.add(e.getKey());
    }
    return out;
  }

  static boolean covered(String p, String call, List<String> key, Set<Long> jvm, List<Path> anchors, Allowed allowed) {
    Path path = Path.of(p);
    for (String l : key) {
      String[] f = l.split(" ");
      if (f.length < 2) continue;
      switch (f[0]) {
        case "stat", "lstat", "read", "access-x" -> {
          if (f[1].equals(p)) return true;
        }
        case "real" -> {
          // realpath(3) looks at every component of the path and of its answer
          if (Path.of(f[1]).startsWith(path) || (f.length > 2 && Path.of(f[2]).startsWith(path))) return true;
        }
        case "value" -> {
          // a derived value names its sources (a directory: what is below it too)
          for (int i = 2; i + 1 < f.length; i++) if (f[i].equals("from") && path.startsWith(f[i + 1])) return true;
        }
        default -> { }
      }
    }
    if (call.equals("readlink")) {
      // realpath(3) on the way to a path the KEY names or the allow-list holds
      for (String l : key) {
        String[] f = l.split(" ");
        if (f.length >= 2 && f[1].startsWith("/") && Path.of(f[1]).startsWith(path)) return true;
      }
      for (Path anchor : anchors) {
        if (anchor.startsWith(path)) return true;
      }
      for (String c : System.getProperty("java.class.path").split(File.pathSeparator)) if (!c.isEmpty() && Path.of(c).startsWith(path)) return true;
    }
    return allowed.test(path, call, jvm);
  }


  /**
   * The C library's and the JVM's own files (shared libraries, locale, time zone, the JDK and its
   * configuration, /dev, the JVM's own /proc entries, HotSpot's settings files in the working
   * directory), which no policy or plan depends on.
   */
  public static boolean systemFile(Path p, Set<Long> jvm) {
    String s = p.toString();
    if (s.equals("/")) return true;
    for (String d : List.of("/etc/ld.so.cache", "/etc/ld.so.preload", "/lib/", "/lib64/", "/usr/lib/x86_64-linux-gnu/", "/usr/lib/locale/",
        "/usr/share/locale/", "/etc/locale.alias", "/etc/localtime", "/usr/share/zoneinfo/", "/usr/lib/jvm/", "/etc/java-", "/tmp/.java_pid",
        "/tmp/hsperfdata_", "/dev/", "/sys/fs/cgroup", "/sys/kernel/mm/", "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible",
        "/sys/devices/system/cpu/cpu0/microcode/", "/proc/self/", "/proc/thread-self/", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
        "/proc/cgroups", "/proc/net/if_inet6")) {
      if (s.equals(d) || s.startsWith(d) || (d.endsWith("/") && s.equals(d.substring(0, d.length() - 1)))) return true;
    }
    if (p.startsWith("/proc") && p.getNameCount() >= 2) {
      try {
        if (jvm.contains(Long.parseLong(p.getName(1).toString()))) return true; // /proc/PID of the JVM itself
      } catch (NumberFormatException e) {
        // not a pid
      }
    }
    // HotSpot's settings files in the working directory, which a product JVM does not read
    return p.getFileName() != null && (p.getFileName().toString().equals(".hotspotrc") || p.getFileName().toString().equals(".hotspot_compiler"));
  }
}
