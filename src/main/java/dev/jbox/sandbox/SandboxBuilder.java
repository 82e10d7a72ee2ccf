package dev.jbox.sandbox;

import dev.jbox.JboxException;
import dev.jbox.config.Capabilities;
import dev.jbox.config.Config;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns a {@link RunRequest}, the configuration and the caller's ids into a {@link Plan}. */
public final class SandboxBuilder {
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Config config;
  private final IdMaps.Caller caller;
  private final Map<String, String> hostEnv;
  private Path filesRoot;
  private Path filesDir;

  public SandboxBuilder(Config config, IdMaps.Caller caller, Map<String, String> hostEnv) {
    this.config = config;
    this.caller = caller;
    this.hostEnv = hostEnv;
  }

  /** A new sandbox id: 64 hex digits (dev.jbox.SmallFiles.randomHex), shown by its first 12. */
  public static String newId() {
    try {
      return dev.jbox.SmallFiles.randomHex(32);
    } catch (IOException e) {
      throw new JboxException("run: " + e.getMessage());
    }
  }

  /**
   * Generates each sandbox's /etc/hostname, /etc/hosts and /etc/resolv.conf into {@code
   * root}/ID/ (the caller's own, removed by the helper when the sandbox ends); without this call
   * the root filesystem's own files are used.
   */
  public SandboxBuilder etcFilesIn(Path root) {
    this.filesRoot = root.toAbsolutePath().normalize();
    this.filesDir = null;
    return this;
  }

  /**
   * As {@link #etcFilesIn} but into {@code dir} itself (created, 0700), a directory of the
   * sandbox's own: a kept sandbox's files live with it and go with it.
   */
  public SandboxBuilder etcFilesAt(Path dir) {
    this.filesDir = dir.toAbsolutePath().normalize();
    this.filesRoot = filesDir.getParent();
    return this;
  }

  /**
   * podman's --read-only-tmpfs: a read-only root still gets writable /tmp, /var/tmp and /run,
   * each a fresh tmpfs (nosuid, nodev; 1777 for the tmp dirs), unless the user mounts something
   * there. An image's overlay gets the mount points it lacks; a --rootfs directory (the user's own
   * tree) only has its existing ones used.
   */
  static List<MountOp> readOnlyTmpfs(List<MountOp> user, String rootfsDir) {
    List<MountOp> out = new ArrayList<>();
    for (String t : List.of("/tmp", "/var/tmp", "/run")) {
      boolean taken = false;
      for (MountOp m : user) taken |= m.target().equals(t);
      if (taken) continue;
      if (rootfsDir != null && !Files.isDirectory(Path.of(rootfsDir + t), LinkOption.NOFOLLOW_LINKS)) continue;
      out.add(Volumes.tmpfs(t + ":mode=" + (t.equals("/run") ? "755" : "1777")));
    }
    return out;
  }

  public Plan build(RunRequest r, String id) {
    return build(r, id, null, null);
  }

