package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jbox shell --allow-host HOST[:PORT]}: the nftables rules that let the sandbox reach only
 * those destinations (and pasta's DNS forwarder) and refuse everything else at once (a TCP reset,
 * an ICMP unreachable for the rest), loaded by the helper into the sandbox's own network
 * namespace before it drops its capabilities (helpers/PROTOCOL.md, tag 34). A name is resolved
 * when the sandbox starts, through the host's resolver (where pasta's forwarder sends the
 * sandbox's queries too); an IP address is taken as it is.
 */
public final class AllowList {
  private AllowList() {}

  /** One destination: its addresses and a port (0: every port). */
  record Dest(String spec, List<InetAddress> addresses, int port) {}

  static Dest parse(String spec) {
    String host = spec;
    int port = 0;
    if (spec.startsWith("[")) {
      int close = spec.indexOf(']');
      if (close < 0) throw new JboxException("--allow-host `" + spec + "`: expected HOST[:PORT] ([ADDR]:PORT for IPv6)");
      host = spec.substring(1, close);
      String rest = spec.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) throw new JboxException("--allow-host `" + spec + "`: expected [ADDR]:PORT");
        port = port(spec, rest.substring(1));
      }
    } else if (spec.indexOf(':') >= 0 && spec.indexOf(':') == spec.lastIndexOf(':')) {
      host = spec.substring(0, spec.indexOf(':'));
      port = port(spec, spec.substring(spec.indexOf(':') + 1));
    }
    if (host.isEmpty()) throw new JboxException("--allow-host `" + spec + "`: no host");
    for (char c : host.toCharArray()) {
      if (!dev.jbox.Text.isAsciiAlnum(c) && ".-_:%".indexOf(c) < 0) throw new JboxException("--allow-host `" + spec + "`: not a host name or address");
    }
    List<InetAddress> addrs = new ArrayList<>();
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) if (!addrs.contains(a)) addrs.add(a);
    } catch (UnknownHostException e) {
      throw new JboxException("--allow-host `" + spec + "`: cannot resolve `" + host + "`");
    }
    return new Dest(spec, addrs, port);
  }

  private static int port(String spec, String p) {
    try {
      int v = Integer.parseInt(p);
      if (v < 1 || v > 65535) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new JboxException("--allow-host `" + spec + "`: port must be 1-65535");
    }
  }

  /** An IPv6 address without its %scope. */
  private static String bare(String a) {
    int pct = a.indexOf('%');
    return pct < 0 ? a : a.substring(0, pct);
  }

  /** The ruleset for {@code nft -f -}, or null for an empty list (no filtering). */
  public static String rules(List<String> specs, String dnsForwarder) {
    if (specs.isEmpty()) return null;
    StringBuilder b = new StringBuilder();
    b.append("table inet jbox {\n  chain output {\n    type filter hook output priority filter; policy accept;\n");
    b.append("    oifname \"lo\" accept\n");
    b.append("    ct state established,related accept\n");
    if (dnsForwarder != null) b.append("    ip daddr ").append(dnsForwarder).append(" meta l4proto { tcp, udp } th dport 53 accept\n");
    for (String s : specs) {
      Dest d = parse(s);
      for (InetAddress a : d.addresses()) {
        b.append("    ").append(a instanceof Inet6Address ? "ip6" : "ip").append(" daddr ").append(bare(a.getHostAddress()));
        if (d.port() > 0) b.append(" meta l4proto { tcp, udp } th dport ").append(d.port());
        b.append(" accept\n");
      }
    }
    b.append("    meta l4proto tcp reject with tcp reset\n");
    b.append("    reject with icmpx type admin-prohibited\n");
    b.append("  }\n}\n");
    return b.toString();
  }
}
