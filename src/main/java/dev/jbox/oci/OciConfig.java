package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanWriter;
import dev.jbox.json.Json;
import dev.jbox.json.JsonException;
import dev.jbox.config.Capabilities;
import dev.jbox.sandbox.MountOp;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bundle's config.json (runtime-spec 1.x) turned into the helper's plan: the same mechanism as
 * {@code jbox run}, with the OCI-only parts (five capability sets, groups, umask, oom_score_adj) as
 * extra records. Everything is checked here, before anything is created under --root.
 */
public record OciConfig(Plan plan, List<PlanWriter.Extra> extras, List<String> warnings, Map<String, Object> annotations,
    Map<String, Object> hooks, String rootfs, boolean terminal) {

  static final List<String> DEFAULT_DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");
  private static final Map<String, Namespace> NS_TYPES = Map.of(
      "user", Namespace.USER, "mount", Namespace.MNT, "pid", Namespace.PID, "network", Namespace.NET,
      "uts", Namespace.UTS, "ipc", Namespace.IPC, "cgroup", Namespace.CGROUP, "time", Namespace.TIME);
  private static final Map<String, Integer> RLIMITS = Map.ofEntries(
      Map.entry("RLIMIT_CPU", 0), Map.entry("RLIMIT_FSIZE", 1), Map.entry("RLIMIT_DATA", 2),
      Map.entry("RLIMIT_STACK", 3), Map.entry("RLIMIT_CORE", 4), Map.entry("RLIMIT_RSS", 5),
      Map.entry("RLIMIT_NPROC", 6), Map.entry("RLIMIT_NOFILE", 7), Map.entry("RLIMIT_MEMLOCK", 8),
      Map.entry("RLIMIT_AS", 9), Map.entry("RLIMIT_LOCKS", 10), Map.entry("RLIMIT_SIGPENDING", 11),
      Map.entry("RLIMIT_MSGQUEUE", 12), Map.entry("RLIMIT_NICE", 13), Map.entry("RLIMIT_RTPRIO", 14),
      Map.entry("RLIMIT_RTTIME", 15));
  /** Mount option words the helper applies as flags. */
  private static final Set<String> FLAG_WORDS = Set.of("ro", "nosuid", "nodev", "noexec", "strictatime", "relatime");
  /** Words that are the kernel's defaults or propagation: the root is made rprivate as a whole. */
  private static final Set<String> IGNORED_WORDS = Set.of("rw", "suid", "dev", "exec", "async", "atime", "diratime",
      "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable", "bind", "rbind",
      "norelatime", "loud", "nostrictatime", "tmpcopyup", "idmap", "ridmap", "nosymfollow");
  private static final Set<String> PROPAGATIONS = Set.of("", "private", "rprivate", "slave", "rslave", "shared",
      "rshared", "unbindable", "runbindable");

  /** Reads BUNDLE/config.json. */
  static Map<String, Object> read(Path bundle) {
    Path file = bundle.resolve("config.json");
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new JboxException("open " + file + ": no such file (is --bundle a bundle?)");
    } catch (IOException e) {
      throw new JboxException("read " + file + ": " + e.getMessage());
    }
    try {
      return Json.parseObject(text);
    } catch (JsonException e) {
      throw new JboxException("invalid config.json: " + e.getMessage());
    }
  }

  /**
   * The plan for {@code config} of the bundle at {@code bundle}. {@code callerUid}/{@code
   * callerGid}: this process's ids (0 is root, which writes id maps itself and needs no user
   * namespace).
   */
  static OciConfig translate(Map<String, Object> config, Path bundle, long callerUid, long callerGid) {
    List<String> warnings = new ArrayList<>();
    List<PlanWriter.Extra> extras = new ArrayList<>();
    Map<String, Object> process = obj(config, "process", true);
    Map<String, Object> root = obj(config, "root", true);
    Map<String, Object> linux = obj(config, "linux", false);
    if (linux == null) linux = Map.of();

    // root
    String rootPath = str(root, "path", true, "root");
    Path rootfs = bundle.resolve(rootPath).normalize();
    if (!Files.isDirectory(rootfs)) throw bad("root.path `" + rootfs + "` is not a directory");
    boolean readonlyRoot = bool(root, "readonly");

    // namespaces
    Map<Namespace, NsMode> ns = new EnumMap<>(Namespace.class);
    for (Namespace n : Namespace.values()) ns.put(n, NsMode.HOST);
    for (Object o : list(linux, "namespaces")) {
      Map<String, Object> n = asObj(o, "linux.namespaces[]");
      String type = str(n, "type", true, "linux.namespaces[].type");
      Namespace t = NS_TYPES.get(type);
      if (t == null) throw bad("unknown namespace type `" + type + "` (one of " + String.join(", ", new java.util.TreeSet<>(NS_TYPES.keySet())) + ")");
      String path = str(n, "path", false, "linux.namespaces[].path");
      if (path != null && !path.isEmpty()) {
        if (!path.startsWith("/")) throw bad("namespace path `" + path + "` is not absolute");
        ns.put(t, NsMode.join(path));
      } else {
        ns.put(t, NsMode.NEW);
      }
    }
    if (ns.get(Namespace.MNT) != NsMode.NEW) throw bad("a new mount namespace is required (linux.namespaces has no `mount`)");
    boolean userNs = ns.get(Namespace.USER).kind() != NsMode.Kind.HOST;
    if (callerUid != 0 && !userNs) throw bad("rootless container requires user namespaces (linux.namespaces has no `user`)");

    // id maps
    List<IdRange> uids = ranges(linux, "uidMappings");
    List<IdRange> gids = ranges(linux, "gidMappings");
    IdMap idMap = null;
    if (ns.get(Namespace.USER) == NsMode.NEW) {
      if (uids.isEmpty() || gids.isEmpty()) throw bad("a new user namespace needs linux.uidMappings and linux.gidMappings");
      IdMap.Tool tool;
      if (callerUid == 0) tool = IdMap.Tool.PRIVILEGED;
      else if (uids.size() == 1 && gids.size() == 1 && uids.get(0).outside() == callerUid && uids.get(0).count() == 1
          && gids.get(0).outside() == callerGid && gids.get(0).count() == 1) tool = IdMap.Tool.DIRECT;
      else tool = IdMap.Tool.NEWIDMAP;
      idMap = new IdMap(uids, gids, tool, null);
    } else if (!uids.isEmpty() || !gids.isEmpty()) {
      if (ns.get(Namespace.USER) == NsMode.HOST) throw bad("uid/gid mappings need a new user namespace");
    }

    // process
    List<String> args = strings(process, "args");
    if (args.isEmpty()) throw bad("process.args must not be empty");
    List<String> env = strings(process, "env");
    for (String e : env) {
      if (e.indexOf('=') <= 0) throw bad("process.env entry `" + e + "` is not KEY=VALUE");
    }
    String cwd = str(process, "cwd", true, "process.cwd");
    if (!cwd.startsWith("/")) throw bad("process.cwd `" + cwd + "` is not absolute");
    cwd = cleanInside(cwd, "process.cwd");
    Map<String, Object> user = obj(process, "user", false);
    long uid = user == null ? 0 : num(user, "uid", 0);
    long gid = user == null ? 0 : num(user, "gid", 0);
    if (idMap != null) {
      if (!IdMap.maps(uids, uid)) throw bad("process.user.uid " + uid + " is not in linux.uidMappings");
      if (!IdMap.maps(gids, gid)) throw bad("process.user.gid " + gid + " is not in linux.gidMappings");
    }
    if (user != null) {
      for (Object g : list(user, "additionalGids")) {
        long n = asLong(g, "process.user.additionalGids[]");
        if (idMap != null && !IdMap.maps(gids, n)) throw bad("additional gid " + n + " is not in linux.gidMappings");
        extras.add(new PlanWriter.Extra(PlanWriter.T_GROUPS, Long.toString(n)));
      }
      if (user.get("umask") != null) {
        long m = num(user, "umask", 18);
        if (m < 0 || m > 0777) throw bad("process.user.umask " + m + " out of range");
        extras.add(new PlanWriter.Extra(PlanWriter.T_UMASK, Long.toOctalString(m)));
      }
    }
    if (user == null || user.get("umask") == null) extras.add(new PlanWriter.Extra(PlanWriter.T_UMASK, "22"));
    Map<String, Object> caps = obj(process, "capabilities", false);
    long bounding = capSet(caps, "bounding");
    long effective = capSet(caps, "effective");
    long permitted = capSet(caps, "permitted");
    long inheritable = capSet(caps, "inheritable");
    long ambient = capSet(caps, "ambient");
    // as runc does: sets that cannot hold are trimmed, not refused
    effective &= permitted;
    ambient &= permitted & inheritable;
    extras.add(new PlanWriter.Extra(PlanWriter.T_CAPSETS, bounding + " " + effective + " " + permitted + " "
        + inheritable + " " + ambient));
    List<Plan.Rlimit> rlimits = new ArrayList<>();
    for (Object o : list(process, "rlimits")) {
      Map<String, Object> r = asObj(o, "process.rlimits[]");
      String type = str(r, "type", true, "process.rlimits[].type");
      Integer res = RLIMITS.get(type);
      if (res == null) throw bad("unknown rlimit type `" + type + "`");
      rlimits.add(new Plan.Rlimit(res, num(r, "soft", 0), num(r, "hard", 0)));
    }
    if (process.get("oomScoreAdj") != null) {
      long oom = num(process, "oomScoreAdj", 0);
      if (oom < -1000 || oom > 1000) throw bad("process.oomScoreAdj " + oom + " out of range");
      extras.add(new PlanWriter.Extra(PlanWriter.T_OOMSCORE, Long.toString(oom)));
    }
    boolean terminal = bool(process, "terminal");
    Set<Plan.Flag> flags = EnumSet.noneOf(Plan.Flag.class);
    if (bool(process, "noNewPrivileges")) flags.add(Plan.Flag.NO_NEW_PRIVS);
    if (terminal) flags.add(Plan.Flag.TTY);
    else flags.add(Plan.Flag.STDIN);
    if (readonlyRoot) flags.add(Plan.Flag.READONLY);
    if (ns.get(Namespace.NET) == NsMode.NEW) flags.add(Plan.Flag.LOOPBACK);
    if (process.get("apparmorProfile") != null) warnings.add("process.apparmorProfile ignored (jbox applies no LSM profile)");
    if (process.get("selinuxLabel") != null) warnings.add("process.selinuxLabel ignored (jbox applies no LSM label)");

    // hostname
    String hostname = str(config, "hostname", false, "hostname");
    if (hostname != null && !hostname.isEmpty() && ns.get(Namespace.UTS) != NsMode.NEW) {
      throw bad("unable to set hostname without a private UTS namespace");
    }
    if (hostname != null && hostname.isEmpty()) hostname = null;
    String domainname = str(config, "domainname", false, "domainname");
    if (domainname != null && !domainname.isEmpty()) {
      if (ns.get(Namespace.UTS) != NsMode.NEW) throw bad("unable to set domainname without a private UTS namespace");
      if (domainname.length() > 64 || domainname.indexOf('\0') >= 0) throw bad("domainname `" + domainname + "` is not a valid name");
      extras.add(new PlanWriter.Extra(PlanWriter.T_DOMAINNAME, domainname));
    }

    // seccomp
    Map<String, Object> seccomp = obj(linux, "seccomp", false);
    if (seccomp != null) {
      List<String> skipped = new ArrayList<>();
      Seccomp.Program prog = Seccomp.compile(seccomp, skipped);
      extras.add(new PlanWriter.Extra(PlanWriter.T_SECCOMP, prog.planValue()));
      if (!skipped.isEmpty()) {
        warnings.add("linux.seccomp: calls unknown on x86_64 skipped (as runc does): " + String.join(" ", new java.util.TreeSet<>(skipped)));
      }
    }

    // sysctls
    List<Plan.Sysctl> sysctls = new ArrayList<>();
    Map<String, Object> sysctl = obj(linux, "sysctl", false);
    if (sysctl != null) {
      for (Map.Entry<String, Object> e : sysctl.entrySet()) {
        String k = e.getKey();
        if (k.isEmpty() || k.startsWith(".") || k.endsWith(".") || k.contains("..") || !k.matches("[a-z0-9_./]+")) throw bad("bad sysctl name `" + k + "`");
        if (!(e.getValue() instanceof String v)) throw bad("sysctl `" + k + "` value is not a string");
        sysctls.add(new Plan.Sysctl(k.replace('/', '.'), v));
      }
    }

    String prop = str(linux, "rootfsPropagation", false, "linux.rootfsPropagation");
    if (prop != null && !PROPAGATIONS.contains(prop)) throw bad("unknown linux.rootfsPropagation `" + prop + "`");
    if (prop != null && !prop.isEmpty()) extras.add(new PlanWriter.Extra(PlanWriter.T_ROOTPROP, prop));
    if (config.get("linux") != null && (linux.get("resources") != null || linux.get("cgroupsPath") != null)) {
      warnings.add("linux.resources and cgroupsPath ignored: no delegated cgroup v2 tree (see jbox-oci features)");
    }

    // mounts: the config's, then the default devices and the config's devices, then the read-only
    // and masked paths (after everything they could otherwise be uncovered by)
    List<MountOp> ops = new ArrayList<>();
    for (Object o : list(config, "mounts")) ops.addAll(mount(asObj(o, "mounts[]"), bundle, warnings));
    List<String> devices = new ArrayList<>(DEFAULT_DEVICES.size());
    for (String d : DEFAULT_DEVICES) devices.add("/dev/" + d);
    for (Object o : list(linux, "devices")) {
      Map<String, Object> d = asObj(o, "linux.devices[]");
      String path = cleanInside(str(d, "path", true, "linux.devices[].path"), "linux.devices[].path");
      String type = str(d, "type", true, "linux.devices[].type");
      if (!type.equals("c") && !type.equals("b") && !type.equals("u") && !type.equals("p")) throw bad("device `" + path + "`: bad type `" + type + "`");
      if (!devices.contains(path)) devices.add(path);
    }
    for (String d : devices) {
      if (Files.exists(Path.of(d))) ops.add(new MountOp("dev", d, d, ""));
      else if (!DEFAULT_DEVICES.contains(d.substring(5))) throw bad("device `" + d + "`: no such node on the host (jbox binds the host's device nodes)");
    }
    ops.add(new MountOp("symlink", "pts/ptmx", "/dev/ptmx", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd", "/dev/fd", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd/0", "/dev/stdin", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd/1", "/dev/stdout", ""));
    ops.add(new MountOp("symlink", "/proc/self/fd/2", "/dev/stderr", ""));
    for (String p : strings(linux, "readonlyPaths")) ops.add(MountOp.of("ro", cleanInside(p, "linux.readonlyPaths[]"), ""));
    for (String p : strings(linux, "maskedPaths")) ops.add(MountOp.of("mask", cleanInside(p, "linux.maskedPaths[]"), ""));

    Plan plan = new Plan(args, env, cwd, uid + ":" + gid, hostname, rootfs.toString(), ns, idMap, ops, rlimits,
        bounding, flags, null, List.of(), null, null, null, null, null, sysctls);
    Map<String, Object> annotations = obj(config, "annotations", false);
    Map<String, Object> hooks = Hooks.check(obj(config, "hooks", false), warnings);
    return new OciConfig(plan, extras, warnings, annotations == null ? Map.of() : annotations,
        hooks, rootfs.toString(), terminal);
  }

  private static List<MountOp> mount(Map<String, Object> m, Path bundle, List<String> warnings) {
    String dest = cleanInside(str(m, "destination", true, "mounts[].destination"), "mounts[].destination");
    String type = str(m, "type", false, "mounts[].type");
    String source = str(m, "source", false, "mounts[].source");
    List<String> options = strings(m, "options");
    boolean bind = "bind".equals(type) || options.contains("bind") || options.contains("rbind");
    List<String> words = new ArrayList<>();
    List<String> data = new ArrayList<>();
    for (String o : options) {
      if (o.equals("rbind")) words.add("rec");
      else if (FLAG_WORDS.contains(o)) words.add(o);
      else if (IGNORED_WORDS.contains(o)) continue;
      else if (o.contains("=") || Set.of("newinstance").contains(o)) data.add(o);
      else warnings.add("mount `" + dest + "`: option `" + o + "` ignored");
    }
    if (bind) {
      if (source == null || source.isEmpty()) throw bad("bind mount on `" + dest + "` has no source");
      String src = bundle.resolve(source).normalize().toString();
      if (!Files.exists(Path.of(src))) throw bad("bind mount source `" + src + "` does not exist");
      return List.of(new MountOp("bind", src, dest, String.join(",", words)));
    }
    if (type == null) throw bad("mount on `" + dest + "` has no type");
    String kind = switch (type) {
      case "proc", "sysfs", "tmpfs", "devpts", "mqueue" -> type;
      case "cgroup", "cgroup2" -> "cgroup2";
      default -> throw bad("mount on `" + dest + "`: type `" + type + "` not supported (bind, proc, sysfs, tmpfs, devpts, mqueue, cgroup)");
    };
    if (kind.equals("cgroup2")) {
      // a v1 or hybrid host has no cgroup2 hierarchy of its own to show: skipped there
      words.add("ro");
      words.add("optional");
      data.clear();
    }
    String opts = String.join(",", words) + (data.isEmpty() ? "" : "|" + String.join(",", data));
    return List.of(MountOp.of(kind, dest, opts));
  }

  /**
   * A path inside the container, made absolute and clean; a path whose {@code ..} components
   * would climb above the root is refused (the helper also refuses any {@code ..} in a target).
   */
  static String cleanInside(String p, String what) {
    List<String> parts = new ArrayList<>();
    for (String c : p.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) {
        if (parts.isEmpty()) throw bad(what + " `" + p + "` escapes the container's root");
        parts.remove(parts.size() - 1);
      } else {
        parts.add(c);
      }
    }
    return "/" + String.join("/", parts);
  }

  private static List<IdRange> ranges(Map<String, Object> linux, String key) {
    List<IdRange> out = new ArrayList<>();
    for (Object o : list(linux, key)) {
      Map<String, Object> r = asObj(o, "linux." + key + "[]");
      long c = num(r, "containerID", -1), h = num(r, "hostID", -1), n = num(r, "size", -1);
      if (c < 0 || h < 0 || n <= 0) throw bad("linux." + key + " needs containerID, hostID and a positive size");
      out.add(new IdRange(c, h, n));
    }
    return out;
  }

  private static long capSet(Map<String, Object> caps, String key) {
    if (caps == null) return 0;
    List<String> names = strings(caps, key);
    try {
      return Capabilities.mask(names);
    } catch (JboxException e) {
      throw bad("process.capabilities." + key + ": " + e.getMessage());
    }
  }

  static JboxException bad(String msg) {
    return new JboxException(msg);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> asObj(Object o, String what) {
    if (!(o instanceof Map)) throw bad(what + " is not an object");
    return (Map<String, Object>) o;
  }

  static Map<String, Object> obj(Map<String, Object> m, String key, boolean required) {
    Object o = m.get(key);
    if (o == null) {
      if (required) throw bad("config.json has no `" + key + "`");
      return null;
    }
    return asObj(o, key);
  }

  static String str(Map<String, Object> m, String key, boolean required, String what) {
    Object o = m.get(key);
    if (o == null) {
      if (required) throw bad(what + " is missing");
      return null;
    }
    if (!(o instanceof String s)) throw bad(what + " is not a string");
    return s;
  }

  static boolean bool(Map<String, Object> m, String key) {
    Object o = m.get(key);
    if (o == null) return false;
    if (!(o instanceof Boolean b)) throw bad(key + " is not true or false");
    return b;
  }

  static long num(Map<String, Object> m, String key, long dflt) {
    Object o = m.get(key);
    return o == null ? dflt : asLong(o, key);
  }

  static long asLong(Object o, String what) {
    if (o instanceof Long l) return l;
    if (o instanceof java.math.BigDecimal d) {
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        // an unsigned 64-bit limit (RLIM_INFINITY written out) or a fraction
        if (d.signum() > 0 && d.scale() <= 0 && d.toBigInteger().bitLength() <= 64) return d.toBigInteger().longValue();
      }
    }
    throw bad(what + " is not an integer");
  }

  static List<Object> list(Map<String, Object> m, String key) {
    Object o = m.get(key);
    if (o == null) return List.of();
    if (!(o instanceof List<?> l)) throw bad(key + " is not an array");
    return new ArrayList<>(l);
  }

  static List<String> strings(Map<String, Object> m, String key) {
    List<String> out = new ArrayList<>();
    for (Object o : list(m, key)) {
      if (!(o instanceof String s)) throw bad(key + " holds a value that is not a string");
      out.add(s);
    }
    return out;
  }

  /** A copy of a JSON object with its key order. */
  static Map<String, Object> copy(Map<String, Object> m) {
    return new LinkedHashMap<>(m);
  }
}
