package dev.jbox.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** FastCreate reads create's command lines as picocli does, and declines every other one. */
class FastCreateTest {
  static final List<List<String>> READ = List.of(
      List.of("create", "c1"),
      List.of("--root", "/r", "create", "--bundle", "/b", "c1"),
      List.of("--root=/r", "--log", "/l.json", "--log-format", "json", "--debug", "--systemd-cgroup", "create", "-b", "/b",
          "--pid-file", "/p", "--console-socket", "/s", "--preserve-fds", "3", "--no-pivot", "--no-new-keyring", "c1"),
      List.of("--rootless", "true", "create", "--bundle=/b", "--pid-file=/p", "--console-socket=/s", "--preserve-fds=2", "c.1+x"),
      List.of("--log-format=text", "create", "c1", "--bundle", "/b"),
      // containerd's runc shim and conmon
      List.of("--root", "/run/containerd/runc/k8s.io", "--log", "/run/log.json", "--log-format", "json", "create", "--bundle",
          "/run/b", "--pid-file", "/run/b/init.pid", "ctr1"),
      List.of("--systemd-cgroup", "--root", "/run/user/1000/crun", "create", "--bundle", "/u/b", "--pid-file", "/u/pidfile", "c2"));

  static final List<List<String>> DECLINED = List.of(
      List.of("start", "c1"), List.of("create"), List.of("create", "a", "b"), List.of("create", "--help"), List.of("--help"),
      List.of("create", "-bx", "c1"), List.of("create", "--preserve-fds", "x", "c1"), List.of("create", "--preserve-fds", "-1", "c1"),
      List.of("create", "--bundle", "/a", "--bundle", "/b", "c1"), List.of("create", "-b", "/a", "--bundle=/b", "c1"),
      List.of("--root", "/a", "--root", "/b", "create", "c1"), List.of("create", "--", "c1"), List.of("create", "-", "c1"),
      List.of("--criu", "x", "create", "c1"), List.of("create", "--bundle"), List.of("run", "c1"), List.of("create", "--debug", "c1"),
      List.of("--debug=true", "create", "c1"), List.of("create", "--no-pivot=false", "c1"));

  @Test
  void readsWhatPicocliReads() {
    for (List<String> args : READ) {
      FastCreate.Parsed fast = FastCreate.parse(args.toArray(String[]::new));
      assertNotNull(fast, args.toString());
      Main main = new Main();
      CommandLine cl = new CommandLine(main);
      CommandLine.ParseResult pr = cl.parseArgs(args.toArray(String[]::new));
      CreateCommand c = (CreateCommand) pr.subcommand().commandSpec().userObject();
      FastCreate.Parsed slow = new FastCreate.Parsed(main.root, main.log, main.logFormat, main.debug, c.bundle, c.pidFile,
          c.consoleSocket, c.preserveFds, c.id);
      assertEquals(slow, fast, args.toString());
    }
  }

  @Test
  void declinesEverythingElse() {
    for (List<String> args : DECLINED) assertNull(FastCreate.parse(args.toArray(String[]::new)), args.toString());
  }
}
