package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --sysctl and jbox's own pasta tuning: written in the sandbox's namespaces, never on the host. */
class SysctlTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static String host(String key) throws Exception {
    // Files.readString stops after the first byte of these procfs files (their size is 0)
    try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/sys/" + key.replace('.', '/'))) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
    }
  }

  @Test
  void pasta_capsTheSandboxsTcpSendBuffer_andTheHostKeepsItsOwn() throws Exception {
    String before = host("net.ipv4.tcp_wmem");
    Jbox.Result r = Jbox.sh(rootfs, List.of("--network=pasta"), "cat /proc/sys/net/ipv4/tcp_wmem");
    assertEquals(0, r.code(), r.toString());
    assertEquals("4096\t16384\t131072", r.out().strip());
    assertEquals(before, host("net.ipv4.tcp_wmem"));
    // the benign twin: another network keeps the kernel's default, and --sysctl overrides the cap
    Jbox.Result none = Jbox.sh(rootfs, List.of("--network=none"), "cat /proc/sys/net/ipv4/tcp_wmem");
    assertEquals(before.replaceAll("\\s+", " "), none.out().strip().replaceAll("\\s+", " "), none.toString());
    Jbox.Result own = Jbox.sh(rootfs, List.of("--network=pasta", "--sysctl", "net.ipv4.tcp_wmem=4096 16384 65536"),
        "cat /proc/sys/net/ipv4/tcp_wmem");
    assertEquals("4096\t16384\t65536", own.out().strip(), own.toString());
  }

  @Test
  void netAndIpcKeys_areSetInside_only() throws Exception {
    String fwd = host("net.ipv4.ip_forward");
    String shm = host("kernel.shmmni");
    Jbox.Result r = Jbox.sh(rootfs, List.of("--network=none", "--sysctl", "net.ipv4.ip_forward=1",
        "--sysctl", "kernel/shmmni=1234", "--sysctl", "kernel.shmmni=2345"),
        "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni");
    assertEquals(0, r.code(), r.toString());
    assertEquals("1\n2345\n", r.out(), "the last value of a key wins");
    assertEquals(fwd, host("net.ipv4.ip_forward"));
    assertEquals(shm, host("kernel.shmmni"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--sysctl|kernel.hostname=evil|not namespaced",
      "--sysctl|vm.overcommit_memory=1|not namespaced",
      "--sysctl|net.ipv4.ip_forward|expected KEY=VALUE",
      "--sysctl|../../x=1|not a sysctl name",
      "--network=host --sysctl|net.ipv4.ip_forward=1|network namespace of the sandbox's own",
      "--ipc=host --sysctl|kernel.shmmax=1|ipc namespace of the sandbox's own",
      "--network=none --sysctl|net.ipv4.no_such_key=1|No such file",
      "--network=none --sysctl|net.ipv4.tcp_wmem=bad|Invalid argument"})
  void refusals_areOneLine_exit125(String options, String value, String message) {
    List<String> args = new java.util.ArrayList<>(List.of("run", "--rootfs", rootfs.toString()));
    args.addAll(List.of(options.split(" ")));
    args.addAll(List.of(value, "true"));
    Jbox.Result r = Jbox.run(args, null);
    assertEquals(125, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
    assertTrue(r.err().startsWith("jbox: ") && r.err().contains(message), r.toString());
  }
}
