package dev.jbox.cli;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code jbox run}, parsed by hand from one table: picocli's own start-up would
 * cost more than all of the rest of {@code run} (helpers/PROTOCOL.md, "Start-up"). The same table
 * prints the help, and a test checks it against man/jbox-run.1.
 */
final class RunOptions {
  /** One option: names, whether it takes a value, whether it repeats, and its help line. */
  record Opt(String longName, String shortName, String valueLabel, boolean repeats, String help) {
    boolean takesValue() {
      return valueLabel != null;
    }
  }

  static final List<Opt> TABLE = List.of(
      new Opt("rootfs", null, "DIR", false, "use DIR as the root filesystem instead of an IMAGE"),
      new Opt("rm", null, null, false, "discard the sandbox's writable layer when it ends"),
      new Opt("replace", null, null, false, "with --name: remove a sandbox of that name first (as rm -f)"),
      new Opt("pull", null, "POLICY", false, "missing (default), always, never or newer"),
      new Opt("entrypoint", null, "CMD", false, "replace the image's Entrypoint (and drop its Cmd)"),
      new Opt("storage-driver", null, "DRIVER", false, "image root: overlay (native, fuse-overlayfs as fallback) or fuse-overlayfs"),
      new Opt("env", "e", "KEY=VALUE", true, "set an environment variable (KEY alone: take it from jbox's environment)"),
      new Opt("env-file", null, "FILE", true, "read KEY=VALUE lines from FILE"),
      new Opt("workdir", "w", "DIR", false, "working directory inside the sandbox (created if missing)"),
      new Opt("user", "u", "USER[:GROUP]", false, "run as a name from the sandbox's /etc/passwd, or uid[:gid]"),
      new Opt("hostname", "h", "NAME", false, "the sandbox's hostname (default: its id)"),
      new Opt("ulimit", null, "NAME=SOFT[:HARD]", true, "a resource limit, e.g. nofile=1024:2048"),
      new Opt("cap-add", null, "CAP", true, "add a capability (or all)"),
      new Opt("cap-drop", null, "CAP", true, "drop a capability (or all)"),
      new Opt("security-opt", null, "OPT", true, "seccomp=unconfined, no-new-privileges[=false]"),
      new Opt("init", null, null, false, "run a minimal init as pid 1 that forwards signals and reaps orphans"),
      new Opt("preserve-fds", null, "N", false, "pass the caller's descriptors 3..3+N-1 to the command (every other one above 2 is closed)"),
      new Opt("tty", "t", null, false, "give the sandbox a terminal of its own"),
      new Opt("interactive", "i", null, false, "keep stdin open"),
      new Opt("read-only", null, null, false, "mount the root filesystem read-only"),
      new Opt("read-only-tmpfs", null, null, false, "with --read-only, tmpfs on /tmp, /var/tmp and /run (default; =false: none)"),
      new Opt("uidmap", null, "CTR:HOST:SIZE", true, "explicit uid map (HOST 0 is you, 1.. your subordinate ids)"),
      new Opt("gidmap", null, "CTR:HOST:SIZE", true, "explicit gid map, as --uidmap"),
      new Opt("userns", null, "keep-id[:uid=U,gid=G]", false, "your own uid and gid inside (or U and G), subordinate ids around them; runs as them"),
      new Opt("pid", null, "MODE", false, "pid namespace: private, host or ns:PATH"),
      new Opt("network", null, "MODE", false, "network: pasta (default when installed), slirp4netns, none (loopback only), host or ns:PATH"),
      new Opt("publish", "p", "[IP:]HOST:CTR[/udp]", true, "publish a sandbox port on the host (pasta)"),
      new Opt("dns", null, "IP", true, "nameserver for the sandbox's /etc/resolv.conf (instead of the network's own)"),
      new Opt("ipc", null, "MODE", false, "ipc namespace: private, host or ns:PATH"),
      new Opt("uts", null, "MODE", false, "uts namespace: private, host or ns:PATH"),
      new Opt("cgroupns", null, "MODE", false, "cgroup namespace: private, host or ns:PATH"),
      new Opt("sysctl", null, "KEY=VALUE", true, "a kernel parameter of the sandbox's own namespaces (net.*, IPC keys)"),
      new Opt("timens", null, "OFFSETS", false, "clock offsets: monotonic=SECONDS,boottime=SECONDS (or host)"),
      new Opt("volume", "v", "SRC:CTR[:OPTS]", true, "bind a host path (/ or . first, must exist), a named volume NAME:CTR, or a new anonymous volume CTR"),
      new Opt("mount", null, "type=bind|volume|tmpfs,...", true, "a bind, volume or tmpfs mount, podman's --mount syntax"),
      new Opt("tmpfs", null, "PATH[:OPTS]", true, "a tmpfs at PATH (options size=, mode=, ro, noexec)"),
      new Opt("help", null, null, false, "show this help (-h is --hostname, as in podman)"),
      new Opt("detach", "d", null, false, "run in the background: print the sandbox's id and exit once it runs"),
      new Opt("restart", null, "POLICY", false, "with -d: no (default), on-failure[:N], always or unless-stopped; the monitor runs it again"),
      new Opt("name", null, "NAME", false, "name the sandbox (with -d or an IMAGE; unique, [a-zA-Z0-9][a-zA-Z0-9_.-]*)"));

