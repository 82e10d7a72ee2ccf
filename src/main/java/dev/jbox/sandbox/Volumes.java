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

  /** {@code HOST:CTR[:OPTS]} with OPTS among ro, rw, z, Z (the last two accepted, ignored). */
  public static MountOp volume(String spec) {
    String[] f = spec.split(":", -1);
    if (f.length < 2 || f.length > 3 || f[0].isEmpty() || f[1].isEmpty()) {
      throw new JboxException("--volume `" + spec + "`: expected HOST-DIR:CONTAINER-DIR[:ro|rw]");
    }
    boolean ro = false;
    if (f.length == 3) {
      for (String o : f[2].split(",")) {
        switch (o) {
          case "ro" -> ro = true;
          case "rw", "z", "Z", "" -> { }
          default -> throw new JboxException("--volume `" + spec + "`: unknown option `" + o + "` (ro, rw)");
        }
      }
    }
    return bind(hostPath("--volume", spec, f[0]), target("--volume", spec, f[1]), ro);
  }

  /** {@code type=bind|tmpfs,source=…,target=…[,readonly][,tmpfs-size=…][,tmpfs-mode=…]}. */
  public static MountOp mount(String spec) {
    String type = null;
    String source = null;
    String target = null;
    boolean ro = false;
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
        case "tmpfs-size" -> data.add("size=" + checkSize(spec, v));
        case "tmpfs-mode" -> data.add("mode=" + checkMode(spec, v));
        default -> throw new JboxException("--mount `" + spec + "`: unknown key `" + k + "`");
      }
    }
    if (!"bind".equals(type) && !"tmpfs".equals(type)) throw new JboxException("--mount `" + spec + "`: type must be bind or tmpfs");
    if (target == null) throw new JboxException("--mount `" + spec + "`: target= is required");
    if ("bind".equals(type)) {
      if (source == null) throw new JboxException("--mount `" + spec + "`: source= is required for type=bind");
      return bind(hostPath("--mount", spec, source), target("--mount", spec, target), ro);
    }
    if (source != null) throw new JboxException("--mount `" + spec + "`: a tmpfs has no source");
    return tmpfs(target("--mount", spec, target), (ro ? "ro," : "") + "nosuid,nodev", data);
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

  private static MountOp bind(String host, String target, boolean ro) {
    return new MountOp("bind", host, target, ro ? "rec,ro" : "rec");
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
