package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.RunRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What jbox records of one sandbox, whatever made it (its {@code config.json}): written once,
 * before the plan goes to the helper, and read by every command. The encoded plan, which {@code
 * jbox start} sends again, is stored here and nowhere else.
 *
 * @param kind what made the sandbox (see {@link Kind})
 * @param image the image's name as the user gave it, or the rootfs directory of a --rootfs sandbox
 * @param imageId the image's id (sha256:...), or null for a --rootfs sandbox
 * @param created epoch milliseconds
 * @param rm whether it goes when it ends (--rm)
 * @param mounts the user's mounts as given: "-v SPEC", "--mount SPEC" or "--tmpfs SPEC"
 * @param ports the user's -p specs as given
 * @param process what {@code jbox exec} applies again: env, cwd, user, capabilities, flags, rlimits
 * @param plan the encoded plan, base64, or null when the sandbox cannot run again (--rm)
 * @param etcFiles the directory of its generated /etc files kept for {@code jbox start}, or null
 * @param restart its restart policy as {@code --restart} takes it ({@link RestartPolicy#spec}), null for no
 * @param oci what only an OCI-runtime container has ({@link Kind#OCI}), else null
 */
public record SandboxRecord(
    String id,
    String name,
    Kind kind,
    String image,
    String imageId,
    String rootfs,
    List<String> command,
    long created,
    boolean rm,
    String hostname,
    String network,
    List<String> ports,
    List<String> mounts,
    String stopSignal,
    Overlay overlay,
    Map<String, String> namespaces,
    Process process,
    String plan,
    String etcFiles,
    String restart,
    Oci oci) {

  /**
   * What made a sandbox: every kind is listed by {@code ps} and reached by the lifecycle commands
   * the same way (its monitor's state record, see {@link Sandbox}).
   */
  public enum Kind {
    /** {@code jbox run} (foreground or -d), {@code jbox create}. */
    RUN,
    /** {@code jbox shell}: a project's sandbox (see ShellSandboxes), foreground, not started again. */
    SHELL,
    /**
     * A container of {@code jbox-oci} (podman's, containerd's or CRI-O's runtime): kept by a store
     * at the engine's {@code --root} ({@link SandboxStore#atOciRoot}), not in the user's store, so
     * ps never lists it; its lifecycle is the engine's.
     */
    OCI;

    /** The word ps and inspect show. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Kind of(Object word) {
      if (word == null) return RUN;
      for (Kind k : values()) if (k.word().equals(word)) return k;
      throw new JboxException("unknown sandbox kind `" + word + "`");
    }
  }

  /** The overlay's directories: lower dirs top first, the sandbox's own upper and work dirs. */
  public record Overlay(List<String> lower, String upper, String work) {
    public Overlay {
      lower = List.copyOf(lower);
    }
  }

  /** The process rules of pid 1 that {@code jbox exec} applies to the command it runs. */
  public record Process(List<String> env, String cwd, String user, long capabilities, List<String> flags,
      List<Plan.Rlimit> rlimits) {
    public Process {
      env = List.copyOf(env);
      flags = List.copyOf(flags);
      rlimits = List.copyOf(rlimits);
    }
  }

  /**
   * The OCI-only part of a {@link Kind#OCI} record: what {@code jbox-oci state} prints and the
   * hooks later commands run (runtime-spec "State" and "Hooks").
   *
   * @param ociVersion the bundle's config.json ociVersion
   * @param bundle the bundle's absolute path
   * @param annotations config.json's annotations
   * @param hooks config.json's hooks by kind (poststart, poststop, ...), in order
   * @param consoleSocket --console-socket as given to create, or null
   * @param pidFile --pid-file as given to create, or null
   */
  public record Oci(String ociVersion, String bundle, Map<String, String> annotations, Map<String, List<Hook>> hooks,
      String consoleSocket, String pidFile) {
    public Oci {
      annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
      Map<String, List<Hook>> h = new LinkedHashMap<>();
      if (hooks != null) for (Map.Entry<String, List<Hook>> e : hooks.entrySet()) h.put(e.getKey(), List.copyOf(e.getValue()));
      hooks = java.util.Collections.unmodifiableMap(h);
    }

    /** runc's rule for container ids: letters, digits and {@code _+-.}, not {@code .} or {@code ..}, at most 1024. */
    public static boolean validId(String id) {
      boolean ok = id != null && !id.isEmpty() && !id.equals(".") && !id.equals("..") && id.length() <= 1024;
      for (int i = 0; ok && i < id.length(); i++) {
        char c = id.charAt(i);
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.';
      }
      return ok;
    }

    /** Whether any hook of any kind is recorded. */
    public boolean hasHooks() {
      for (List<Hook> l : hooks.values()) if (!l.isEmpty()) return true;
      return false;
    }

    /** The hooks of one kind (none: empty). */
    public List<Hook> hooks(String kind) {
      return hooks.getOrDefault(kind, List.of());
    }

    Map<String, Object> toJson() {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("ociVersion", ociVersion);
      o.put("bundle", bundle);
      o.put("annotations", new LinkedHashMap<String, Object>(annotations));
      Map<String, Object> h = new LinkedHashMap<>();
      for (Map.Entry<String, List<Hook>> e : hooks.entrySet()) {
        List<Object> l = new ArrayList<>();
        for (Hook k : e.getValue()) l.add(k.toJson());
        h.put(e.getKey(), l);
      }
      o.put("hooks", h);
      o.put("consoleSocket", consoleSocket);
      o.put("pidFile", pidFile);
      return o;
    }

    /** From the stored form (or the same fields of an older jbox-oci's state.json). */
    public static Oci of(Map<?, ?> o) {
      Map<String, String> ann = new LinkedHashMap<>();
      if (o.get("annotations") instanceof Map<?, ?> a) {
        for (Map.Entry<?, ?> e : a.entrySet()) ann.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
      Map<String, List<Hook>> hooks = new LinkedHashMap<>();
      if (o.get("hooks") instanceof Map<?, ?> h) {
        for (Map.Entry<?, ?> e : h.entrySet()) {
          List<Hook> l = new ArrayList<>();
          if (e.getValue() instanceof List<?> list) for (Object x : list) l.add(Hook.of((Map<?, ?>) x));
          hooks.put(String.valueOf(e.getKey()), l);
        }
      }
      return new Oci(str(o, "ociVersion"), str(o, "bundle"), ann, hooks, str(o, "consoleSocket"), str(o, "pidFile"));
    }
  }

  /**
   * One runtime-spec hook as config.json gave it: path, args (argv, args[0] included), env (null:
   * the runtime's own), timeout in seconds (null: none).
   */
  public record Hook(String path, List<String> args, List<String> env, Long timeout) {
    public Hook {
      args = args == null ? List.of() : List.copyOf(args);
      env = env == null ? null : List.copyOf(env);
    }

    /** In config.json's shape (what the hook code reads). */
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      if (path != null) m.put("path", path);
      if (!args.isEmpty()) m.put("args", new ArrayList<Object>(args));
      if (env != null) m.put("env", new ArrayList<Object>(env));
      if (timeout != null) m.put("timeout", timeout);
      return m;
    }

    /** From config.json's shape; a field of the wrong type is a ClassCastException (the caller names the record). */
    public static Hook of(Map<?, ?> m) {
      Object t = m.get("timeout");
      return new Hook((String) m.get("path"), m.get("args") == null ? null : strings(m.get("args")),
          m.get("env") == null ? null : strings(m.get("env")), t == null ? null : ((Number) t).longValue());
    }
  }

  /**
   * The stand-in of a sandbox whose runtime directory outlived its record (an orphan to reap): it
   * knows only its id.
   */
  public static SandboxRecord placeholder(String id) {
    return new SandboxRecord(id, null, Kind.RUN, "", null, null, List.of(), 0, true, null, null, List.of(), List.of(), "TERM",
        null, null, null, null, null, null, null);
  }

  /**
   * The record of an OCI-runtime container {@code id} (runc's id rules) made from a bundle: no
   * name, image or plan (the engine creates it again from its bundle, never jbox start).
   */
  public static SandboxRecord ofOci(String id, String rootfs, List<String> command, long created, String hostname,
      Oci oci) {
    return new SandboxRecord(id, null, Kind.OCI, oci.bundle(), null, rootfs, command, created, false, hostname, null,
        List.of(), List.of(), "TERM", null, null, null, null, null, null, oci);
  }

  /**
   * An older jbox-oci's {@code state.json} (ociVersion, id, bundle, rootfs, created as RFC 3339,
   * annotations, hooks) as a record, so that containers made before an upgrade can still be
   * listed, stated and deleted.
   */
  public static SandboxRecord ofOciState(Map<String, Object> s) {
    String id = str(s, "id");
    try {
      long created = s.get("created") instanceof String c ? java.time.Instant.parse(c).toEpochMilli() : 0;
      return ofOci(id, str(s, "rootfs"), List.of(), created, null, Oci.of(s));
    } catch (RuntimeException e) {
      throw new JboxException("container " + id + ": malformed state.json: " + e.getMessage());
    }
  }

  public SandboxRecord {
    command = List.copyOf(command);
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    namespaces = namespaces == null ? Map.of() : new LinkedHashMap<>(namespaces);
    if (kind == null) kind = Kind.RUN;
  }

  /**
   * The record of a sandbox about to run {@code plan}: image and imageId null for a --rootfs one;
   * encoded the plan to keep for jbox start (null: none).
   */
  public static SandboxRecord of(String id, String name, Kind kind, String image, String imageId, String stopSignal,
      RunRequest req, Plan plan, boolean rm, byte[] encoded, String etcFiles) {
    Overlay overlay = plan.overlay() == null ? null
        : new Overlay(plan.overlay().lower(), plan.overlay().upper(), plan.overlay().work());
    Map<String, String> ns = new LinkedHashMap<>();
    for (Namespace n : Namespace.values()) ns.put(n.procName(), plan.namespaces().getOrDefault(n, NsMode.NEW).planValue());
    List<String> flags = new ArrayList<>();
    // in the flags' own order: the plan's set (Set.copyOf) iterates in an order each JVM draws anew
    for (Plan.Flag f : Plan.Flag.values()) if (plan.flags().contains(f)) flags.add(f.word());
    String network = req != null && req.network() != null ? req.network()
        : plan.namespaces().get(Namespace.NET) == NsMode.HOST ? "host" : "none";
    List<String> mounts = new ArrayList<>();
    List<String> ports = new ArrayList<>();
    if (req != null) {
      for (String v : req.volumes()) mounts.add("-v " + v);
      for (String m : req.mounts()) mounts.add("--mount " + m);
      for (String t : req.tmpfs()) mounts.add("--tmpfs " + t);
      ports.addAll(req.publish());
    }
    return new SandboxRecord(id, name, kind, image != null ? image : plan.rootfs(), imageId, plan.rootfs(), plan.argv(),
        System.currentTimeMillis(), rm, plan.hostname(), network, ports, mounts, stopSignal != null ? stopSignal : "TERM", overlay, ns,
        new Process(plan.env(), plan.cwd(), plan.user(), plan.capabilities(), flags, plan.rlimits()),
        encoded == null ? null : Base64.getEncoder().encodeToString(encoded), etcFiles, null, null);
  }

  /** The same record with a restart policy (null or "no": none). */
  public SandboxRecord withRestart(RestartPolicy policy) {
    return new SandboxRecord(id, name, kind, image, imageId, rootfs, command, created, rm, hostname, network, ports,
        mounts, stopSignal, overlay, namespaces, process, plan, etcFiles, policy.restarts() ? policy.spec() : null, oci);
  }

  /** Its restart policy. */
  public RestartPolicy restartPolicy() {
    return RestartPolicy.parse(restart);
  }

  /** The short id: the first 12 hex digits (an OCI container's id may be shorter: all of it). */
  public String shortId() {
    return id.length() <= 12 ? id : id.substring(0, 12);
  }

  /** The name if it has one, else the short id: how messages name the sandbox. */
  public String label() {
    return name != null ? name : shortId();
  }

  /** The recorded plan's bytes, or null. */
  public byte[] planBytes() {
    return plan == null ? null : Base64.getDecoder().decode(plan);
  }

  /** The same record with another network (a shell's, as its policy chose it). */
  public SandboxRecord withNetwork(String newNetwork) {
    return new SandboxRecord(id, name, kind, image, imageId, rootfs, command, created, rm, hostname, newNetwork, ports,
        mounts, stopSignal, overlay, namespaces, process, plan, etcFiles, restart, oci);
  }

  /** The same record under another name. */
  public SandboxRecord withName(String newName) {
    return new SandboxRecord(id, newName, kind, image, imageId, rootfs, command, created, rm, hostname, network, ports,
        mounts, stopSignal, overlay, namespaces, process, plan, etcFiles, restart, oci);
  }

  /**
   * The host directories the recorded plan needs to run again: the rootfs, or an image's layers
   * and the sandbox's own upper dir; and its generated /etc files.
   */
  public List<String> neededDirs() {
    List<String> dirs = new ArrayList<>();
    if (overlay != null) {
      dirs.addAll(overlay.lower());
      dirs.add(overlay.upper());
    } else if (rootfs != null) {
      dirs.add(rootfs);
    }
    if (etcFiles != null) dirs.add(etcFiles);
    return dirs;
  }

  /** As config.json holds it. */
  public Map<String, Object> toJson() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("name", name);
    c.put("kind", kind.word());
    c.put("image", image);
    c.put("imageId", imageId);
    c.put("rootfs", rootfs);
    c.put("command", new ArrayList<Object>(command));
    c.put("created", created);
    c.put("rm", rm);
    c.put("hostname", hostname);
    c.put("network", network);
    c.put("ports", new ArrayList<Object>(ports));
    c.put("mounts", new ArrayList<Object>(mounts));
    c.put("stopSignal", stopSignal);
    if (overlay != null) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("lower", new ArrayList<Object>(overlay.lower()));
      o.put("upper", overlay.upper());
      o.put("work", overlay.work());
      c.put("overlay", o);
    }
    c.put("namespaces", new LinkedHashMap<String, Object>(namespaces));
    if (process != null) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("env", new ArrayList<Object>(process.env()));
      p.put("cwd", process.cwd());
      p.put("user", process.user());
      p.put("capabilities", Long.toUnsignedString(process.capabilities()));
      p.put("flags", new ArrayList<Object>(process.flags()));
      List<Object> rl = new ArrayList<>();
      for (Plan.Rlimit r : process.rlimits()) {
        List<Object> one = new ArrayList<>();
        one.add((long) r.resource());
        one.add(r.soft());
        one.add(r.hard());
        rl.add(one);
      }
      p.put("rlimits", rl);
      c.put("process", p);
    }
    c.put("etcFiles", etcFiles);
    c.put("plan", plan);
    if (restart != null) c.put("restart", restart);
    if (oci != null) c.put("oci", oci.toJson());
    return c;
  }

  /** From config.json; a malformed record is a one-line error naming the sandbox. */
  public static SandboxRecord of(Map<String, Object> c) {
    String id = str(c, "id");
    try {
      Overlay overlay = null;
      if (c.get("overlay") instanceof Map<?, ?> o) {
        overlay = new Overlay(strings(o.get("lower")), (String) o.get("upper"), (String) o.get("work"));
      }
      Map<String, String> ns = new LinkedHashMap<>();
      if (c.get("namespaces") instanceof Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) ns.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
      Process process = null;
      if (c.get("process") instanceof Map<?, ?> p) {
        List<Plan.Rlimit> rl = new ArrayList<>();
        if (p.get("rlimits") instanceof List<?> l) {
          for (Object o : l) {
            List<?> r = (List<?>) o;
            rl.add(new Plan.Rlimit(((Number) r.get(0)).intValue(), ((Number) r.get(1)).longValue(),
                ((Number) r.get(2)).longValue()));
          }
        }
        Object caps = p.get("capabilities");
        process = new Process(strings(p.get("env")), (String) p.get("cwd"), (String) p.get("user"),
            caps == null ? 0 : Long.parseUnsignedLong(String.valueOf(caps)), strings(p.get("flags")), rl);
      }
      return new SandboxRecord(id, str(c, "name"), Kind.of(c.get("kind")), str(c, "image"), str(c, "imageId"),
          str(c, "rootfs"), strings(c.get("command")),
          c.get("created") instanceof Number n ? n.longValue() : 0, Boolean.TRUE.equals(c.get("rm")),
          str(c, "hostname"), str(c, "network"), strings(c.get("ports")), strings(c.get("mounts")),
          c.get("stopSignal") instanceof String s ? s : "TERM", overlay, ns, process, str(c, "plan"), str(c, "etcFiles"),
          str(c, "restart"), c.get("oci") instanceof Map<?, ?> o ? Oci.of(o) : null);
    } catch (ClassCastException | IndexOutOfBoundsException | NumberFormatException | NullPointerException e) {
      throw new JboxException("sandbox " + id + ": malformed record: " + e.getMessage());
    }
  }

  private static String str(Map<?, ?> m, String k) {
    return m.get(k) instanceof String s ? s : null;
  }

  private static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof List<?> l) for (Object e : l) out.add(String.valueOf(e));
    return out;
  }
}
