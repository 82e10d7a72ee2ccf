package dev.jbox.sandboxes;

import dev.jbox.sandbox.MountOp;
import dev.jbox.sandbox.Network;
import dev.jbox.sandbox.Volumes;
import java.time.Instant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sandboxes as podman shows containers: {@code inspect} and {@code ps --format json} with podman's
 * field names and shapes where podman has the field (RFC 3339 times, "0001-01-01T00:00:00Z" for
 * none), and what only jbox knows under {@code Jbox}. What {@code --format} templates read.
 */
public final class PodmanView {
  /** Go's zero time, which podman prints for a time that never was. */
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";
  /** Go's zero time in Unix seconds, podman's ps JSON for the same. */
  static final long ZERO_UNIX = -62135596800L;

  private PodmanView() {}

  static String rfc3339(Long ms) {
    return ms == null || ms <= 0 ? ZERO_TIME : Instant.ofEpochMilli(ms).toString();
  }

  /** {@code podman inspect}'s object for a sandbox. */
  public static Map<String, Object> inspect(Sandbox s) {
    SandboxRecord r = s.record();
    Status st = s.status();
    MonitorState ms = s.monitorState();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", r.id());
    m.put("Created", rfc3339(r.created()));
    m.put("Path", r.command().isEmpty() ? "" : r.command().get(0));
    m.put("Args", new ArrayList<Object>(r.command().isEmpty() ? List.of() : r.command().subList(1, r.command().size())));
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Status", st.kind().word());
    state.put("Running", st.running());
    state.put("Paused", false);
    state.put("Restarting", st.kind() == Status.Kind.EXITED && r.restartPolicy().restarts() && s.detached() && s.monitorAlive());
    state.put("OOMKilled", false);
    state.put("Dead", false);
    Long pid = st.running() && ms != null ? ms.pid() : null;
    state.put("Pid", pid != null ? pid : 0L);
    state.put("ExitCode", st.exitCode() != null ? (long) st.exitCode() : 0L);
    state.put("Error", st.stale() ? "its monitor ended without recording the exit (killed, or a reboot)" : "");
    state.put("StartedAt", rfc3339(ms != null && ms.started() > 0 ? ms.started() : null));
    state.put("FinishedAt", rfc3339(ms != null ? ms.finished() : null));
    m.put("State", state);
    m.put("Image", r.imageId() == null ? "" : r.imageId().startsWith("sha256:") ? r.imageId().substring(7) : r.imageId());
    m.put("ImageName", r.imageId() == null ? "" : r.image());
    m.put("Rootfs", r.imageId() == null && r.rootfs() != null ? r.rootfs() : "");
    m.put("Name", r.name() == null ? "" : r.name());
    m.put("RestartCount", ms != null ? ms.restartCount() : 0L);
    m.put("Driver", r.overlay() != null ? "overlay" : "");
    m.put("Mounts", mounts(r));
    Map<String, Object> net = new LinkedHashMap<>();
    net.put("Ports", portMap(r));
    m.put("NetworkSettings", net);
    SandboxRecord.Process p = r.process();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Hostname", r.hostname() == null ? "" : r.hostname());
    config.put("User", p == null || p.user() == null ? "" : p.user());
    config.put("Tty", p != null && p.flags().contains("tty"));
    config.put("OpenStdin", p != null && p.flags().contains("stdin"));
    config.put("Env", new ArrayList<Object>(p == null ? List.of() : p.env()));
    config.put("Cmd", new ArrayList<Object>(r.command()));
    config.put("Image", r.image() == null ? "" : r.image());
    config.put("WorkingDir", p == null || p.cwd() == null ? "/" : p.cwd());
    config.put("Labels", null);
    config.put("StopSignal", (long) Signals.parse(r.stopSignal()));
    m.put("Config", config);
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("AutoRemove", r.rm());
    host.put("NetworkMode", r.network() == null ? "" : r.network());
    host.put("PortBindings", portMap(r));
    Map<String, Object> restart = new LinkedHashMap<>();
    RestartPolicy policy = r.restartPolicy();
    restart.put("Name", policy.restarts() ? policy.name() : ""); // podman (4.3) shows none as ""
    restart.put("MaximumRetryCount", (long) policy.maxRetries());
    host.put("RestartPolicy", restart);
    m.put("HostConfig", host);
    Map<String, Object> jbox = new LinkedHashMap<>();
    jbox.put("Kind", r.kind().word());
    jbox.put("Detached", s.detached());
    jbox.put("Stale", st.stale());
    jbox.put("UpperDir", r.overlay() != null ? r.overlay().upper() : null);
    jbox.put("StateDir", s.detached() ? s.runtimeDir().toString() : s.home().toString());
    jbox.put("MonitorPid", ms != null && s.monitorAlive() && ms.monitorPid() > 0 ? ms.monitorPid() : null);
    jbox.put("Namespaces", pid == null ? null : new LinkedHashMap<String, Object>(Procfs.namespaces(Long.toString(pid))));
    jbox.put("MountInfo", pid == null ? null : new ArrayList<Object>(Procfs.mounts(pid)));
    Map<String, Object> record = r.toJson();
    record.remove("plan"); // bytes, not for reading
    jbox.put("Record", record);
    m.put("Jbox", jbox);
    return m;
  }

