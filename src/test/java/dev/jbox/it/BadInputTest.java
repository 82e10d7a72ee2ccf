package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad input: one line naming the problem, exit 125, nothing created. */
class BadInputTest {
  @TempDir static Path tmp;
  static Path rootfs;
  static Path file;

  @BeforeAll
  static void setUp() throws Exception {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    file = Files.writeString(tmp.resolve("a-file"), "x");
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
      "bad mount type|--rootfs,ROOTFS,--mount,type=volume,true|type must be bind or tmpfs",
      "bad tmpfs size|--rootfs,ROOTFS,--tmpfs,/x:size=huge,true|bad size",
      "unknown network|--rootfs,ROOTFS,--network=bogus,true|expected none, host, pasta, slirp4netns",
      "publish without pasta|--rootfs,ROOTFS,--network=none,-p,8080:80,true|--publish needs --network=pasta",
      "bad publish|--rootfs,ROOTFS,-p,80,true|expected [IP:]HOSTPORT:CONTAINERPORT",
      "raising hard limit|--rootfs,ROOTFS,--ulimit,nofile=1:99999999999,true|setrlimit"})
  void badInput_oneLineExit125NothingCreated(String name, String args, String message) throws Exception {
    List<String> a = new java.util.ArrayList<>(List.of("run"));
    for (String s : args.split(",")) a.add(s.replace("ROOTFS", rootfs.toString()).replace("FILE", file.toString()));
    String before = listing();
    var r = Jbox.run(a, null);
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("jbox: ") && r.err().contains(message), r.err());
    assertEquals("", r.out());
    assertEquals(before, listing(), "nothing created in the rootfs");
  }

  static String listing() throws Exception {
    try (var s = Files.walk(rootfs)) {
      return String.join("\n", s.map(Path::toString).sorted().toList());
    }
  }
}