  /**
   * With an image: its layers become the overlay's lower dirs, {@code containerDir} holds the
   * sandbox's upper, work and merged dirs, and the image config supplies the process defaults.
   */
  public Plan build(RunRequest r, String id, ImageSpec image, Path containerDir) {
    List<String> argv = image == null ? r.command() : imageArgv(r, image);
    if (argv.isEmpty()) throw new JboxException("run: no command given (usage: jbox run [OPTIONS] --rootfs DIR COMMAND [ARG...])");
    if (image == null && r.rootfs() == null) throw new JboxException("run: an IMAGE or --rootfs DIR is required");
    String rootfs;
    Plan.Overlay overlay = null;
    Plan.Fuse fuse = null;
    String driver = r.storageDriver() != null ? r.storageDriver() : config.storage().driver();
    if (!driver.equals("overlay") && !driver.equals("fuse-overlayfs")) {
      throw new JboxException("--storage-driver `" + driver + "`: expected overlay or fuse-overlayfs");
    }
    List<String> dns = new ArrayList<>();
    for (String d : r.dns()) dns.add(EtcFiles.dnsServer(d));
    String cleanup = null;
    String lockFile = null;
    if (image != null) {
      Path merged = containerDir.resolve("merged");
      try {
        // createDirectory, not createDirectories: that one throws and catches an exception for
        // every level it finds missing or present (the run path)
        if (!containerDir.toFile().mkdir()) Files.createDirectories(containerDir);
        for (String d : List.of("upper", "work", "merged")) Files.createDirectory(containerDir.resolve(d));
      } catch (IOException e) {
        throw new JboxException("run: create `" + containerDir + "`: " + e.getMessage());
      }
      rootfs = merged.toString();
      overlay = new Plan.Overlay(image.lowerDirs(), containerDir.resolve("upper").toString(), containerDir.resolve("work").toString());
      Path fuseBin = Network.find("fuse-overlayfs");
      if (driver.equals("fuse-overlayfs")) {
        if (fuseBin == null) throw new JboxException("--storage-driver=fuse-overlayfs: fuse-overlayfs not found (install the fuse-overlayfs package)");
        fuse = new Plan.Fuse(fuseBin.toString(), false);
      } else if (fuseBin != null) {
        fuse = new Plan.Fuse(fuseBin.toString(), true);
      }
      if (r.rm()) cleanup = containerDir.toString();
      // held by the monitor and its cleaner for the sandbox's whole life (helpers/PROTOCOL.md, tag 25)
      lockFile = containerDir.resolve("state").toString();
    } else {
      rootfs = rootfs(r.rootfs());
    }

    Map<Namespace, NsMode> ns = new EnumMap<>(Namespace.class);
    for (Namespace n : Namespace.values()) ns.put(n, NsMode.NEW);
    ns.put(Namespace.PID, nsMode("--pid", r.pid()));
    // joining another namespace implies that sandbox's user namespace, where a new user-mode
    // network would be pointless: the default then is none
    boolean joins = false; // (a loop, not a stream: no lambda on the run path, see dev.jbox.Text)
    for (String v : new String[] {r.pid(), r.ipc(), r.uts(), r.cgroupns()}) joins |= v != null && v.startsWith("ns:");
    String netSpec = r.network() != null ? r.network() : joins && config.run().network().equals("auto") ? "none" : config.run().network();
    Network network = Network.parse(netSpec, r.publish());
    ns.put(Namespace.NET, switch (network.mode()) {
      case HOST -> NsMode.HOST;
      case JOIN -> nsMode("--network", "ns:" + network.nsPath());
      default -> NsMode.NEW;
    });
    ns.put(Namespace.IPC, nsMode("--ipc", r.ipc()));
    ns.put(Namespace.UTS, nsMode("--uts", r.uts()));
    ns.put(Namespace.CGROUP, nsMode("--cgroupns", r.cgroupns()));
    Plan.TimeOffsets offsets = null;
    if ("host".equals(r.timens())) ns.put(Namespace.TIME, NsMode.HOST);
    else if (r.timens() != null) offsets = timeOffsets(r.timens());

    IdMap idMap;
    String keepIdUser = null;
    if (r.userns() != null) {
      if (!r.uidmap().isEmpty() || !r.gidmap().isEmpty()) throw new JboxException("--userns and --uidmap/--gidmap exclude each other");
      long[] ids = keepId(r.userns(), caller);
      idMap = IdMaps.keepId(caller, ids[0], ids[1]);
      keepIdUser = ids[0] + ":" + ids[1];
    } else {
      idMap = IdMaps.build(caller, r.uidmap(), r.gidmap());
    }

    String hostname = r.hostname() != null ? hostname(r.hostname()) : id.substring(0, 12);
    Path filesDir = this.filesDir != null ? this.filesDir : filesRoot != null ? filesRoot.resolve(id) : null;
    List<MountOp> user = new ArrayList<>();
    // the generated /etc files first: a volume named by the user may still replace one
    if (filesDir != null) user.addAll(EtcFiles.binds(filesDir));
    for (String v : r.volumes()) user.add(Volumes.volume(v));
    for (String m : r.mounts()) user.add(Volumes.mount(m));
    for (String t : r.tmpfs()) user.add(Volumes.tmpfs(t));
    if (r.readOnly() && r.readOnlyTmpfs()) user.addAll(readOnlyTmpfs(user, image == null ? rootfs : null));
    List<MountOp> mounts = DefaultMounts.build(ns, idMap, user);

    Set<Plan.Flag> flags = EnumSet.noneOf(Plan.Flag.class);
    boolean seccomp = config.run().seccomp();
    boolean nnp = config.run().noNewPrivileges();
    for (String opt : r.securityOpts()) {
      switch (opt) {
        case "seccomp=unconfined" -> seccomp = false;
        case "no-new-privileges", "no-new-privileges=true", "no-new-privileges:true" -> nnp = true;
        case "no-new-privileges=false", "no-new-privileges:false" -> nnp = false;
        default -> throw new JboxException("--security-opt `" + opt + "`: supported are seccomp=unconfined and no-new-privileges[=false]");
      }
    }
    // The seccomp filter is installed with no_new_privs (an unprivileged process may not
    // otherwise); turning no_new_privs off therefore also needs seccomp=unconfined.
    if (seccomp && !nnp) throw new JboxException("--security-opt no-new-privileges=false needs seccomp=unconfined too");
    if (seccomp) flags.add(Plan.Flag.SECCOMP);
    if (nnp) flags.add(Plan.Flag.NO_NEW_PRIVS);
    if (r.init() != null ? r.init() : config.run().init()) flags.add(Plan.Flag.INIT);
    if (r.tty()) flags.add(Plan.Flag.TTY);
    if (r.interactive()) flags.add(Plan.Flag.STDIN);
    if (r.readOnly()) flags.add(Plan.Flag.READONLY);
    if (ns.get(Namespace.NET) == NsMode.NEW) flags.add(Plan.Flag.LOOPBACK);

    long caps = Capabilities.apply(Capabilities.mask(config.run().capabilities()), r.capAdd(), r.capDrop());

    List<Plan.Rlimit> rlimits = new ArrayList<>();
    for (String u : config.run().ulimits()) rlimits.add(Ulimits.parse(u));
    for (String u : r.ulimits()) rlimits.add(Ulimits.parse(u));

    if (r.workdir() != null && !r.workdir().startsWith("/")) throw new JboxException("--workdir `" + r.workdir() + "`: must be an absolute path");
    if (r.user() != null && (r.user().isEmpty() || r.user().contains("\n"))) throw new JboxException("--user: empty or malformed");
    String workdir = r.workdir() != null ? r.workdir() : image != null && !empty(image.workingDir()) ? image.workingDir() : null;
    String runAs = r.user() != null ? r.user() : keepIdUser != null ? keepIdUser : image != null && !empty(image.user()) ? image.user() : null;
    if (runAs != null) checkIds(r.user() != null ? "--user" : keepIdUser != null ? "--userns=keep-id" : "the image's User", runAs);

    List<Plan.Sysctl> sysctls = Sysctls.build(r.sysctls(), ns.get(Namespace.NET) == NsMode.NEW,
        ns.get(Namespace.IPC) == NsMode.NEW, network.mode() == Network.Mode.PASTA);
    List<String> envList = env(r, hostname, image);
    if (filesDir != null) {
      // last: nothing after this can fail and leave the directory behind
      String etcHostname = ns.get(Namespace.UTS) == NsMode.NEW ? hostname : hostHostname(hostname);
      EtcFiles.write(filesRoot, filesDir, EtcFiles.generate(etcHostname, network, dns));
    }
    return new Plan(argv, envList, workdir, runAs, hostname, rootfs, ns, idMap, mounts,
        rlimits, caps, flags, offsets, network.helperArgv(), overlay, cleanup,
        filesDir != null ? filesDir.toString() : null, fuse, lockFile, sysctls);
  }