  private static final Map<String, String> ALIASES = Map.of("net", "network");

  /** Parsed values by long name; repeating options keep every value in order. */
  final Map<String, List<String>> values = new LinkedHashMap<>();
  final List<String> command = new ArrayList<>();

  static RunOptions parse(String[] args) {
    return parse(args, TABLE, "run");
  }

  /** Parses {@code args} against {@code table}; errors name {@code command} (run, shell). */
  static RunOptions parse(String[] args, List<Opt> table, String command) {
    RunOptions o = new RunOptions();
    int i = 0;
    while (i < args.length) {
      String a = args[i];
      if (a.equals("--")) {
        i++;
        break;
      }
      if (!a.startsWith("-") || a.equals("-")) break;
      if (a.startsWith("--")) {
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        name = ALIASES.getOrDefault(name, name);
        Opt opt = byLong(table, name);
        if (opt == null) throw new JboxException(command + ": unknown option `--" + name + "` (see jbox " + command + " --help)");
        if (opt.takesValue() && value == null) {
          // "--" ends the options: never a value (as picocli has it; ParsersDifferentialTest)
          if (++i >= args.length || args[i].equals("--")) throw new JboxException(command + ": `--" + name + "` needs a value " + opt.valueLabel());
          value = args[i];
        } else if (!opt.takesValue() && value != null) {
          if (!value.equals("true") && !value.equals("false")) {
            throw new JboxException(command + ": `--" + name + "` takes no value");
          }
          if (value.equals("false")) {
            o.values.put(name, new ArrayList<>(List.of("false"))); // given false: see flag and bool
            i++;
            continue;
          }
        }
        o.put(opt, value);
        i++;
        continue;
      }
      // Short options: flags may be bundled (-it); one taking a value ends the bundle (-ePATH=x, -e=PATH=x).
      for (int k = 1; k < a.length(); k++) {
        String s = a.substring(k, k + 1);
        Opt opt = byShort(table, s);
        if (opt == null) throw new JboxException(command + ": unknown option `-" + s + "` (see jbox " + command + " --help)");
        if (!opt.takesValue()) {
          o.put(opt, null);
          continue;
        }
        String value = a.substring(k + 1);
        if (value.startsWith("=")) {
          value = value.substring(1); // -e=K=V is K=V, as in podman and picocli
        } else if (value.isEmpty()) {
          if (++i >= args.length || args[i].equals("--")) throw new JboxException(command + ": `-" + s + "` needs a value " + opt.valueLabel());
          value = args[i];
        }
        o.put(opt, value);
        break;
      }
      i++;
    }
    for (; i < args.length; i++) o.command.add(args[i]);
    return o;
  }

  private void put(Opt opt, String value) {
    List<String> l = values.get(opt.longName()); // no lambda on the run path (dev.jbox.Text)
    if (l == null) values.put(opt.longName(), l = new ArrayList<>());
    if (!opt.repeats()) l.clear();
    l.add(value == null ? "true" : value);
  }

  private static Opt byLong(List<Opt> table, String n) {
    for (Opt o : table) if (o.longName().equals(n)) return o;
    return null;
  }

  private static Opt byShort(List<Opt> table, String n) {
    for (Opt o : table) if (n.equals(o.shortName())) return o;
    return null;
  }

  boolean flag(String name) {
    return values.containsKey(name) && !"false".equals(value(name));
  }

  /** A flag that defaults to on: null when not given, else whether it was not given as =false. */
  Boolean bool(String name) {
    return values.containsKey(name) ? !"false".equals(value(name)) : null;
  }

  String value(String name) {
    List<String> l = values.get(name);
    return l == null ? null : l.get(l.size() - 1);
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  /** One help line per option of {@code table}. */
  static String describe(List<Opt> table) {
    StringBuilder b = new StringBuilder();
    for (Opt o : table) {
      String names = (o.shortName() != null ? "-" + o.shortName() + ", " : "    ") + "--" + o.longName()
          + (o.takesValue() ? " " + o.valueLabel() : "");
      b.append(String.format("  %-34s %s%n", names, o.help()));
    }
    return b.toString();
  }

  static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: jbox run [OPTIONS] IMAGE [COMMAND [ARG...]]\n       jbox run [OPTIONS] --rootfs DIR COMMAND [ARG...]\n\n");
    b.append("Run COMMAND in a new rootless sandbox.\n\nOptions:\n");
    b.append(describe(TABLE));
    b.append("\nExit status: the command's own; 125 when jbox fails, 126 when the command cannot be\n"
        + "invoked, 127 when it is not found, 128+N when it is killed by signal N.\n");
    return b.toString();
  }
}
