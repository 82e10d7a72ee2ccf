package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The network choice of a sandbox: none (own namespace, loopback only), host, a namespace to
 * join, or user-mode networking through pasta or slirp4netns, whose command line is built here
 * (policy) and started by the helper against the sandbox's namespace (mechanism).
 */
public record Network(Mode mode, String nsPath, List<String> helperArgv, String hostAddress) {
  /** pasta answers DNS queries sent to this address by forwarding them to the host's resolver. */
  public static final String PASTA_DNS = "169.254.1.1";
  /** slirp4netns's built-in DNS forwarder. */
  public static final String SLIRP_DNS = "10.0.2.3";

  /** What kind of network. */
  public enum Mode {
    NONE,
    HOST,
    JOIN,
    PASTA,
    SLIRP4NETNS
  }

  public Network {
    helperArgv = List.copyOf(helperArgv);
  }

  Network(Mode mode, String nsPath, List<String> helperArgv) {
    this(mode, nsPath, helperArgv, null);
  }

  /**
   * The host's IPv4 default gateway from /proc/net/route, or null: pasta copies it into the
   * sandbox, and without --no-map-gw connections to it reach the host's loopback.
   */
  static String hostGateway() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/net/route"))) {
        String[] f = dev.jbox.Text.fields(l);
        if (f.length < 3 || !f[1].equals("00000000") || f[2].equals("00000000")) continue;
        long g = Long.parseLong(f[2], 16);
        return (g & 0xff) + "." + (g >> 8 & 0xff) + "." + (g >> 16 & 0xff) + "." + (g >> 24 & 0xff);
      }
    } catch (java.io.IOException | NumberFormatException e) {
      // no IPv4 route table to read: no name for the host
    }
    return null;
  }

  static final List<Path> DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/local/bin"), Path.of("/usr/sbin"));

  /** The first executable `tool` on PATH, then in the usual directories (what the helper execs), or null. */
  public static Path find(String tool) {
    String path = dev.jbox.PolicyInputs.env(System.getenv(), "PATH");
    List<Path> dirs = new ArrayList<>();
    if (path != null) for (String d : path.split(":")) if (!d.isEmpty()) dirs.add(Path.of(d));
    dirs.addAll(DIRS);
    for (Path d : dirs) {
      // java.io.File: access(2) and stat(2) answer with a boolean, where Files.isExecutable
      // builds and throws an exception for every directory of PATH without the tool (the run path)
      Path f = d.resolve(tool);
      if (dev.jbox.PolicyInputs.canExecute(f) && !dev.jbox.PolicyInputs.isDirectory(f)) return f.toAbsolutePath();
    }
    return null;
  }

  /** One {@code -p [IP:]HOSTPORT:CTRPORT[/tcp|udp]}. */
  public record Port(String ip, int host, int container, String proto) {
    public static Port parse(String spec) {
      String s = spec;
      String proto = "tcp";
      int slash = s.lastIndexOf('/');
      if (slash >= 0) {
        proto = s.substring(slash + 1);
        s = s.substring(0, slash);
        if (!proto.equals("tcp") && !proto.equals("udp")) throw new JboxException("--publish `" + spec + "`: protocol must be tcp or udp");
      }
      String[] f = s.split(":");
      try {
        if (f.length == 2) return new Port(null, port(f[0]), port(f[1]), proto);
        if (f.length == 3) {
          if (!isAddress(f[0])) throw new NumberFormatException();
          return new Port(f[0].replace("[", "").replace("]", ""), port(f[1]), port(f[2]), proto);
        }
      } catch (NumberFormatException e) {
        // fall through to the message
      }
      throw new JboxException("--publish `" + spec + "`: expected [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp]");
    }

    /** {@code [0-9.]+|\\[?[0-9a-fA-F:]+\\]?}, written out (dev.jbox.Text). */
    static boolean isAddress(String a) {
      boolean v4 = !a.isEmpty();
      for (int i = 0; i < a.length(); i++) v4 &= (a.charAt(i) >= '0' && a.charAt(i) <= '9') || a.charAt(i) == '.';
      if (v4) return true;
      String x = a.startsWith("[") ? a.substring(1) : a;
      if (x.endsWith("]")) x = x.substring(0, x.length() - 1);
      if (x.isEmpty()) return false;
      for (int i = 0; i < x.length(); i++) {
        char c = x.charAt(i);
        if (!dev.jbox.Text.isHexDigit(c) && c != ':') return false;
      }
      return true;
    }

    private static int port(String p) {
      int v = Integer.parseInt(p);
      if (v < 1 || v > 65535) throw new NumberFormatException();
      return v;
    }

    /**
     * Fails with a clear message when the host port is taken: pasta of Debian 12 would start
     * anyway and forward nothing.
     */
    void checkFree() {
      java.net.InetSocketAddress at = new java.net.InetSocketAddress(ip != null ? ip : "0.0.0.0", host);
      try {
        if (proto.equals("tcp")) {
          try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(at);
          }
        } else {
          try (java.net.DatagramSocket s = new java.net.DatagramSocket(at)) {
            s.getLocalPort();
          }
        }
      } catch (java.io.IOException e) {
        throw new JboxException("--publish: " + proto + " port " + host + (ip != null ? " on " + ip : "") + " is already in use or cannot be bound (" + e.getMessage() + ")");
      }
    }

    /** pasta's -t/-u spec: [IP/]HOST:CTR. */
    String pastaSpec() {
      return (ip != null ? ip + "/" : "") + host + ":" + container;
    }
  }

  /**
   * Parses {@code --network}: none|private, host, ns:PATH, pasta[:host-loopback],
   * slirp4netns[:allow_host_loopback=true], or auto (pasta, else slirp4netns, else none).
   */
  public static Network parse(String spec, List<String> publish) {
    String name = spec;
    String opts = "";
    int colon = spec.indexOf(':');
    if (colon >= 0 && !spec.startsWith("ns:")) {
      name = spec.substring(0, colon);
      opts = spec.substring(colon + 1);
    }
    List<Port> ports = new ArrayList<>();
    for (String p : publish) ports.add(Port.parse(p));
    if (name.equals("auto")) {
      name = find("pasta") != null ? "pasta" : find("slirp4netns") != null ? "slirp4netns" : "none";
    }
    if (!ports.isEmpty() && !name.equals("pasta")) {
      throw new JboxException("--publish needs --network=pasta (" + (name.equals("slirp4netns") ? "port forwarding through slirp4netns is not supported yet" : "the network is " + name) + ")");
    }
    switch (name) {
      case "none", "private" -> {
        return new Network(Mode.NONE, null, List.of());
      }
      case "host" -> {
        return new Network(Mode.HOST, null, List.of());
      }
      case "pasta" -> {
        Path pasta = find("pasta");
        if (pasta == null) throw new JboxException("--network=pasta: pasta not found (install the passt package, or use --network=slirp4netns or none)");
        boolean hostLoopback = false;
        for (String o : opts.split(",")) {
          if (o.isEmpty()) continue;
          if (o.equals("host-loopback")) hostLoopback = true;
          else throw new JboxException("--network `" + spec + "`: unknown pasta option `" + o + "` (host-loopback)");
        }
        // foreground: it stays the monitor's child and ends with the sandbox (helpers/network.c)
        List<String> argv = new ArrayList<>(List.of(pasta.toString(), "--config-net", "--quiet", "-f"));
        // the host's own loopback services stay out of reach unless asked for
        if (!hostLoopback) argv.add("--no-map-gw");
        List<String> tcp = new ArrayList<>();
        List<String> udp = new ArrayList<>();
        for (Port p : ports) {
          p.checkFree();
          (p.proto().equals("tcp") ? tcp : udp).add(p.pastaSpec());
        }
        argv.addAll(List.of("-t", tcp.isEmpty() ? "none" : String.join(",", tcp)));
        argv.addAll(List.of("-u", udp.isEmpty() ? "none" : String.join(",", udp)));
        argv.addAll(List.of("-T", "none", "-U", "none", "--dns-forward", PASTA_DNS, "@PID@"));
        return new Network(Mode.PASTA, null, argv, hostLoopback ? hostGateway() : null);
      }
      case "slirp4netns" -> {
        Path slirp = find("slirp4netns");
        if (slirp == null) throw new JboxException("--network=slirp4netns: slirp4netns not found (install the slirp4netns package)");
        boolean hostLoopback = false;
        for (String o : opts.split(",")) {
          if (o.isEmpty()) continue;
          if (o.equals("allow_host_loopback=true")) hostLoopback = true;
          else if (!o.equals("allow_host_loopback=false")) throw new JboxException("--network `" + spec + "`: unknown slirp4netns option `" + o + "`");
        }
        // as podman: slirp4netns pivots into an empty root of its own and filters its syscalls
        List<String> argv = new ArrayList<>(List.of(slirp.toString(), "--configure", "--mtu=65520", "--enable-sandbox", "--enable-seccomp"));
        if (!hostLoopback) argv.add("--disable-host-loopback");
        argv.addAll(List.of("--ready-fd", "@READY_FD@", "--exit-fd", "@EXIT_FD@", "@PID@", "tap0"));
        return new Network(Mode.SLIRP4NETNS, null, argv, hostLoopback ? "10.0.2.2" : null);
      }
      default -> {
        if (spec.startsWith("ns:")) return new Network(Mode.JOIN, spec.substring(3), List.of());
        throw new JboxException("--network `" + spec + "`: expected none, host, pasta, slirp4netns, auto or ns:PATH");
      }
    }
  }
}
