package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.sandbox.Network;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** User-mode networking with the real pasta and slirp4netns: reachability, isolation, lifetimes. */
class NetworkTest {
  @TempDir static Path tmp;
  static Path rootfs;
  static ServerSocket hostServer;
  static Thread acceptor;

  @BeforeAll
  static void setUp() throws Exception {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
    // a service on the host's loopback only: a sandbox must not reach it unless allowed
    hostServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!hostServer.isClosed()) {
        try (Socket s = hostServer.accept(); OutputStream o = s.getOutputStream()) {
          o.write("host-secret\n".getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (hostServer != null) hostServer.close();
  }

  static String reachHost(String network) {
    var r = Jbox.sh(rootfs, List.of("--network=" + network),
        "gw=$(ip route | sed -n 's/default via \\([0-9.]*\\).*/\\1/p'); timeout 5 nc $gw " + hostServer.getLocalPort() + " 2>/dev/null </dev/null; echo rc=$?");
    assertEquals(0, r.code(), r.toString());
    return r.out();
  }

  @ParameterizedTest
  @ValueSource(strings = {"pasta", "slirp4netns"})
  void hostLoopback_unreachableByDefault_reachableWhenAllowed(String backend) {
    assertTrue(!reachHost(backend).contains("host-secret"), "the host's 127.0.0.1 must stay out of reach");
    String allow = backend.equals("pasta") ? "pasta:host-loopback" : "slirp4netns:allow_host_loopback=true";
    assertTrue(reachHost(allow).contains("host-secret"), "benign twin: reachable when allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"pasta", "slirp4netns"})
  void backend_givesAnInterfaceWithDefaultRouteAndLeavesNothingBehind(String backend) throws Exception {
    List<Long> before = Lifetimes.ownWithCmdline("/usr/bin/" + backend);
    var r = Jbox.sh(rootfs, List.of("--network=" + backend), "ip -o link | grep -v ' lo:' | wc -l; ip route | grep -c default");
    assertEquals("1\n1\n", r.out(), r.toString());
    List<Long> left = new ArrayList<>(Lifetimes.ownWithCmdline("/usr/bin/" + backend));
    for (int i = 0; i < 600 && !before.containsAll(left); i++) {
      Thread.sleep(100);
      left = new ArrayList<>(Lifetimes.ownWithCmdline("/usr/bin/" + backend));
    }
    left.removeAll(before);
    assertEquals(List.of(), left, backend + " outlived its sandbox");
  }

  /**
   * The peer scripts/test starts in the network namespace jboxtestnet, on an address of its own
   * (JBOX_TEST_PEER=ADDR:PORT serving JBOX_TEST_PEER_TOKEN): reached through the user-mode network
   * like any host off this machine's loopback.
   */
  @ParameterizedTest
  @ValueSource(strings = {"pasta", "slirp4netns"})
  void peerInTestNetworkNamespace_isReachable(String backend) {
    String peer = System.getenv("JBOX_TEST_PEER");
    String token = System.getenv("JBOX_TEST_PEER_TOKEN");
    if (peer == null || peer.isEmpty() || token == null || token.isEmpty()) {
      String why = "JBOX_TEST_PEER is unset: scripts/test (as root) creates the jboxtestnet peer";
      if ("1".equals(System.getenv("JBOX_MUST_WORK"))) org.junit.jupiter.api.Assertions.fail("JBOX_MUST_WORK=1 and " + why);
      org.junit.jupiter.api.Assumptions.abort(why);
    }
    String host = peer.substring(0, peer.lastIndexOf(':'));
    String port = peer.substring(peer.lastIndexOf(':') + 1);
    // busybox nc under timeout: busybox-static's wget crashes here, and nc may wait on a slow close
    var r = Jbox.sh(rootfs, List.of("--network=" + backend),
        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc " + host + " " + port + "; true");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains(token), backend + " did not reach the peer " + peer + ": " + r);
  }

  /**
   * pasta starts beside stage 1 and opens its /proc/PID/ns/; stage 1 is undumpable for a moment at
   * each change of uid, and pasta opening then is refused (seen under load). The helper starts it
   * again: a pasta refused once (a wrapper on PATH that says what pasta says, then runs the real
   * one) still gives the sandbox its network. One refused every time is a one-line error, exit 125,
   * after six tries.
   */
  @Test
  void pastaRefusedTheNamespace_isStartedAgain() throws Exception {
    Path real = Network.find("pasta");
    assertNotNull(real);
    for (int refusals : new int[] {1, 99}) {
      Path bin = tmp.resolve("flaky-pasta-" + refusals);
      Files.createDirectories(bin);
      Path count = bin.resolve("count");
      Files.writeString(bin.resolve("pasta"), "#!/bin/sh\necho x >> " + count + "\n"
          + "if [ \"$(wc -l < " + count + ")\" -le " + refusals + " ]; then\n"
          + "  echo \"Couldn't open user namespace /proc/$$/ns/user: Permission denied\" >&2; exit 1\nfi\n"
          + "exec " + real + " \"$@\"\n");
      Files.setPosixFilePermissions(bin.resolve("pasta"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      ProcessBuilder pb = Jbox.builder(List.of("run", "--rootfs", rootfs.toString(), "--network=pasta", "sh", "-c",
          "ip route | grep -c default"));
      pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
      var r = Jbox.collect(pb, "jbox run", 60);
      long tries = Files.readAllLines(count).size();
      if (refusals == 1) {
        assertEquals(0, r.code(), r.toString());
        assertEquals("1\n", r.out(), "the network is up after the second start: " + r);
        assertEquals(2, tries, r.toString());
      } else {
        assertEquals(125, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().contains("Permission denied"), r.toString());
        assertEquals(6, tries, r.toString());
      }
    }
  }

  /**
   * passt re-executes itself as passt.avx2 where the CPU has AVX2 (a second execve and dynamic link
   * on every sandbox's way up); the helper starts pasta.avx2 beside the named pasta itself then,
   * and the plain one where the CPU lacks AVX2. Two wrappers say which one ran; the sandbox still
   * gets its network either way.
   */
  @Test
  void pastaAvx2BesidePasta_isStartedDirectlyWhereTheCpuHasAvx2() throws Exception {
    Path real = Network.find("pasta");
    assertNotNull(real);
    boolean avx2 = false;
    for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (l.startsWith("flags") && (" " + l + " ").contains(" avx2 ")) avx2 = true;
    }
    Path bin = tmp.resolve("pasta-avx2");
    Files.createDirectories(bin);
    Path log = bin.resolve("log");
    for (String name : List.of("pasta", "pasta.avx2")) {
      Files.writeString(bin.resolve(name), "#!/bin/sh\necho " + name + " >> " + log + "\nexec " + real + " \"$@\"\n");
      Files.setPosixFilePermissions(bin.resolve(name), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    ProcessBuilder pb = Jbox.builder(List.of("run", "--rootfs", rootfs.toString(), "--network=pasta", "sh", "-c", "ip route | grep -c default"));
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    var r = Jbox.collect(pb, "jbox run", 60);
    assertEquals(0, r.code(), r.toString());
    assertEquals("1\n", r.out(), r.toString());
    // (argv[0] stays the named pasta, which picks pasta's mode: every other test here runs the real
    // pasta.avx2 that way)
    assertEquals(avx2 ? "pasta.avx2\n" : "pasta\n", Files.readString(log), r.toString());
  }

  @Test
  void publish_serverInsideIsReachableFromHost() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Process p = Jbox.builder(List.of("run", "-p", port + ":8080", "--rootfs", rootfs.toString(), "sh", "-c",
        "mkdir -p /www && echo hello-from-jbox > /www/index.html && exec httpd -f -p 8080 -h /www"))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("publish.log").toFile()).start();
    try {
      String got = "";
      for (int i = 0; i < 600 && !got.contains("hello-from-jbox"); i++) {
        Thread.sleep(100);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          s.setSoTimeout(2000);
          s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          InputStream in = s.getInputStream();
          got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          // not listening yet
        }
      }
      assertTrue(got.contains("hello-from-jbox"), "response: " + got + "; jbox said: " + java.nio.file.Files.readString(tmp.resolve("publish.log")));
    } finally {
      p.destroyForcibly(); // httpd as pid 1 has no SIGTERM handler; SIGKILL of jbox takes it down
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    }
  }

  @Test
  void publish_portInUse_isOneLineError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      var r = Jbox.run("run", "-p", taken.getLocalPort() + ":80", "--rootfs", rootfs.toString(), "true");
      assertEquals(125, r.code(), r.toString());
      assertTrue(r.err().contains("already in use") && r.err().lines().count() == 1, r.err());
    }
  }

  @Test
  void sigkillOfJbox_takesPastaDown() throws Exception {
    String marker = "sleep 5" + (System.nanoTime() % 10000);
    Process p = Jbox.builder(List.of("run", "--network=pasta", "--rootfs", rootfs.toString(), "sh", "-c", "exec " + marker)).start();
    for (int i = 0; i < 600 && Lifetimes.withCmdline(marker).isEmpty(); i++) Thread.sleep(100);
    long pasta = Lifetimes.descendants(p.pid()).stream().filter(k -> Lifetimes.cmdline(k).startsWith("/usr/bin/pasta")).findFirst().orElseThrow();
    new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
    for (int i = 0; i < 600 && !Lifetimes.cmdline(pasta).isEmpty(); i++) Thread.sleep(100);
    assertEquals("", Lifetimes.cmdline(pasta), "pasta outlived a killed jbox");
    for (int i = 0; i < 600 && !Lifetimes.withCmdline(marker).isEmpty(); i++) Thread.sleep(100);
    assertEquals(List.of(), Lifetimes.withCmdline(marker));
  }

  @Test
  void slirp4netns_runsInItsOwnSandbox_withASeccompFilter_andEndsWithTheSandbox() throws Exception {
    String marker = "sleep 6" + (System.nanoTime() % 10000);
    Process p = Jbox.builder(List.of("run", "--network=slirp4netns", "--rootfs", rootfs.toString(), "sh", "-c", "exec " + marker)).start();
    try {
      for (int i = 0; i < 600 && Lifetimes.withCmdline(marker).isEmpty(); i++) Thread.sleep(100);
      long slirp = Lifetimes.descendants(p.pid()).stream().filter(k -> Lifetimes.cmdline(k).startsWith("/usr/bin/slirp4netns")).findFirst().orElseThrow();
      String status = java.nio.file.Files.readString(Path.of("/proc/" + slirp + "/status"));
      assertTrue(status.contains("\nSeccomp:\t2\n"), "slirp4netns without its seccomp filter:\n" + status);
      String own = java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
      String its = java.nio.file.Files.readSymbolicLink(Path.of("/proc/" + slirp + "/ns/mnt")).toString();
      assertTrue(!own.equals(its), "slirp4netns shares the caller's mount namespace (no --enable-sandbox)");
      // pid 1 of the sandbox ignores TERM without a handler: end the command with KILL
      new ProcessBuilder("kill", "-KILL", Long.toString(Lifetimes.withCmdline(marker).get(0))).start().waitFor();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      for (int i = 0; i < 600 && !Lifetimes.cmdline(slirp).isEmpty(); i++) Thread.sleep(100);
      assertEquals("", Lifetimes.cmdline(slirp), "slirp4netns outlived its sandbox");
    } finally {
      p.destroyForcibly();
    }
  }
}
