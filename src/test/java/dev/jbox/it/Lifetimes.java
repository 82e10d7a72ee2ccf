package dev.jbox.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Process-tree and mount inspection through /proc, for the lifetime tests; the tests' clean-up net. */
public final class Lifetimes {
  private Lifetimes() {}

  static long ppid(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static String cmdline(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  static List<Long> allPids() {
    List<Long> out = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc"))) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).forEach(n -> out.add(Long.parseLong(n)));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  /** Every live descendant of {@code root}, waiting up to 5 s for at least one. */
  static List<Long> descendants(long root) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      List<Long> out = new ArrayList<>();
      List<Long> frontier = new ArrayList<>(List.of(root));
      List<Long> all = allPids();
      while (!frontier.isEmpty()) {
        long p = frontier.remove(0);
        for (long c : all) {
          if (ppid(c) == p) {
            out.add(c);
            frontier.add(c);
          }
        }
      }
      if (!out.isEmpty()) return out;
      Thread.sleep(100);
    }
    return List.of();
  }

  /**
   * Pids of live (not zombie) processes whose command line is {@code marker} or starts with it and
   * a space ("sleep 5123" is not "sleep 51234", another test's marker).
   */
  static List<Long> withCmdline(String marker) {
    List<Long> out = new ArrayList<>();
    for (long p : allPids()) {
      String c = cmdline(p);
      if (!c.equals(marker) && !c.startsWith(marker + " ")) continue;
      try {
        String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
        if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) continue;
      } catch (IOException e) {
        continue;
      }
      out.add(p);
    }
    return out;
  }

  /** As {@link #withCmdline}, only this account's processes (another user's pasta is none of a test's business). */
  public static List<Long> ownWithCmdline(String marker) {
    long uid = Jbox.currentUid();
    List<Long> out = new ArrayList<>();
    for (long p : withCmdline(marker)) {
      try {
        for (String l : Files.readAllLines(Path.of("/proc/" + p + "/status"))) {
          if (l.startsWith("Uid:") && Long.parseLong(l.substring(4).strip().split("\\s+")[0]) == uid) out.add(p);
        }
      } catch (IOException | RuntimeException e) {
        // gone
      }
    }
    return out;
  }

  /**
   * The lines of this process's mountinfo that could be a jbox's of this test: a FUSE mount
   * anywhere (an unprivileged jbox can reach the caller's mount namespace only through the setuid
   * fusermount), or any mount under JUnit's temporary directories, jbox's fallback runtime
   * directory, $XDG_RUNTIME_DIR, $HOME or the source tree. The whole table also changes when
   * anything else on the machine mounts (another user's benchmark mounted a loop device under
   * /var/tmp during a run), which says nothing about jbox.
   */
  public static String mountinfo() {
    String tmp = System.getProperty("java.io.tmpdir").replaceAll("/+$", "");
    List<String> roots = new ArrayList<>(List.of(tmp + "/junit", tmp + "/jbox-run-" + Jbox.currentUid() + "/",
        System.getProperty("user.home") + "/", Jbox.source() + "/"));
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isEmpty()) roots.add(xdg + "/");
    try {
      StringBuilder b = new StringBuilder();
      for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = l.split(" ");
        int dash = l.indexOf(" - ");
        if (f.length < 5 || dash < 0) continue;
        boolean keep = l.substring(dash + 3).startsWith("fuse");
        for (String r : roots) keep |= (f[4] + "/").startsWith(r);
        if (keep) b.append(l).append('\n');
      }
      return b.toString();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Live processes of this account that were started with {@code XDG_RUNTIME_DIR=runtimeDir}: the
   * monitors of the sandboxes a test started with that runtime directory (and what they started:
   * pasta, slirp4netns, fuse-overlayfs), and any jbox the test left running.
   */
  public static List<Long> startedWithRuntimeDir(Path runtimeDir) {
    byte[] want = ("XDG_RUNTIME_DIR=" + runtimeDir).getBytes(StandardCharsets.UTF_8);
    long self = ProcessHandle.current().pid();
    List<Long> out = new ArrayList<>();
    for (long p : allPids()) {
      if (p == self) continue;
      try {
        byte[] env = Files.readAllBytes(Path.of("/proc/" + p + "/environ")); // only our own processes are readable
        for (int start = 0, i = 0; i <= env.length; i++) {
          if (i == env.length || env[i] == 0) {
            if (i - start == want.length && java.util.Arrays.equals(env, start, i, want, 0, want.length)) {
              out.add(p);
              break;
            }
            start = i + 1;
          }
        }
      } catch (IOException | RuntimeException e) {
        // gone, or another account's
      }
    }
    return out;
  }

  /**
   * The clean-up net of a test's sandboxes: {@code jbox rm -f} of every sandbox id recorded under
   * the given directories (the runtime directory's {@code jbox/}, a store's {@code containers/}),
   * through {@code rm}; then SIGKILL for whatever still runs with that runtime directory. Costs no
   * jbox start when nothing of the test still runs.
   */
  public static void removeLeftovers(Path runtimeDir, java.util.function.Function<List<String>, ?> rmForce, Path... recordDirs) {
    if (startedWithRuntimeDir(runtimeDir).isEmpty()) return;
    java.util.Set<String> ids = new java.util.TreeSet<>();
    for (Path d : recordDirs) {
      if (!Files.isDirectory(d)) continue;
      try (var s = Files.list(d)) {
        s.map(x -> x.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).forEach(ids::add);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    if (!ids.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("rm", "-f"));
      args.addAll(ids);
      rmForce.apply(args);
    }
    for (int i = 0; i < 100; i++) {
      List<Long> left = startedWithRuntimeDir(runtimeDir);
      if (left.isEmpty()) return;
      for (long p : left) ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