  /** {@code podman ps --format json}'s object for a sandbox. */
  public static Map<String, Object> psEntry(Sandbox s, long nowMs) {
    SandboxRecord r = s.record();
    Status st = s.status();
    MonitorState ms = s.monitorState();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("AutoRemove", r.rm());
    m.put("Command", new ArrayList<Object>(r.command()));
    m.put("CreatedAt", ago(nowMs - r.created()));
    m.put("Exited", st.kind() == Status.Kind.EXITED);
    m.put("ExitedAt", ms != null && ms.finished() != null ? ms.finished() / 1000 : ZERO_UNIX);
    m.put("ExitCode", st.exitCode() != null ? (long) st.exitCode() : 0L);
    m.put("Id", r.id());
    m.put("Image", r.image() == null ? "" : r.image());
    m.put("ImageID", r.imageId() == null ? "" : r.imageId().startsWith("sha256:") ? r.imageId().substring(7) : r.imageId());
    m.put("Labels", null);
    List<Object> mounts = new ArrayList<>();
    for (Object o : mounts(r)) mounts.add(((Map<?, ?>) o).get("Destination"));
    m.put("Mounts", mounts);
    m.put("Names", r.name() == null ? new ArrayList<Object>() : new ArrayList<Object>(List.of(r.name())));
    m.put("Networks", new ArrayList<Object>(List.of(r.network() == null ? "none" : r.network())));
    Long pid = st.running() ? s.pid() : null;
    m.put("Pid", pid != null ? pid : 0L);
    m.put("Ports", portList(r));
    m.put("StartedAt", ms != null && ms.started() > 0 ? ms.started() / 1000 : ZERO_UNIX);
    m.put("State", st.kind().word());
    m.put("Status", st.human(nowMs));
    m.put("Created", r.created() / 1000);
    m.put("Kind", r.kind().word());
    m.put("Detached", s.detached());
    return m;
  }

  /**
   * What a {@code ps --format} template reads: the JSON entry plus podman's report fields, ID
   * (12 digits unless noTrunc), Names (joined), Command (one line), Ports (as the PORTS column),
   * CreatedHuman and RunningFor.
   */
  public static Map<String, Object> psTemplateData(Sandbox s, long nowMs, boolean noTrunc) {
    Map<String, Object> m = psEntry(s, nowMs);
    SandboxRecord r = s.record();
    m.put("ID", noTrunc ? r.id() : r.shortId());
    m.put("Names", r.name() == null ? "" : r.name());
    m.put("Command", String.join(" ", r.command()));
    m.put("Ports", ports(r));
    m.put("CreatedHuman", ago(nowMs - r.created()));
    m.put("RunningFor", ago(nowMs - r.created()));
    return m;
  }

