package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real jbox launcher (packaging/jbox) with the real helper, from the build tree, as the
 * account running the tests. Integration tests use it; it never fakes the helper.
 */
public final class Jbox {
  private Jbox() {}

  /** The source tree (Maven sets JBOX_SOURCE_DIR; otherwise the working directory). */
  public static Path source() {
    String s = System.getenv("JBOX_SOURCE_DIR");
    return Path.of(s != null ? s : System.getProperty("user.dir")).toAbsolutePath();
  }

  /** The result of one jbox command. */
  public record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  public static ProcessBuilder builder(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(source().resolve("packaging/jbox").toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("JBOX_HELPER", source().resolve("helpers/build/jbox-helper").toString());
    env.put("JBOX_CLASSPATH", System.getProperty("java.class.path"));
    env.remove("JBOX_TRACE");
    env.remove("JBOX_CONFIG");
    return pb;
  }

  public static Result run(String... args) {
    return run(List.of(args), null);
  }

  public static Result run(List<String> args, Map<String, String> extraEnv) {
    return run(builder(args), args, extraEnv);
  }

  /** As {@link #run(List, Map)}, started as {@code HELPER jbox ARGS} (a copy of the helper elsewhere). */
  public static Result runWith(Path helper, List<String> args, Map<String, String> extraEnv) {
    ProcessBuilder pb = builder(args);
    pb.command().set(0, helper.toString());
    pb.command().add(1, "jbox");
    pb.environment().put("JBOX_HELPER", helper.toString());
    return run(pb, args, extraEnv);
  }

  private static Result run(ProcessBuilder pb, List<String> args, Map<String, String> extraEnv) {
    if (extraEnv != null) pb.environment().putAll(extraEnv);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Process p = pb.start();
      byte[][] outs = new byte[2][];
      Thread out = new Thread(() -> outs[0] = readAll(p.getInputStream()));
      Thread err = new Thread(() -> outs[1] = readAll(p.getErrorStream()));
      out.start();
      err.start();
      // a hung sandbox fails its test instead of hanging the suite
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail("jbox " + args + " did not finish within 60 s");
      }
      out.join(10_000);
      err.join(10_000);
      return new Result(p.exitValue(), outs[0] == null ? "" : new String(outs[0], StandardCharsets.UTF_8),
          outs[1] == null ? "" : new String(outs[1], StandardCharsets.UTF_8));
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("start jbox: " + e, e);
    }
  }

  static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** jbox run --rootfs ROOTFS OPTIONS... -- sh -c SCRIPT. */
  public static Result sh(Path rootfs, List<String> options, String script) {
    List<String> a = new ArrayList<>(List.of("run", "--rootfs", rootfs.toString()));
    a.addAll(options);
    a.addAll(List.of("sh", "-c", script));
    return run(a, null);
  }

  public static Result sh(Path rootfs, String script) {
    return sh(rootfs, List.of(), script);
  }

  /** A fresh busybox rootfs made by scripts/mkrootfs, owned by the test account. */
  public static Path rootfs(Path parent) {
    Path dir = parent.resolve("rootfs");
    try {
      Process p = new ProcessBuilder(source().resolve("scripts/mkrootfs").toString(), dir.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) fail("mkrootfs failed: " + out);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
    return dir;
  }

  /** Copies the static probe (helpers/tests/probe.c) to /probe in the rootfs. */
  public static void installProbe(Path rootfs) {
    try {
      Path dst = rootfs.resolve("probe");
      Files.copy(source().resolve("helpers/build/tests/probe"), dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      dst.toFile().setExecutable(true);
    } catch (IOException e) {
      throw new AssertionError("install probe: " + e, e);
    }
  }

  /**
   * Namespace tests need unprivileged user namespaces, subordinate ids and an unprivileged
   * account. Outside CI they are skipped when missing; with JBOX_MUST_WORK=1 (CI) they fail.
   */
  public static void requireRootless() {
    String why = null;
    if (currentUid() == 0) why = "running as root: rootless tests must run as an unprivileged account (sudo scripts/test does)";
    else if (!userNamespacesWork()) why = "unprivileged user namespaces are not available (`unshare -U true` fails)";
    else if (!hasSubIds()) why = "the test account has no /etc/subuid and /etc/subgid entries";
    if (why == null) return;
    if ("1".equals(System.getenv("JBOX_MUST_WORK"))) fail("JBOX_MUST_WORK=1 and " + why);
    Assumptions.abort(why);
  }

  static long currentUid() {
    return dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0];
  }

  static boolean userNamespacesWork() {
    try {
      Process p = new ProcessBuilder("unshare", "-U", "true").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static boolean hasSubIds() {
    String user = System.getProperty("user.name");
    try {
      return Files.readAllLines(Path.of("/etc/subuid")).stream().anyMatch(l -> l.startsWith(user + ":"))
          && Files.readAllLines(Path.of("/etc/subgid")).stream().anyMatch(l -> l.startsWith(user + ":"));
    } catch (IOException e) {
      return false;
    }
  }
}
