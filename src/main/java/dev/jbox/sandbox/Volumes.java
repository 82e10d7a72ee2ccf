package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code -v/--volume}, {@code --mount} and {@code --tmpfs} in podman's syntax, as helper ops. A
 * host path must exist (it is never created behind the user's back); the sandbox side is resolved
 * by the helper inside the rootfs, so a symlink there cannot point a mount at the host.
 */
public final class Volumes {
  private Volumes() {}

  /**
   * One {@code -v} spec taken apart: source null for an anonymous volume ({@code -v /path}), a
   * host path when it starts with / or . (as podman tells them), else a volume name; options as
   * given (checked).
   */
  public record VolumeSpec(String source, String target, List<String> options) {
    /** A named or anonymous volume, not a host directory. */
    public boolean isVolume() {
      return source == null || isVolumeName(source);
    }

    public boolean readOnly() {
      return options.contains("ro");
    }

    /** podman's :U: the source's tree is chowned to the sandbox's user (by the helper, in its user namespace). */
    public boolean chown() {
      return options.contains("U");
    }

    /** podman's nocopy: a new volume is not filled from the image. */
    public boolean noCopy() {
      return options.contains("nocopy");
    }
  }

  /** A -v source that names a volume: podman's rule, anything that does not start with / or . */
  public static boolean isVolumeName(String source) {
    return !source.isEmpty() && !source.startsWith("/") && !source.startsWith(".");
  }

  /**
   * {@code HOST:CTR[:OPTS]}, {@code NAME:CTR[:OPTS]} or {@code CTR}, with OPTS among ro, rw, z, Z
   * (the last two accepted, ignored), U (chown to the sandbox's user) and, for a volume, nocopy and copy. Checks everything but the
   * source's existence.
   */
  public static VolumeSpec parseVolume(String spec) {
    String[] f = spec.split(":", -1);
    if (f.length == 1 && f[0].startsWith("/")) {
      return new VolumeSpec(null, target("--volume", spec, f[0]), List.of());
    }
    if (f.length < 2 || f.length > 3 || f[0].isEmpty() || f[1].isEmpty()) {
      throw new JboxException("--volume `" + spec + "`: expected HOST-DIR:CONTAINER-DIR[:OPTIONS], VOLUME:CONTAINER-DIR[:OPTIONS] or CONTAINER-DIR");
    }
    boolean named = isVolumeName(f[0]);
    List<String> opts = new ArrayList<>();
    if (f.length == 3) {
      for (String o : f[2].split(",")) {
        switch (o) {
          case "ro", "rw", "z", "Z", "U" -> opts.add(o);
          case "" -> { }
          case "O" -> {
            if (named) throw new JboxException("--volume `" + spec + "`: O (an overlay) is for a host directory, not a volume");
            opts.add(o);
          }
          case "nocopy", "copy" -> {
            if (!named) throw new JboxException("--volume `" + spec + "`: `" + o + "` is for a named volume, not a host directory");
            opts.add(o);
          }
          default -> {
            if (o.startsWith("upperdir=") || o.startsWith("workdir=")) {
              opts.add(o);
            } else {
              throw new JboxException("--volume `" + spec + "`: unknown option `" + o + "` (ro, rw, U, O, nocopy)");
            }
          }
        }
      }
    }
    String upper = option(opts, "upperdir=");
    String work = option(opts, "workdir=");
    if ((upper != null || work != null) && !opts.contains("O")) throw new JboxException("--volume `" + spec + "`: upperdir= and workdir= go with O");
    if ((upper == null) != (work == null)) throw new JboxException("--volume `" + spec + "`: upperdir= and workdir= go together");
    if (opts.contains("O") && opts.contains("U")) throw new JboxException("--volume `" + spec + "`: O and U exclude each other");
    if (opts.contains("U") && opts.contains("ro")) {
      throw new JboxException("--volume `" + spec + "`: U changes the owners, which a read-only mount cannot: drop ro or U");
    }
    if (named && !isName(f[0])) {
      throw new JboxException("--volume `" + spec + "`: `" + f[0] + "` is not a valid volume name (letters, digits, then also _ . -;"
          + " a host directory starts with / or .)");
    }
    return new VolumeSpec(f[0], target("--volume", spec, f[1]), opts);
  }

  /** The value of the first option that starts with key (e.g. "upperdir="), or null. */
  static String option(List<String> opts, String key) {
    for (String o : opts) if (o.startsWith(key)) return o.substring(key.length());
    return null;
  }

  /** podman's volume name rule: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, at most 255 bytes (written out, dev.jbox.Text). */
  public static boolean isName(String n) {
    if (n == null || n.isEmpty() || n.length() > 255 || !dev.jbox.Text.isAsciiAlnum(n.charAt(0))) return false;
    return dev.jbox.Text.isAlnumOr(n, "_.-");
  }

  /** A {@code -v} of a host directory as a helper op (a volume is resolved to its directory first, by dev.jbox.sandboxes). */
  public static MountOp volume(String spec) {
    VolumeSpec v = parseVolume(spec);
    if (v.isVolume()) {
      throw new JboxException("--volume `" + spec + "`: volumes are for jbox run and jbox create (here a host directory starts with / or .)");
    }
    String host = hostPath("--volume", spec, v.source());
    if (v.options().contains("O")) return overlay(spec, host, v);
    return bind(host, v.target(), v.readOnly(), v.chown());
  }

  /**
   * podman's :O: an overlay whose lower dir is the host directory, so the sandbox may write there
   * while the host's files stay as they are. Its upper and work dirs are upperdir= and workdir=
   * (host directories that keep the changes), else a tmpfs of the sandbox's own that goes with it
   * (the helper's tmpupper word). Overlay's option syntax has no escape: a path with , or : is refused.
   */
  private static MountOp overlay(String spec, String host, VolumeSpec v) {
    String upper = option(v.options(), "upperdir=");
    String work = option(v.options(), "workdir=");
    StringBuilder data = new StringBuilder("|lowerdir=").append(plainPath(spec, host));
    if (upper != null) {
      String u = hostPath("--volume", spec, upper);
      String w = hostPath("--volume", spec, work);
      if (!Files.isDirectory(Path.of(u)) || !Files.isDirectory(Path.of(w))) {
        throw new JboxException("--volume `" + spec + "`: upperdir= and workdir= must be directories");
      }
      data.append(",upperdir=").append(plainPath(spec, u)).append(",workdir=").append(plainPath(spec, w));
    }
    data.append(",userxattr");
    if (!Files.isDirectory(Path.of(host))) throw new JboxException("--volume `" + spec + "`: O needs a directory");
    String words = (v.readOnly() ? "ro," : "") + "nosuid,nodev" + (upper == null ? ",tmpupper" : "");
    return new MountOp("overlay", "", v.target(), words + data);
  }

  private static String plainPath(String spec, String p) {
    if (p.indexOf(',') >= 0 || p.indexOf(':') >= 0) throw new JboxException("--volume `" + spec + "`: O cannot take the path `" + p + "` (a , or : in it)");
    return p;
  }

  /** One {@code --mount} spec taken apart and checked (a bind's source not yet looked up). */
  public record MountSpec(String type, String source, String target, boolean readOnly, boolean noCopy, List<String> tmpfsData,
      boolean chown) {}

  /** {@code type=bind|volume|tmpfs,source=…,target=…[,readonly][,U][,volume-nocopy][,tmpfs-size=…][,tmpfs-mode=…]}. */
  public static MountSpec parseMount(String spec) {
    String type = null;
    String source = null;
    String target = null;
    boolean ro = false;
    boolean noCopy = false;
    boolean chown = false;
    List<String> data = new ArrayList<>();
    for (String kv : spec.split(",")) {
      String[] p = kv.split("=", 2);
      String k = p[0].toLowerCase(Locale.ROOT);
      String v = p.length == 2 ? p[1] : null;
      switch (k) {
        case "type" -> type = v;
        case "source", "src" -> source = v;
        case "target", "destination", "dst" -> target = v;
        case "readonly", "ro" -> ro = v == null || v.equals("true") || v.equals("1");
        case "volume-nocopy", "nocopy" -> noCopy = v == null || v.equals("true") || v.equals("1");
        case "u", "chown" -> chown = v == null || v.equals("true") || v.equals("1");
        case "tmpfs-size" -> data.add("size=" + checkSize(spec, v));
        case "tmpfs-mode" -> data.add("mode=" + checkMode(spec, v));
        default -> throw new JboxException("--mount `" + spec + "`: unknown key `" + k + "`");
      }
    }
    if (!"bind".equals(type) && !"tmpfs".equals(type) && !"volume".equals(type)) {
      throw new JboxException("--mount `" + spec + "`: type must be bind, volume or tmpfs");
    }
    if (target == null) throw new JboxException("--mount `" + spec + "`: target= is required");
    target = target("--mount", spec, target);
    if (chown && "tmpfs".equals(type)) throw new JboxException("--mount `" + spec + "`: U (chown) is for type=bind and type=volume");
    if (chown && ro) throw new JboxException("--mount `" + spec + "`: U changes the owners, which a read-only mount cannot: drop readonly or U");
    if (noCopy && !"volume".equals(type)) throw new JboxException("--mount `" + spec + "`: volume-nocopy is for type=volume");
    if (!data.isEmpty() && !"tmpfs".equals(type)) throw new JboxException("--mount `" + spec + "`: tmpfs-size and tmpfs-mode are for type=tmpfs");
    if ("bind".equals(type) && source == null) throw new JboxException("--mount `" + spec + "`: source= is required for type=bind");
    if ("tmpfs".equals(type) && source != null) throw new JboxException("--mount `" + spec + "`: a tmpfs has no source");
    if ("volume".equals(type) && source != null && !isName(source)) {
      throw new JboxException("--mount `" + spec + "`: `" + source + "` is not a valid volume name (letters, digits, then also _ . -)");
    }
    return new MountSpec(type, source, target, ro, noCopy, data, chown);
  }

  /** A {@code --mount} of type bind or tmpfs as a helper op (a volume is resolved to a bind first, by dev.jbox.sandboxes). */
  public static MountOp mount(String spec) {
    MountSpec m = parseMount(spec);
    if (m.type().equals("volume")) throw new JboxException("--mount `" + spec + "`: volumes are for jbox run and jbox create");
    if (m.type().equals("bind")) return bind(hostPath("--mount", spec, m.source()), m.target(), m.readOnly(), m.chown());
    return tmpfs(m.target(), (m.readOnly() ? "ro," : "") + "nosuid,nodev", m.tmpfsData());
  }

  /** {@code PATH[:size=…,mode=…,noexec,…]}. */
  public static MountOp tmpfs(String spec) {
    int colon = spec.indexOf(':');
    String path = colon < 0 ? spec : spec.substring(0, colon);
    List<String> flags = new ArrayList<>(List.of("nosuid", "nodev"));
    List<String> data = new ArrayList<>();
    if (colon >= 0) {
      for (String o : spec.substring(colon + 1).split(",")) {
        if (o.isEmpty()) continue;
        if (o.startsWith("size=")) data.add("size=" + checkSize(spec, o.substring(5)));
        else if (o.startsWith("mode=")) data.add("mode=" + checkMode(spec, o.substring(5)));
        else if (List.of("ro", "noexec", "nosuid", "nodev").contains(o)) {
          if (!flags.contains(o)) flags.add(o);
        } else if (!List.of("rw", "exec", "suid", "dev").contains(o)) {
          throw new JboxException("--tmpfs `" + spec + "`: unknown option `" + o + "`");
        } else {
          flags.remove("no" + o);
        }
      }
    }
    return tmpfs(target("--tmpfs", spec, path), String.join(",", flags), data);
  }

  private static MountOp tmpfs(String target, String flags, List<String> data) {
    return new MountOp("tmpfs", "", target, flags + (data.isEmpty() ? "" : "|" + String.join(",", data)));
  }

  private static MountOp bind(String host, String target, boolean ro, boolean chown) {
    return new MountOp("bind", host, target, (ro ? "rec,ro" : "rec") + (chown ? ",chown" : ""));
  }

  private static String hostPath(String flag, String spec, String p) {
    Path path = Path.of(p);
    if (!path.isAbsolute()) path = Path.of(System.getProperty("user.dir")).resolve(path);
    if (!Files.exists(path)) throw new JboxException(flag + " `" + spec + "`: host path `" + p + "` does not exist");
    try {
      return path.toRealPath().toString();
    } catch (IOException e) {
      throw new JboxException(flag + " `" + spec + "`: " + e.getMessage());
    }
  }

  private static String target(String flag, String spec, String t) {
    if (!t.startsWith("/")) throw new JboxException(flag + " `" + spec + "`: the sandbox path `" + t + "` must be absolute");
    String norm = clean(t);
    if (norm.equals("/")) throw new JboxException(flag + " `" + spec + "`: cannot mount over /");
    if (isKernelFs(norm)) {
      throw new JboxException(flag + " `" + spec + "`: cannot mount on `" + norm + "`: /proc and /sys belong to the"
          + " sandbox's kernel filesystems (a mount there could forge what the kernel reports, CVE-2019-16884)");
    }
    return norm;
  }

  /**
   * An absolute path cleaned lexically as podman's filepath.Clean does: "//" and "." dropped, ".."
   * takes off one component (never above /), no trailing "/". Written out, no regex (dev.jbox.Text).
   */
  static String clean(String abs) {
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (i < abs.length()) {
      int j = abs.indexOf('/', i);
      if (j < 0) j = abs.length();
      String c = abs.substring(i, j);
      if (c.equals("..")) {
        if (!parts.isEmpty()) parts.remove(parts.size() - 1);
      } else if (!c.isEmpty() && !c.equals(".")) {
        parts.add(c);
      }
      i = j + 1;
    }
    return "/" + String.join("/", parts);
  }

  /**
   * /proc, /sys and anything below them (normalised: no "//", ".", ".." or trailing "/"). podman
   * refuses these too: a bind over /proc/sys/kernel, say, forges cap_last_cap and friends for
   * every process that reads them inside the sandbox.
   */
  static boolean isKernelFs(String norm) {
    for (String top : new String[] {"/proc", "/sys"}) {
      if (norm.equals(top) || norm.startsWith(top + "/")) return true;
    }
    return false;
  }

  /** {@code \\d+[kKmMgG%]?} (ASCII digits), written out like every check on the run path. */
  static boolean isSize(String v) {
    int n = v.length();
    if (n > 0 && "kKmMgG%".indexOf(v.charAt(n - 1)) >= 0) n--;
    if (n == 0) return false;
    for (int i = 0; i < n; i++) if (v.charAt(i) < '0' || v.charAt(i) > '9') return false;
    return true;
  }

  /** {@code [0-7]{3,4}} */
  static boolean isMode(String v) {
    if (v.length() < 3 || v.length() > 4) return false;
    for (int i = 0; i < v.length(); i++) if (v.charAt(i) < '0' || v.charAt(i) > '7') return false;
    return true;
  }

  private static String checkSize(String spec, String v) {
    if (v == null || !isSize(v)) throw new JboxException("`" + spec + "`: bad size `" + v + "` (e.g. 64m)");
    return v;
  }

  private static String checkMode(String spec, String v) {
    if (v == null || !isMode(v)) throw new JboxException("`" + spec + "`: bad mode `" + v + "` (octal, e.g. 1777)");
    return v;
  }
}
