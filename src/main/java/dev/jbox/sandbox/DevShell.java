package dev.jbox.sandbox;

import dev.jbox.config.Capabilities;
import dev.jbox.JboxException;
import dev.jbox.config.Config;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dev shell's policy as a {@link Plan} (ARCHITECTURE.md §6: policy, not new mechanism): the
 * host's root bound read-only, the project bound read-write at its real path, $HOME as an overlay
 * with a per-project upper layer, write-through binds for package caches, hidden paths absent
 * (whiteouts of a {@link DenyLayer}) or, where that cannot be, masked by empty mounts, the
 * caller's own uid and gid inside (keep-id), private /tmp, /proc, /dev, ipc and uts.
 */
public final class DevShell {
  /** What one {@code jbox shell} asks for, after the project and its directories are known. */
  public record Request(
      ShellSettings settings,
      Path project,
      Path cwd,
      Path home,
      Path upper,
      Path work,
      Path rootDir,
      List<String> command,
      boolean root,
      boolean tty,
      boolean interactive,
      String name,
      ImageSpec image,
      Path imageDir) {
    public Request {
      command = List.copyOf(command);
    }
  }

  private final Config config;
  private final IdMaps.Caller caller;
  private final Map<String, String> hostEnv;

  public DevShell(Config config, IdMaps.Caller caller, Map<String, String> hostEnv) {
    this.config = config;
    this.caller = caller;
    this.hostEnv = hostEnv;
  }

