package dev.jbox.oci;

import dev.jbox.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code features}: what this runtime implements (runtime-spec features.md). */
@Command(name = "features", mixinStandardHelpOptions = true, description = "Print the implemented features as JSON.")
final class FeaturesCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Override
  public Integer call() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ociVersionMin", "1.0.0");
    f.put("ociVersionMax", "1.1.0");
    f.put("hooks", List.copyOf(Hooks.KINDS.keySet()));
    f.put("mountOptions", List.of("ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "strictatime",
        "relatime", "bind", "rbind", "private", "rprivate"));
    Map<String, Object> linux = new LinkedHashMap<>();
    linux.put("namespaces", List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"));
    linux.put("capabilities", capabilities());
    linux.put("cgroup", Map.of("v1", false, "v2", false, "systemd", false, "systemdUser", false));
    Map<String, Object> seccomp = new LinkedHashMap<>();
    seccomp.put("enabled", true);
    seccomp.put("actions", Seccomp.ACTIONS);
    seccomp.put("operators", Seccomp.OPERATORS);
    seccomp.put("archs", Seccomp.ARCHES);
    seccomp.put("knownFlags", new java.util.TreeSet<>(Seccomp.FLAGS.keySet()));
    seccomp.put("supportedFlags", new java.util.TreeSet<>(Seccomp.FLAGS.keySet()));
    linux.put("seccomp", seccomp);
    linux.put("apparmor", Map.of("enabled", false));
    linux.put("selinux", Map.of("enabled", false));
    f.put("linux", linux);
    f.put("annotations", Map.of(
        "dev.jbox.oci.resources", "unsupported: linux.resources and cgroupsPath are ignored with a warning",
        "dev.jbox.oci.seccomp", "compiled to BPF by jbox-oci itself (no libseccomp): x86_64 hosts"));
    main.out.println(Json.pretty(f));
    return 0;
  }

  static List<String> capabilities() {
    List<String> out = new java.util.ArrayList<>();
    for (String n : List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK",
        "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
        "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
        "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON",
        "BPF", "CHECKPOINT_RESTORE")) {
      out.add("CAP_" + n);
    }
    return out;
  }
}
