package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandbox.idmap.ProcStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code spec}: writes a default config.json (runtime-spec's defaults; {@code --rootless} with a user namespace). */
@Command(name = "spec", mixinStandardHelpOptions = true, description = "Write a default config.json.")
final class SpecCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-b", "--bundle"}, paramLabel = "DIR") Path bundle;

  @Option(names = "--rootless", description = "For a rootless container: a user namespace mapping your ids to root.")
  boolean rootless;

  @Override
  public Integer call() throws IOException {
    Path file = (bundle == null ? Path.of("") : bundle).toAbsolutePath().resolve("config.json");
    if (Files.exists(file)) throw new JboxException("file " + file + " exists: remove it first");
    Files.writeString(file, Json.pretty(spec(rootless, ProcStatus.uidGid())) + "\n");
    return 0;
  }

  static Map<String, Object> spec(boolean rootless, long[] ids) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("ociVersion", Main.OCI_VERSION);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("terminal", true);
    p.put("user", map("uid", 0L, "gid", 0L));
    p.put("args", List.of("sh"));
    p.put("env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"));
    p.put("cwd", "/");
    List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    p.put("capabilities", map("bounding", caps, "effective", caps, "permitted", caps, "ambient", caps));
    p.put("rlimits", List.of(map("type", "RLIMIT_NOFILE", "hard", 1024L, "soft", 1024L)));
    p.put("noNewPrivileges", true);
    c.put("process", p);
    c.put("root", map("path", "rootfs", "readonly", true));
    c.put("hostname", "jbox");
    List<Object> mounts = new ArrayList<>();
    mounts.add(map("destination", "/proc", "type", "proc", "source", "proc"));
    mounts.add(map("destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options",
        List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
    List<String> pts = new ArrayList<>(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
    if (!rootless) pts.add("gid=5");
    mounts.add(map("destination", "/dev/pts", "type", "devpts", "source", "devpts", "options", pts));
    mounts.add(map("destination", "/dev/shm", "type", "tmpfs", "source", "shm", "options",
        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    mounts.add(map("destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue", "options",
        List.of("nosuid", "noexec", "nodev")));
    if (rootless) {
      mounts.add(map("destination", "/sys", "type", "none", "source", "/sys", "options",
          List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
    } else {
      mounts.add(map("destination", "/sys", "type", "sysfs", "source", "sysfs", "options",
          List.of("nosuid", "noexec", "nodev", "ro")));
    }
    mounts.add(map("destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup", "options",
        List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
    c.put("mounts", mounts);
    Map<String, Object> linux = new LinkedHashMap<>();
    List<Object> ns = new ArrayList<>();
    ns.add(map("type", "pid"));
    if (!rootless) ns.add(map("type", "network"));
    ns.add(map("type", "ipc"));
    ns.add(map("type", "uts"));
    ns.add(map("type", "mount"));
    if (rootless) {
      ns.add(map("type", "user"));
      linux.put("uidMappings", List.of(map("containerID", 0L, "hostID", ids[0], "size", 1L)));
      linux.put("gidMappings", List.of(map("containerID", 0L, "hostID", ids[1], "size", 1L)));
    }
    linux.put("namespaces", ns);
    linux.put("maskedPaths", List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"));
    linux.put("readonlyPaths", List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
    c.put("linux", linux);
    return c;
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }
}