  /** The plan; the generated /etc files go to {@code filesRoot}/ID (removed by the helper at the end). */
  public Plan build(Request r, String id, Path filesRoot, Path lockFile) {
    ShellSettings s = r.settings();
    String home = r.home().toString();
    for (char c : new char[] {',', ':', '\\'}) {
      if (home.indexOf(c) >= 0 || r.upper().toString().indexOf(c) >= 0) {
        throw new JboxException("shell: a home or data directory with `" + c + "` in its path cannot be an overlay layer");
      }
    }
    Map<Namespace, NsMode> ns = new EnumMap<>(Namespace.class);
    for (Namespace n : Namespace.values()) ns.put(n, NsMode.NEW);
    String netSpec = s.value("network").value();
    if (!netSpec.equals("pasta") && !netSpec.equals("none")) {
      throw new JboxException(s.value("network").from() + ": network `" + netSpec + "`: expected pasta or none");
    }
    Network network = Network.parse(netSpec, List.of());

    long uid = r.root() ? 0 : caller.uid();
    long gid = r.root() ? 0 : caller.gid();
    IdMap idMap = r.root() ? IdMaps.build(caller, List.of(), List.of()) : IdMaps.keepId(caller, uid, gid);

    String hostname = hostHostname();
    List<MountOp> user = new ArrayList<>();
    Path filesDir = filesRoot.resolve(id);
    for (String f : new String[] {"hostname", "hosts", "resolv.conf"}) {
      if (r.image() != null || dev.jbox.PolicyInputs.exists(Path.of("/etc/" + f))) user.add(new MountOp("bind", filesDir.resolve(f).toString(), "/etc/" + f, ""));
    }
    user.add(MountOp.of("tmpfs", "/tmp", "nosuid,nodev|mode=1777"));
    user.add(MountOp.of("tmpfs", "/var/tmp", "nosuid,nodev|mode=1777"));
    List<Path> writeThrough = new ArrayList<>();
    for (String w : s.strings("write-through")) {
      Path p = path(w, r, "write-through");
      if (dev.jbox.PolicyInputs.isDirectory(p)) writeThrough.add(p);
    }
    List<Path> rw = new ArrayList<>();
    for (String w : s.strings("rw")) rw.add(existing(w, r, "rw"));
    List<Path> ro = new ArrayList<>();
    for (String o : s.strings("ro")) ro.add(existing(o, r, "ro"));
    // where each bind comes from: its real path, found through no link in a tree the sandbox writes
    Map<Path, Path> source = sources(r.project(), writeThrough, rw, ro);
    List<Path> hidden = new ArrayList<>();
    for (String h : s.strings("hide")) hidden.add(path(h, r, "hide"));
    // hidden paths in $HOME are whiteouts of a lower layer above it (absent, not empty); the rest
    // (and all of them where the kernel makes no unprivileged whiteout) are masked below
    List<Path> boundOver = new ArrayList<>(writeThrough);
    boundOver.addAll(rw);
    boundOver.add(r.project());
    DenyLayer.Result deny = DenyLayer.build(r.rootDir().resolveSibling("shell-deny"), r.home(), hidden, boundOver, ro);
    // $HOME: reads see the real files, writes land in the project's own upper layer; volatile: the
    // layer is not synced when the sandbox ends (an unmount's sync of the upper filesystem was
    // 0.4 ms of every start when quiet and up to 25 ms under I/O load; PROTOCOL.md)
    user.add(MountOp.of("overlay", home, "|lowerdir=" + (deny.dir() == null ? "" : deny.dir() + ":") + home
        + ",upperdir=" + r.upper() + ",workdir=" + r.work() + ",userxattr,volatile"));
    for (Path p : writeThrough) user.add(new MountOp("bind", source.get(p).toString(), p.toString(), "rec,realsrc"));
    for (Path p : rw) user.add(new MountOp("bind", source.get(p).toString(), p.toString(), "rec,realsrc"));
    String project = r.project().toString();
    user.add(new MountOp("bind", project, project, "rec,realsrc"));
    // a build must not plant a hook (or a core.hooksPath) that runs outside the sandbox later
    String git = s.value("git").value();
    if (!git.equals("read-only") && !git.equals("writable")) {
      throw new JboxException(s.value("git").from() + ": git `" + git + "`: expected read-only or writable");
    }
    user.addAll(GitGuard.mounts(r.project(), r.home(), dev.jbox.PolicyInputs.env(hostEnv, "XDG_CONFIG_HOME"), git.equals("writable")));
    // nor widen the next sandbox's policy through the project's .jbox/shell.toml
    user.add(MountOp.of("ro", project + "/.jbox", ""));
    String runtime = dev.jbox.PolicyInputs.env(hostEnv, "XDG_RUNTIME_DIR");
    if (runtime != null && runtime.startsWith("/") && dev.jbox.PolicyInputs.isDirectory(Path.of(runtime))) {
      // D-Bus, Wayland, the ssh and gpg agents live there: the sandbox gets an empty one of its own
      // (after the home overlay and the project, which could contain it)
      user.add(MountOp.of("tmpfs", clean(runtime), "nosuid,nodev|mode=700,uid=" + uid + ",gid=" + gid));
    }
    // the user's runtime directory where logind made it, also when the caller's environment does
    // not name it (su, sudo -i, cron): its session bus and systemd's socket run commands outside
    String own = "/run/user/" + caller.uid();
    if ((runtime == null || !clean(runtime).equals(own)) && dev.jbox.PolicyInputs.isDirectory(Path.of(own))) {
      user.add(MountOp.of("tmpfs", own, "nosuid,nodev|mode=700,uid=" + uid + ",gid=" + gid));
    }
    for (Path h : deny.masked()) user.add(MountOp.of("mask", h.toString(), ""));
    for (Path p : ro) user.add(new MountOp("bind", source.get(p).toString(), p.toString(), "rec,ro,realsrc"));
    List<MountOp> mounts = new ArrayList<>();
    Set<Plan.Flag> flags = EnumSet.of(Plan.Flag.SECCOMP, Plan.Flag.NO_NEW_PRIVS, Plan.Flag.INIT, Plan.Flag.LOOPBACK);
    String rootfs = r.rootDir().toString();
    Plan.Overlay overlay = null;
    Plan.Fuse fuse = null;
    if (r.image() == null) {
      // the host's whole tree, read-only, as the new root, before anything is mounted on it
      // (mounts.c opens the root again after a bind onto `/`)
      mounts.add(new MountOp("bind", "/", "/", "rec,ro"));
    } else {
      // --image: the image's layers under a session upper layer, read-only once the mounts are made
      rootfs = r.imageDir().resolve("merged").toString();
      overlay = new Plan.Overlay(r.image().lowerDirs(), r.imageDir().resolve("upper").toString(), r.imageDir().resolve("work").toString());
      Path fuseBin = Network.find("fuse-overlayfs");
      boolean always = config.storage().driver().equals("fuse-overlayfs");
      if (always && fuseBin == null) throw new JboxException("storage.driver = fuse-overlayfs: fuse-overlayfs not found");
      if (fuseBin != null) fuse = new Plan.Fuse(fuseBin.toString(), !always);
      flags.add(Plan.Flag.READONLY);
    }
    mounts.addAll(DefaultMounts.build(ns, idMap, user));

    if (r.tty()) flags.add(Plan.Flag.TTY);
    if (r.interactive() || r.tty()) flags.add(Plan.Flag.STDIN);
    long caps = Capabilities.mask(config.run().capabilities());

    List<String> argv = new ArrayList<>(r.command());
    if (argv.isEmpty()) argv.add(r.image() == null || inImage(r.image(), shell()) ? shell() : "/bin/sh");
    String cwd = r.cwd().startsWith(r.project()) ? r.cwd().toString() : project;
    List<Plan.Sysctl> sysctls = Sysctls.build(List.of(), true, true, network.mode() == Network.Mode.PASTA);
    List<String> env = env(s, r.name());
    if (r.image() != null) {
      // the image's PATH: its userland, not the host's
      for (String e : r.image().env()) {
        if (!e.startsWith("PATH=")) continue;
        env.removeIf(x -> x.startsWith("PATH="));
        env.add(e);
      }
      try {
        Files.createDirectories(r.imageDir());
        for (String d : List.of("upper", "work", "merged")) Files.createDirectory(r.imageDir().resolve(d));
      } catch (IOException e) {
        throw new JboxException("shell: create `" + r.imageDir() + "`: " + e.getMessage());
      }
    }
    EtcFiles.write(filesRoot, filesDir, EtcFiles.generate(hostname, network, List.of()));
    return new Plan(argv, env, cwd, uid + ":" + gid, hostname, rootfs, ns, idMap, mounts,
        List.of(), caps, flags, null, network.helperArgv(), overlay, r.image() != null ? r.imageDir().toString() : null,
        filesDir.toString(), fuse, lockFile == null ? null : lockFile.toString(), sysctls);
  }

