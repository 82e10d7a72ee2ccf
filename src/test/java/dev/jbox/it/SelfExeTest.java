package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sandbox cannot name the helper's executable (issue 10 item 3, the class of runc
 * CVE-2019-5736). The image's {@code /bin/innocent} starts with {@code #!/proc/self/exe jbox}, so
 * the kernel executes, inside the sandbox, whatever /proc/self/exe is for the process that calls
 * execve: the helper. Run in its {@code jbox} mode with the sandbox's JAVA_HOME, it starts the
 * image's {@code /attack/bin/java}, which holds /proc/PPID/exe open, makes it setuid, and writes
 * through the handle once the helper has exited, as the exploit did. jbox runs from a copy of the
 * helper the test account owns (a build tree, a ~/.local install), which must stay as it was.
 */
class SelfExeTest {
  @TempDir static Path tmp;
  static Path rootfs;

  static final String ATTACK = """
      #!/bin/sh
      # fd 3 is the helper's plan pipe: without it the helper only waits for this "JVM" to exit
      exec 3>&-
      log=/tmp/attack-$TAG.log
      exec 5</proc/$PPID/exe 2>>"$log" && echo opened >>"$log"
      {
        echo "exe=$(stat -L -c %d:%i /proc/self/fd/5)"
        echo "link=$(readlink /proc/$PPID/exe)"
        echo "pid1=$(readlink /proc/1/exe)"
        chmod 4777 /proc/self/fd/5 && echo chmod=made
        echo checked
      } >>"$log" 2>&1
      # the text is busy while the helper runs: write through the handle once it is gone
      ( while kill -0 $PPID 2>/dev/null; do usleep 10000; done
        if true 2>/dev/null >/proc/self/fd/5; then echo truncate=ok; else echo truncate=failed; fi
        if printf '#!/bin/sh\\necho pwned\\n' 1<>/proc/self/fd/5; then echo write=ok; else echo write=failed; fi
        echo writer-finished ) >>"$log" 2>&1 </dev/null &
      """;

  @BeforeAll
  static void setUp() throws IOException {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    Files.writeString(rootfs.resolve("bin/innocent"), "#!/proc/self/exe jbox\n");
    rootfs.resolve("bin/innocent").toFile().setExecutable(true, false);
    Files.createDirectories(rootfs.resolve("attack/bin"));
    Files.writeString(rootfs.resolve("attack/bin/java"), ATTACK);
    rootfs.resolve("attack/bin/java").toFile().setExecutable(true, false);
  }

  /** A copy of the built helper, owned by the test account, as a ~/.local install would be. */
  static Path helperCopy(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Path copy = dir.resolve("jbox-helper");
    Files.copy(Jbox.source().resolve("helpers/build/jbox-helper"), copy, StandardCopyOption.REPLACE_EXISTING);
    copy.toFile().setExecutable(true);
    return copy;
  }