  /** The PORTS column: 0.0.0.0:8080->80/tcp, comma-separated. */
  public static String ports(SandboxRecord r) {
    List<String> out = new ArrayList<>();
    for (String spec : r.ports()) {
      try {
        Network.Port p = Network.Port.parse(spec);
        out.add((p.ip() == null ? "0.0.0.0" : p.ip()) + ":" + p.host() + "->" + p.container() + "/" + p.proto());
      } catch (RuntimeException e) {
        out.add(spec);
      }
    }
    return String.join(", ", out);
  }

  private static List<Object> portList(SandboxRecord r) {
    List<Object> out = new ArrayList<>();
    for (String spec : r.ports()) {
      try {
        Network.Port p = Network.Port.parse(spec);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host_ip", p.ip() == null ? "" : p.ip());
        m.put("container_port", (long) p.container());
        m.put("host_port", (long) p.host());
        m.put("range", 1L);
        m.put("protocol", p.proto());
        out.add(m);
      } catch (RuntimeException e) {
        // recorded by an older jbox in another form: left out
      }
    }
    return out;
  }

  private static Map<String, Object> portMap(SandboxRecord r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String spec : r.ports()) {
      try {
        Network.Port p = Network.Port.parse(spec);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("HostIp", p.ip() == null ? "" : p.ip());
        b.put("HostPort", Integer.toString(p.host()));
        @SuppressWarnings("unchecked")
        List<Object> l = (List<Object>) out.computeIfAbsent(p.container() + "/" + p.proto(), k -> new ArrayList<Object>());
        l.add(b);
      } catch (RuntimeException e) {
        // left out, as above
      }
    }
    return out;
  }

  /**
   * The user's -v, --mount and --tmpfs as podman's Mounts: Type (bind, volume, tmpfs), Name and
   * Driver of a volume, Source, Destination, Mode, Options, RW, Propagation.
   */
  private static List<Object> mounts(SandboxRecord r) {
    List<Object> out = new ArrayList<>();
    Path volumes = null;
    for (String spec : r.mounts()) {
      String type;
      String source;
      String target;
      String name = null;
      boolean ro;
      try {
        if (spec.startsWith("-v ")) {
          Volumes.VolumeSpec v = Volumes.parseVolume(spec.substring(3));
          type = v.isVolume() ? "volume" : "bind";
          name = v.isVolume() ? v.source() : null;
          source = v.source();
          target = v.target();
          ro = v.readOnly();
        } else if (spec.startsWith("--mount ")) {
          Volumes.MountSpec m = Volumes.parseMount(spec.substring(8));
          type = m.type();
          name = type.equals("volume") ? m.source() : null;
          source = m.source() == null ? "" : m.source();
          target = m.target();
          ro = m.readOnly();
        } else if (spec.startsWith("--tmpfs ")) {
          MountOp op = Volumes.tmpfs(spec.substring(8));
          type = "tmpfs";
          source = "tmpfs";
          target = op.target();
          ro = op.options().startsWith("ro,") || op.options().contains(",ro,");
        } else {
          continue;
        }
      } catch (RuntimeException e) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Type", type);
      if (name != null) {
        if (volumes == null) volumes = VolumeStore.defaultRoot();
        m.put("Name", name);
        source = volumes.resolve(name).resolve(VolumeStore.DATA).toString();
      }
      if (type.equals("bind")) source = realPath(source);
      m.put("Source", source);
      m.put("Destination", target);
      if (name != null) m.put("Driver", "local");
      m.put("Mode", "");
      List<Object> opts = new ArrayList<>();
      if (type.equals("bind")) opts.add("rbind");
      if (type.equals("tmpfs")) opts.addAll(List.of("nosuid", "nodev"));
      m.put("Options", opts);
      m.put("RW", !ro);
      m.put("Propagation", type.equals("bind") ? "rprivate" : "");
      out.add(m);
    }
    return out;
  }

  /** A bind's host path as the sandbox got it (symlinks resolved), or as given when it is gone. */
  private static String realPath(String p) {
    try {
      return Path.of(p).toRealPath().toString();
    } catch (java.io.IOException | RuntimeException e) {
      return p;
    }
  }

  /** "3 minutes ago", as podman's CREATED column: the STATUS column's duration, then "ago". */
  public static String ago(long ms) {
    return Status.duration(ms) + " ago";
  }
}