  /**
   * The plan of a second {@code jbox shell} in a project whose sandbox runs: the helper joins
   * every namespace of that sandbox's pid 1 (helpers/exec.c) and applies the same process rules.
   */
  public Plan joinPlan(Request r) {
    List<String> argv = new ArrayList<>(r.command());
    if (argv.isEmpty()) argv.add(shell());
    Set<Plan.Flag> flags = EnumSet.of(Plan.Flag.SECCOMP, Plan.Flag.NO_NEW_PRIVS, Plan.Flag.STDIN);
    if (r.tty()) flags.add(Plan.Flag.TTY);
    long uid = r.root() ? 0 : caller.uid();
    long gid = r.root() ? 0 : caller.gid();
    String cwd = r.cwd().startsWith(r.project()) ? r.cwd().toString() : r.project().toString();
    return new Plan(argv, env(r.settings(), r.name()), cwd, uid + ":" + gid, null, null, Map.of(), null, List.of(),
        List.of(), Capabilities.mask(config.run().capabilities()), flags, null, List.of(), null, null);
  }

  /**
   * The join template of a project's sandbox named {@code name} (helpers/shell_join.c): the plan
   * {@link #joinPlan} makes for a caller with an empty environment and no command, in the
   * project's root, under the built-in configuration (the launcher joins without a JVM only when
   * the caller's configuration files are inert). The launcher adds the caller's environment
   * (filtered by the project's env-deny list, recorded beside), command, working directory, ids
   * and terminal.
   */
  public static Plan joinTemplate(IdMaps.Caller caller, String name, Path project) {
    DevShell bare = new DevShell(dev.jbox.config.ConfigLoader.builtin(), caller, Map.of());
    return bare.joinPlan(new Request(ShellSettings.defaults(), project, project, project, project, project, project,
        List.of(), false, false, true, name, null, null));
  }

  /**
   * Whether a path the request's settings bind (rw, ro, write-through) is {@code dir}, holds it or
   * lies in it, as written or as its real path now (a bind follows a symlink).
   */
  public static boolean binds(Request r, Path dir) {
    Path realDir = dir;
    try {
      realDir = dir.toRealPath();
    } catch (IOException e) {
      // absent: as written
    }
    for (String k : List.of("rw", "ro", "write-through")) {
      for (String v : r.settings().strings(k)) {
        Path p = path(v, r, k);
        Path real = p;
        try {
          real = p.toRealPath();
        } catch (IOException e) {
          // absent: as written
        }
        for (Path q : List.of(p, real)) {
          for (Path d : List.of(dir, realDir)) if (d.startsWith(q) || q.startsWith(d)) return true;
        }
      }
    }
    return false;
  }