  /** {@code --userns=keep-id[:uid=U,gid=G]}: the uid and gid the caller gets inside. */
  static long[] keepId(String spec, IdMaps.Caller caller) {
    long[] ids = {caller.uid(), caller.gid()};
    if (!spec.equals("keep-id") && !spec.startsWith("keep-id:")) throw new JboxException("--userns `" + spec + "`: expected keep-id[:uid=U,gid=G]");
    if (spec.length() > 7) {
      for (String o : spec.substring(8).split(",")) {
        int eq = o.indexOf('=');
        String k = eq < 0 ? o : o.substring(0, eq);
        try {
          long v = Long.parseLong(o.substring(eq + 1));
          if (eq < 0 || v < 0 || v > 0xFFFFFFFEL) throw new NumberFormatException();
          if (k.equals("uid")) ids[0] = v;
          else if (k.equals("gid")) ids[1] = v;
          else throw new NumberFormatException();
        } catch (NumberFormatException e) {
          throw new JboxException("--userns `" + spec + "`: expected keep-id[:uid=U,gid=G] with U and G numbers");
        }
      }
    }
    return ids;
  }

  /** The hostname the sandbox sees when it shares or joins a uts namespace: the host's. */
  private static String hostHostname(String fallback) {
    String h = EtcFiles.readOrNull(Path.of("/proc/sys/kernel/hostname"));
    return h == null || h.isBlank() ? fallback : h.strip();
  }

