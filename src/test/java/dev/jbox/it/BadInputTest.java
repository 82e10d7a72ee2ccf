package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad input: one line naming the problem, exit 125, nothing created. */
class BadInputTest {
  @TempDir static Path tmp;
  static Path rootfs;
  static Path file;
  static Path fifo;

  @BeforeAll
  static void setUp() throws Exception {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    file = Files.writeString(tmp.resolve("a-file"), "x");
    fifo = tmp.resolve("a-fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing rootfs|--rootfs,/nonexistent/rootfs,true|no such directory",
      "rootfs is a file|--rootfs,FILE,true|not a directory",
      "no image|--network=none|no IMAGE given",
      "empty command|--rootfs,ROOTFS|no command given",
      "unknown user|--rootfs,ROOTFS,-u,nobodyhere,true|unknown user `nobodyhere`",
      "unknown group|--rootfs,ROOTFS,-u,root:nogrouphere,true|unknown group `nogrouphere`",
      "bad uidmap|--rootfs,ROOTFS,--uidmap,0:1,true|expected CONTAINER:HOST:SIZE",
      "uidmap beyond range|--rootfs,ROOTFS,--uidmap,0:1:99999999,true|outside your",
      "non-numeric ulimit|--rootfs,ROOTFS,--ulimit,nofile=lots,true|is not a number",
      "unknown ulimit|--rootfs,ROOTFS,--ulimit,files=1,true|unknown limit `files`",
      "unknown capability|--rootfs,ROOTFS,--cap-add,SYS_MAGIC,true|unknown capability `SYS_MAGIC`",
      "unknown option|--rootfs,ROOTFS,--frobnicate,true|unknown option `--frobnicate`",
      "bad timens|--rootfs,ROOTFS,--timens,monotonic=soon,true|--timens",
      "bad namespace mode|--rootfs,ROOTFS,--pid=shared,true|expected private, host or ns:PATH",
      "missing ns path|--rootfs,ROOTFS,--network=ns:/nonexistent/ns,true|does not exist",
      "relative workdir|--rootfs,ROOTFS,-w,rel,true|must be an absolute path",
      "missing env file|--rootfs,ROOTFS,--env-file,/nonexistent/env,true|no such file",
      "bad security opt|--rootfs,ROOTFS,--security-opt,apparmor=x,true|--security-opt",
      "missing volume source|--rootfs,ROOTFS,-v,/nonexistent/src:/x,true|does not exist",
      "relative volume target|--rootfs,ROOTFS,-v,/tmp:rel,true|must be absolute",
      "volume over root|--rootfs,ROOTFS,-v,/tmp:/,true|cannot mount over /",
      "bad mount type|--rootfs,ROOTFS,--mount,type=nfs,true|type must be bind, volume or tmpfs",
      "volume mount without target|--rootfs,ROOTFS,--mount,type=volume,true|target= is required",
      "bad volume name|--rootfs,ROOTFS,-v,no/pe:/x,true|`no/pe` is not a valid volume name",
      "bad volume option|--rootfs,ROOTFS,-v,vol:/x:bogus,true|unknown option `bogus`",
      "bad tmpfs size|--rootfs,ROOTFS,--tmpfs,/x:size=huge,true|bad size",
      "unknown network|--rootfs,ROOTFS,--network=bogus,true|expected none, host, pasta, slirp4netns",
      "publish without pasta|--rootfs,ROOTFS,--network=none,-p,8080:80,true|--publish needs --network=pasta",
      "bad publish|--rootfs,ROOTFS,-p,80,true|expected [IP:]HOSTPORT:CONTAINERPORT",
      "raising hard limit|--rootfs,ROOTFS,--ulimit,nofile=1:99999999999,true|setrlimit",
      "env file is /dev/zero|--rootfs,ROOTFS,--env-file,/dev/zero,true|not a regular file",
      "env file is a FIFO|--rootfs,ROOTFS,--env-file,FIFO,true|not a regular file",
      "uid past 2^32-2|--rootfs,ROOTFS,-u,4294967296,true|out of range",
      "uid -1|--rootfs,ROOTFS,-u,-1,true|out of range",
      "huge uid|--rootfs,ROOTFS,-u,99999999999999999999999,true|out of range",
      "gid 2^32-1|--rootfs,ROOTFS,-u,0:4294967295,true|out of range"})
  void badInput_oneLineExit125NothingCreated(String name, String args, String message) throws Exception {
    List<String> a = new java.util.ArrayList<>(List.of("run"));
    for (String s : args.split(",")) a.add(s.replace("ROOTFS", rootfs.toString()).replace("FILE", file.toString()).replace("FIFO", fifo.toString()));
    String before = listing();
    var r = Jbox.run(a, null);
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("jbox: ") && r.err().contains(message), r.err());
    assertEquals("", r.out());
    assertEquals(before, listing(), "nothing created in the rootfs");
  }

  /**
   * A user mount on /proc, /sys or below, however the path is spelled, is refused as podman does:
   * a volume on /proc/sys/kernel forged cap_last_cap (runc CVE-2019-16884 / CVE-2019-19921).
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "-v|/tmp:/proc/sys/kernel|/proc/sys/kernel",
      "-v|/tmp:/proc|/proc",
      "-v|/tmp://proc|/proc",
      "-v|/tmp:/x/../proc/sys|/proc/sys",
      "-v|/tmp:/proc/./self/|/proc/self",
      "-v|/tmp:/sys/|/sys",
      "-v|/tmp:/sys/fs/cgroup:ro|/sys/fs/cgroup",
      "--tmpfs|/proc|/proc",
      "--tmpfs|/sys/kernel:size=1m|/sys/kernel",
      "--mount|type=tmpfs,target=/proc|/proc",
      "--mount|type=bind,source=/tmp,target=//sys//|/sys"})
  void userMountOnProcOrSys_refused_oneLineExit125NothingCreated(String flag, String spec, String where) throws Exception {
    String before = listing();
    var r = Jbox.run("run", "--rootfs", rootfs.toString(), flag, spec, "true");
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("jbox: ") && r.err().contains("cannot mount on `" + where + "`"), r.err());
    assertEquals(before, listing(), "nothing created in the rootfs");
  }

  @Test
  void userMountNextToProc_stillWorks() {
    var r = Jbox.run("run", "--rootfs", rootfs.toString(), "--network=none", "-v", tmp + ":/x/../procfiles", "--tmpfs", "/sysdata",
        "sh", "-c", "cat /procfiles/a-file; mount | grep -c ' /sysdata '");
    assertEquals(0, r.code(), r.toString());
    assertEquals("x1\n", r.out(), r.toString());
  }

  /** A config file or registries.conf nested 10,000 deep was a StackOverflowError. */
  @Test
  void deeplyNestedConfigAndRegistriesConf_oneLineExit125() throws Exception {
    Path deep = tmp.resolve("deep.toml");
    Files.writeString(deep, "[run]\nenv = " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
    var r = Jbox.run(List.of("run", "--rootfs", rootfs.toString(), "true"), java.util.Map.of("JBOX_CONFIG", deep.toString()));
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("jbox: config `" + deep + "`"), r.err());
    var p = Jbox.run(List.of("pull", "localhost:1/x"), java.util.Map.of("JBOX_REGISTRIES_CONF", deep.toString()));
    assertEquals(125, p.code(), p.toString());
    assertEquals(1, p.err().lines().count(), "one line: " + p.err());
    assertTrue(p.err().contains(deep.toString()) && !p.err().contains("StackOverflow"), p.err());
    var z = Jbox.run(List.of("run", "--rootfs", rootfs.toString(), "true"), java.util.Map.of("JBOX_CONFIG", "/dev/zero"));
    assertEquals(125, z.code(), z.toString());
    assertEquals("jbox: config `/dev/zero`: not a regular file\n", z.err());
  }

  /** ESC and other control bytes from a reference are shown escaped, never sent to the terminal. */
  @Test
  void controlBytesInAReference_shownEscaped() {
    var r = Jbox.run("pull", "evil\u001b]0;owned\u0007\u001b[2Jname");
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().contains("evil\\x1b]0;owned\\x07\\x1b[2Jname"), r.err());
    for (char c : r.err().toCharArray()) assertTrue(c >= 0x20 || c == '\n', "raw control byte " + (int) c + " in " + r.err());
  }

  static String listing() throws Exception {
    try (var s = Files.walk(rootfs)) {
      return String.join("\n", s.map(Path::toString).sorted().toList());
    }
  }
}