  /**
   * The real path of every rw, write-through and ro bind, each found through no symbolic link that
   * lies in a tree the sandbox can write: the project and the rw and write-through paths. A
   * sandbox of the project could have left one there ({@code build -> $HOME}) for the next start
   * to bind read-write, at the user's own word ({@code --rw build}); such a path is refused. Links
   * elsewhere (the user's own, where no sandbox writes) are followed. The helper opens each source
   * through no link at all (the {@code realsrc} option), so a link made after this look fails the
   * start instead.
   */
  private static Map<Path, Path> sources(Path project, List<Path> writeThrough, List<Path> rw, List<Path> ro) {
    List<Path> writable = new ArrayList<>(List.of(project));
    Map<Path, Path> real = new LinkedHashMap<>();
    // the rw and write-through trees first, against the project alone; then every path against all of them
    for (int pass = 0; pass < 2; pass++) {
      for (List<Path> l : pass == 0 ? List.of(rw, writeThrough) : List.of(rw, writeThrough, ro)) {
        String key = l == rw ? "rw" : l == ro ? "ro" : "write-through";
        for (Path p : l) real.put(p, throughOwnLinks(p, writable, key));
      }
      if (pass == 0) writable.addAll(real.values());
    }
    return real;
  }

  /**
   * {@code p} (absolute, normalized) resolved one component at a time as the kernel would, but
   * refusing a symbolic link that lies in one of the {@code writable} trees (real paths); its real
   * path, or where a component is absent, the real part and the rest as written.
   */
  static Path throughOwnLinks(Path p, List<Path> writable, String key) {
    Path cur = p.getRoot();
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
    for (Path n : p) todo.add(n.toString());
    int links = 0;
    while (!todo.isEmpty()) {
      String name = todo.pollFirst();
      if (name.isEmpty() || name.equals(".")) continue;
      if (name.equals("..")) {
        if (cur.getParent() != null) cur = cur.getParent();
        continue;
      }
      Path next = cur.resolve(name);
      java.nio.file.attribute.PosixFileAttributes a = dev.jbox.PolicyInputs.lstat(next);
      if (a == null || !a.isSymbolicLink()) {
        cur = next;
        continue;
      }
      for (Path w : writable) {
        if (next.startsWith(w)) {
          throw new JboxException(key + " `" + p + "`: `" + next + "` is a symbolic link in `" + w
              + "`, which sandboxes write; jbox does not follow it (a sandbox could have made it): name the path it points to");
        }
      }
      if (++links > 40) throw new JboxException(key + " `" + p + "`: too many levels of symbolic links");
      Path target;
      try {
        target = Files.readSymbolicLink(next);
      } catch (IOException e) {
        throw new JboxException(key + " `" + p + "`: read the link `" + next + "`: " + e.getMessage());
      }
      try {
        dev.jbox.PolicyInputs.real(next); // where it leads, for the prepared start's KEY
      } catch (IOException e) {
        // noted as an error: a KEY with it is never fresh
      }
      List<String> parts = new ArrayList<>();
      for (Path n : target) parts.add(n.toString());
      for (int i = parts.size() - 1; i >= 0; i--) todo.addFirst(parts.get(i));
      if (target.isAbsolute()) cur = target.getRoot();
    }
    return cur;
  }

  /** Whether an image has {@code path} in one of its layers (top first; a whiteout hides it). */
  static boolean inImage(ImageSpec image, String path) {
    Path rel = Path.of(path.substring(1));
    for (String l : image.lowerDirs()) {
      Path p = Path.of(l).resolve(rel);
      try {
        // a whiteout (the unpacker writes 0/0 character devices) hides what the layers below have
        return !Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther();
      } catch (IOException e) {
        // not in this layer
      }
    }
    return false;
  }

  private String shell() {
    String sh = dev.jbox.PolicyInputs.env(hostEnv, "SHELL");
    return sh != null && sh.startsWith("/") && dev.jbox.PolicyInputs.canExecute(Path.of(sh)) ? sh : "/bin/sh";
  }

  /** The firewall of {@code allow-host}: {nft's path, the ruleset}, or null when nothing is listed. */
  public String[] firewall(ShellSettings s) {
    List<String> allow = s.strings("allow-host");
    if (allow.isEmpty()) return null;
    if (!s.value("network").value().equals("pasta")) throw new JboxException("--allow-host needs the pasta network (the network is " + s.value("network").value() + ")");
    Path nft = Network.find("nft");
    if (nft == null) throw new JboxException("--allow-host: nft not found (install the nftables package)");
    return new String[] {nft.toString(), AllowList.rules(allow, Network.PASTA_DNS)};
  }

