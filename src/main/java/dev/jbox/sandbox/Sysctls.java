package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --sysctl KEY=VALUE}: kernel parameters that belong to one of the sandbox's own
 * namespaces, so setting them changes nothing outside it. As podman and the OCI runtimes allow:
 * {@code net.*} with a network namespace of its own, and the System V IPC and POSIX message queue
 * keys with an ipc namespace of its own. Everything else is global to the host and refused.
 */
public final class Sysctls {
  private Sysctls() {}

  /** The IPC keys that live in an ipc namespace (kernel/ipc/ipc_sysctl.c, mq_sysctl.c). */
  static final List<String> IPC = List.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

  /**
   * Pasta of Debian 12 (2023-03) drops frames when the sandbox sends faster than it can write to
   * its host socket, and every drop stalls the connection on a retransmit: a send buffer of at
   * most 128 KiB keeps the sandbox's side in step. Measured with iperf3 from a sandbox to a peer
   * network namespace: 0.07-2.3 Gbit/s with the kernel's default 4 MiB, 7-11 Gbit/s with this. The
   * sandbox's connections end at pasta, a few microseconds away, so this window does not limit
   * traffic beyond it; pasta's own host sockets keep the host's settings.
   */
  static final Plan.Sysctl PASTA_WMEM = new Plan.Sysctl("net.ipv4.tcp_wmem", "4096 16384 131072");

  /**
   * The user's {@code --sysctl} values (later ones win) after jbox's own defaults for the
   * network, checked against the namespaces the sandbox gets.
   */
  public static List<Plan.Sysctl> build(List<String> specs, boolean ownNet, boolean ownIpc, boolean pasta) {
    Map<String, String> out = new LinkedHashMap<>();
    if (pasta) out.put(PASTA_WMEM.key(), PASTA_WMEM.value());
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0) throw new JboxException("--sysctl `" + spec + "`: expected KEY=VALUE");
      String key = spec.substring(0, eq).strip().replace('/', '.');
      String value = spec.substring(eq + 1);
      if (!key.matches("[a-z0-9_]+(\\.[a-z0-9_]+)+")) throw new JboxException("--sysctl `" + spec + "`: not a sysctl name");
      if (value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) throw new JboxException("--sysctl `" + key + "`: a value of one line expected");
      if (key.startsWith("net.")) {
        if (!ownNet) throw new JboxException("--sysctl `" + key + "`: needs a network namespace of the sandbox's own (not with --network=host or ns:PATH)");
      } else if (IPC.contains(key) || key.startsWith("fs.mqueue.")) {
        if (!ownIpc) throw new JboxException("--sysctl `" + key + "`: needs an ipc namespace of the sandbox's own (not with --ipc=host or ns:PATH)");
      } else {
        throw new JboxException("--sysctl `" + key + "`: not namespaced, it would change the host (allowed: net.*, "
            + String.join(", ", IPC) + ", fs.mqueue.*)");
      }
      out.put(key, value);
    }
    List<Plan.Sysctl> list = new ArrayList<>();
    for (Map.Entry<String, String> e : out.entrySet()) list.add(new Plan.Sysctl(e.getKey(), e.getValue()));
    return list;
  }
}