  static String sha256(Path p) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
  }

  static String devIno(Path p) throws Exception {
    Process s = new ProcessBuilder("stat", "-L", "-c", "%d:%i", p.toString()).start();
    String out = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, s.waitFor());
    return out;
  }

  static List<String> attackEnv(String tag) {
    return List.of("-e", "JAVA_HOME=/attack", "-e", "JBOX_CLASSPATH=/etc/passwd", "-e", "TAG=" + tag);
  }

  /** What the attack saw: the handle is not the host's helper, and the helper file is unchanged. */
  static void assertUntouched(Path copy, String hash, int mode, String log) throws Exception {
    assertTrue(log.contains("opened") && log.contains("checked"), "the attack ran: " + log);
    String exe = log.lines().filter(l -> l.startsWith("exe=")).findFirst().orElse("exe=?").substring(4);
    assertNotEquals(devIno(copy), exe, "/proc/PPID/exe inside is the host's helper file: " + log);
    assertTrue(log.contains("link=/memfd:jbox-helper"), "the sandbox sees the sealed copy: " + log);
    assertEquals(hash, sha256(copy), "the helper file was rewritten from inside: " + log);
    assertEquals(Integer.toOctalString(mode), Integer.toOctalString(mode(copy)), "the helper's mode changed: " + log);
  }

  @Test
  void procSelfExeScript_throughRun_cannotReachTheHelperFile() throws Exception {
    Path copy = helperCopy("run");
    String hash = sha256(copy);
    int mode = mode(copy);
    // --init: the helper in jbox mode refuses to start its "JVM" as pid 1 (getppid() == 1), and
    // pid 1 is then jbox:init, itself a helper process the command's execve was forked from
    List<String> args = new java.util.ArrayList<>(List.of("run", "--init", "--rootfs", rootfs.toString()));
    args.addAll(attackEnv("run"));
    args.add("/bin/innocent");
    Jbox.Result r = Jbox.runWith(copy, args, null);
    assertEquals(0, r.code(), r.toString());
    assertUntouched(copy, hash, mode, Files.readString(rootfs.resolve("tmp/attack-run.log")));
  }

  /**
   * A helper of root's, mode 0755 (scripts/test builds one as root): an installed helper's shape.
   * No sandbox of a user who is not root can change such a file, so it runs without the sealed
   * copy (selfexec.c file_is_trusted): --init's pid 1 is then the file itself, which the command
   * can open through /proc/1/exe, and can neither chmod, truncate nor write.
   */
  @Test
  void rootsHelper_runsFromTheFileItself_whichTheSandboxCannotChange() throws Exception {
    String made = System.getenv("JBOX_TEST_ROOT_HELPER");
    Path helper = made == null || made.isEmpty() ? null : Path.of(made);
    if (helper == null || !Files.isRegularFile(helper) || (Integer) Files.getAttribute(helper, "unix:uid") != 0 || (mode(helper) & 022) != 0) {
      String why = "JBOX_TEST_ROOT_HELPER names no helper of root's written by root alone (scripts/test makes one)";
      if ("1".equals(System.getenv("JBOX_MUST_WORK"))) org.junit.jupiter.api.Assertions.fail("JBOX_MUST_WORK=1 and " + why);
      org.junit.jupiter.api.Assumptions.abort(why);
    }
    String hash = sha256(helper);
    int mode = mode(helper);
    Jbox.Result r = Jbox.runWith(helper, List.of("run", "--init", "--rootfs", rootfs.toString(), "sh", "-c",
        "exec 5</proc/1/exe && echo opened; stat -L -c exe=%d:%i /proc/self/fd/5; readlink /proc/1/exe; "
            + "chmod 4777 /proc/self/fd/5 2>/dev/null && echo chmod=made; (: >/proc/self/fd/5) 2>/dev/null && echo truncate=made; "
            + "(printf x 1<>/proc/self/fd/5) 2>/dev/null && echo write=made; echo checked"), null);
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("opened\n") && r.out().contains("checked\n"), "the attack ran: " + r);
    assertTrue(r.out().contains("exe=" + devIno(helper) + "\n"), "pid 1 ran from the helper's own file, not a copy: " + r);
    assertFalse(r.out().contains("=made"), "chmod, O_TRUNC or a write through /proc/1/exe succeeded: " + r);
    assertEquals(hash, sha256(helper), "the helper file was rewritten from inside: " + r);
    assertEquals(Integer.toOctalString(mode), Integer.toOctalString(mode(helper)), "the helper's mode changed: " + r);
  }

  @Test
  void procSelfExeScript_throughExec_cannotReachTheHelperFile() throws Exception {
    Path copy = helperCopy("exec");
    String hash = sha256(copy);
    int mode = mode(copy);
    try (Detached d = new Detached(tmp, rootfs)) {
      // the sandbox runs from the build's helper: only the exec goes through the copy, which
      // nothing executes once that exec is over (so its text is no longer busy)
      String id = d.start("exec sleep 1000");
      List<String> args = new java.util.ArrayList<>(List.of("exec"));
      args.addAll(attackEnv("exec"));
      args.addAll(List.of(id, "/bin/innocent"));
      Jbox.Result r = Jbox.runWith(copy, args, d.env());
      assertEquals(0, r.code(), r.toString());
      Path log = rootfs.resolve("tmp/attack-exec.log");
      assertTrue(Detached.eventually(() -> {
        try {
          return Files.readString(log).contains("writer-finished");
        } catch (IOException e) {
          return false;
        }
      }), "the attack's writer finished");
      String text = Files.readString(log);
      assertTrue(text.contains("truncate=failed") && text.contains("write=failed"),
          "O_TRUNC and a write through /proc/PPID/exe failed: " + text);
      assertUntouched(copy, hash, mode, text);
    }
  }
}