  /**
   * The host's environment without the denied names, and what says "this is a sandbox". The
   * host's entries in the order of their names (System.getenv is a hash map: the launcher's join
   * without a JVM, helpers/shell_join.c, writes the same order), the markers last unless the
   * host had them (a LinkedHashMap: put keeps the place).
   */
  List<String> env(ShellSettings s, String name) {
    List<String> deny = s.strings("env-deny");
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(hostEnv).entrySet()) {
      if (e.getKey().startsWith("JBOX_") || denied(deny, e.getKey())) continue;
      env.put(e.getKey(), e.getValue());
    }
    env.put("container", "jbox");
    for (String k : NAMED) env.put(k, named(k, name));
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : env.entrySet()) out.add(e.getKey() + "=" + e.getValue());
    return out;
  }

  /**
   * The plan {@link #build} made, for a sandbox named {@code name} instead: the entries {@link
   * #env} derives from the name, each in its place (the same list {@code env(s, name)} gives).
   */
  public static Plan renamed(Plan p, String name) {
    List<String> env = new ArrayList<>(p.env().size());
    for (String e : p.env()) {
      for (String k : NAMED) if (e.startsWith(k + "=")) e = k + "=" + named(k, name);
      env.add(e);
    }
    return new Plan(p.argv(), env, p.cwd(), p.user(), p.hostname(), p.rootfs(), p.namespaces(), p.idMap(), p.mounts(),
        p.rlimits(), p.capabilities(), p.flags(), p.timeOffsets(), p.networkHelper(), p.overlay(), p.cleanup(), p.removeDir(),
        p.fuse(), p.lockFile(), p.sysctls());
  }

  /**
   * The start template of a project's new sandbox (the prepared start, helpers/prestart.c): the
   * plan {@link #build} made, as it would be for a caller with an empty environment and no
   * command, in the project's root, without a terminal: the environment only the markers (as
   * {@link #joinTemplate}'s), CWD the project, TTY dropped (STDIN stays: a shell is
   * interactive). The caller's parts are filled as a join's are.
   */
  public static Plan startTemplate(Plan p, String name, Path project) {
    DevShell bare = new DevShell(dev.jbox.config.ConfigLoader.builtin(), null, Map.of());
    Set<Plan.Flag> flags = EnumSet.noneOf(Plan.Flag.class);
    flags.addAll(p.flags());
    flags.remove(Plan.Flag.TTY);
    flags.add(Plan.Flag.STDIN);
    return new Plan(List.of("-"), bare.env(ShellSettings.defaults(), name), project.toString(), p.user(), p.hostname(),
        p.rootfs(), p.namespaces(), p.idMap(), p.mounts(), p.rlimits(), p.capabilities(), flags, p.timeOffsets(),
        p.networkHelper(), p.overlay(), p.cleanup(), p.removeDir(), p.fuse(), p.lockFile(), p.sysctls());
  }

  /** The environment entries that carry the sandbox's name (set over the host's). */
  private static final String[] NAMED = {"JBOX_SANDBOX", "debian_chroot", "PS1"};

  private static String named(String key, String name) {
    if (key.equals("JBOX_SANDBOX")) return name;
    // Debian's and Ubuntu's default ~/.bashrc put ($debian_chroot) in front of the prompt; a shell
    // whose rc sets no prompt takes PS1 from the environment
    if (key.equals("debian_chroot")) return "jbox:" + name;
    return "(jbox:" + name + ") \\u@\\h:\\w\\$ ";
  }

  static boolean denied(List<String> patterns, String key) {
    for (String p : patterns) if (ShellSettings.glob(p, key)) return true;
    return false;
  }

  /**
   * A policy path: {@code ~/X} under $HOME, a relative path under the project, an absolute one as
   * given; never with a {@code ..} or {@code .} component (it could point anywhere).
   */
  static Path path(String spec, Request r, String key) {
    for (String part : spec.split("/")) {
      if (part.equals("..") || part.equals(".")) throw new JboxException(key + " `" + spec + "`: a path with `" + part + "` in it is not allowed");
    }
    if (spec.indexOf('\0') >= 0 || spec.indexOf('\n') >= 0) throw new JboxException(key + ": a path with a NUL or newline");
    Path p;
    if (spec.equals("~")) p = r.home();
    else if (spec.startsWith("~/")) p = r.home().resolve(spec.substring(2));
    else if (spec.startsWith("/")) p = Path.of(spec);
    else if (spec.startsWith("~")) throw new JboxException(key + " `" + spec + "`: only ~/ (your own home) is understood");
    else p = r.project().resolve(spec);
    return p.normalize();
  }

  private static Path existing(String spec, Request r, String key) {
    Path p = path(spec, r, key);
    if (!dev.jbox.PolicyInputs.exists(p)) throw new JboxException(key + " `" + spec + "`: `" + p + "` does not exist");
    return p;
  }

  private static String clean(String p) {
    return Path.of(p).normalize().toString();
  }

  private static String hostHostname() {
    String h = EtcFiles.readOrNull(Path.of("/proc/sys/kernel/hostname"));
    return h == null || h.isBlank() ? "jbox" : h.strip();
  }
}