  /**
   * A numeric uid or gid must be 0 to 2^32-2 (2^32-1 is the kernel's "no id"): an id past that
   * (4294967296, -1, 99999999999999999999) is refused here rather than looked up as a name, which
   * found a passwd entry of that name with uid 0.
   */
  static void checkIds(String what, String spec) {
    int colon = spec.indexOf(':');
    for (String part : colon < 0 ? new String[] {spec} : new String[] {spec.substring(0, colon), spec.substring(colon + 1)}) {
      String digits = part.startsWith("-") || part.startsWith("+") ? part.substring(1) : part;
      if (!dev.jbox.Text.isDigits(digits)) continue;
      if (digits.length() != part.length() || digits.length() > 10 || Long.parseLong(digits) > 4294967294L) {
        throw new JboxException(what + " `" + spec + "`: id `" + part + "` out of range (0 to 4294967294)");
      }
    }
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  /** The image's Entrypoint + Cmd, as docker and podman combine them with the user's words. */
  static List<String> imageArgv(RunRequest r, ImageSpec image) {
    List<String> argv = new ArrayList<>();
    if (r.entrypoint() != null) {
      // --entrypoint replaces the image's and drops its Cmd; "" means none; a JSON array of
      // strings is the whole entrypoint, as podman takes it (anything else is one word)
      argv.addAll(entrypointWords(r.entrypoint()));
      argv.addAll(r.command());
      return argv;
    }
    argv.addAll(image.entrypoint());
    argv.addAll(r.command().isEmpty() ? image.cmd() : r.command());
    if (argv.isEmpty()) throw new JboxException("run: image " + image.name() + " has no Entrypoint or Cmd: give a command");
    return argv;
  }

  /** --entrypoint's words: [] for "", the strings of a JSON array of strings, else the value itself. */
  static List<String> entrypointWords(String e) {
    if (e.isEmpty()) return List.of();
    if (e.charAt(0) == '[') {
      Object v;
      try {
        v = dev.jbox.json.Json.parse(e);
      } catch (RuntimeException notJson) {
        return List.of(e);
      }
      List<String> words = new ArrayList<>();
      if (v instanceof List<?> l) {
        for (Object w : l) {
          if (!(w instanceof String s)) return List.of(e);
          words.add(s);
        }
        return words;
      }
    }
    return List.of(e);
  }

  private static String rootfs(String dir) {
    Path p = Path.of(dir);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) throw new JboxException("--rootfs `" + dir + "`: no such directory");
    if (!Files.isDirectory(p)) throw new JboxException("--rootfs `" + dir + "`: not a directory");
    try {
      return p.toRealPath().toString();
    } catch (IOException e) {
      throw new JboxException("--rootfs `" + dir + "`: " + e.getMessage());
    }
  }

  private static NsMode nsMode(String flag, String v) {
    if (v == null || v.equals("private")) return NsMode.NEW;
    if (v.equals("host")) return NsMode.HOST;
    if (v.startsWith("ns:")) {
      String path = v.substring(3);
      if (!path.startsWith("/")) throw new JboxException(flag + " `" + v + "`: the path after ns: must be absolute");
      if (!Files.exists(Path.of(path))) throw new JboxException(flag + " `" + v + "`: `" + path + "` does not exist");
      return NsMode.join(path);
    }
    throw new JboxException(flag + " `" + v + "`: expected private, host or ns:PATH");
  }

  static Plan.TimeOffsets timeOffsets(String spec) {
    long mono = 0;
    long boot = 0;
    for (String part : spec.split(",")) {
      String[] kv = part.split("=", 2);
      try {
        if (kv.length != 2) throw new NumberFormatException();
        long v = Long.parseLong(kv[1]);
        switch (kv[0]) {
          case "monotonic" -> mono = v;
          case "boottime" -> boot = v;
          default -> throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new JboxException("--timens `" + spec + "`: expected monotonic=SECONDS,boottime=SECONDS");
      }
    }
    return new Plan.TimeOffsets(mono, boot);
  }

  private static String hostname(String h) {
    // [A-Za-z0-9]([A-Za-z0-9.-]{0,62})?, written out (dev.jbox.Text)
    if (h.isEmpty() || h.length() > 63 || !dev.jbox.Text.isAsciiAlnum(h.charAt(0)) || !dev.jbox.Text.isAlnumOr(h, ".-")) throw new JboxException("--hostname `" + h + "`: not a valid hostname");
    return h;
  }

  private List<String> env(RunRequest r, String hostname, ImageSpec image) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", DEFAULT_PATH);
    if (image != null) for (String e : image.env()) putEnv(env, e, "image " + image.name() + " Env");
    if (r.tty()) {
      String term = dev.jbox.PolicyInputs.env(hostEnv, "TERM"); // (in a prepared run's KEY: -t is prepared)
      env.put("TERM", term != null ? term : "xterm");
    }
    env.put("container", "jbox");
    env.put("HOSTNAME", hostname);
    for (String e : config.run().env()) putEnv(env, e, "config run.env");
    for (String f : r.envFiles()) {
      String text;
      try {
        text = dev.jbox.SmallFiles.read(Path.of(f), "--env-file `" + f + "`");
      } catch (java.nio.file.NoSuchFileException e) {
        throw new JboxException("--env-file `" + f + "`: no such file");
      }
      for (String l : text.split("\n")) {
        String s = l.strip();
        if (!s.isEmpty() && !s.startsWith("#")) putEnv(env, s, "--env-file " + f);
      }
    }
    for (String e : r.env()) putEnv(env, e, "--env");
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : env.entrySet()) out.add(e.getKey() + "=" + e.getValue());
    return out;
  }

  private void putEnv(Map<String, String> env, String spec, String from) {
    int eq = spec.indexOf('=');
    String key = eq < 0 ? spec : spec.substring(0, eq);
    if (key.isEmpty() || key.contains("\0")) throw new JboxException(from + " `" + spec + "`: expected KEY=VALUE");
    if (eq < 0) {
      String v = dev.jbox.PolicyInputs.env(hostEnv, key);
      if (v != null) env.put(key, v);
      return;
    }
    env.put(key, spec.substring(eq + 1));
  }
}
