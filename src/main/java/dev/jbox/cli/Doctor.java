package dev.jbox.cli;

import dev.jbox.helper.HelperBinary;
import dev.jbox.sandbox.idmap.SubIds;
import dev.jbox.sys.FsCalls;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The checks of {@code jbox doctor}: everything a rootless sandbox needs from the machine, each
 * with what is wrong and the command that fixes it. Every check reads the same thing the run path
 * uses (newuidmap is looked up on PATH, as the helper execs it; subordinate ids from /etc/subuid
 * and /etc/subgid by name or uid; the storage directory jbox would open), and one check creates a
 * user namespace through the helper, as {@code run} does.
 */
final class Doctor {
  /** OK: fine; INFO: worth knowing; WARN: some feature will not work; FAIL: no sandbox can run. */
  enum Status { OK, INFO, WARN, FAIL }

  /** One finding: what was checked, its status, what was found, and the fix (empty when none). */
  record Check(String name, Status status, String message, String fix) {}

  private final List<Check> checks = new ArrayList<>();
  private final Map<String, String> env;
  private final String user;
  private final long uid;
  private final long gid;

  Doctor(Map<String, String> env, String user, long uid, long gid) {
    this.env = env;
    this.user = user;
    this.uid = uid;
    this.gid = gid;
  }

  List<Check> checks() {
    return checks;
  }

  boolean blocked() {
    for (Check c : checks) if (c.status() == Status.FAIL) return true;
    return false;
  }

  private void add(String name, Status s, String message, String fix) {
    checks.add(new Check(name, s, message, fix));
  }

  /** Runs every check, in the order a sandbox needs them. */
  Doctor runAll() {
    idTools();
    subIds();
    sysctls();
    appArmor();
    userNamespace();
    devices();
    network();
    overlay();
    runtimeDir();
    storage();
    cds();
    isal();
    unpack();
    cgroups();
    return this;
  }

  /** The first executable {@code tool} on PATH (what execvp finds), or null. */
  Path onPath(String tool) {
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String d : path.split(":")) {
      if (d.isEmpty()) continue;
      File f = new File(d, tool);
      if (f.isFile() && f.canExecute()) return f.toPath();
    }
    return null;
  }

  private static final List<String> WELL_KNOWN = List.of("/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin");

  void idTools() {
    for (String tool : List.of("newuidmap", "newgidmap")) {
      Path p = onPath(tool);
      if (p == null) {
        String elsewhere = "";
        for (String d : WELL_KNOWN) {
          if (new File(d, tool).canExecute()) elsewhere = " (" + d + "/" + tool + " exists but " + d + " is not on PATH)";
        }
        add(tool, Status.FAIL, tool + " not found on PATH" + elsewhere
            + ": sandboxes get a single-id map and cannot change user",
            "sudo apt install uidmap   (Fedora: sudo dnf install shadow-utils)");
        continue;
      }
      try {
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        int owner = (Integer) Files.getAttribute(p, "unix:uid");
        boolean setuid = (mode & 04000) != 0 && owner == 0;
        boolean caps = !setuid && FsCalls.hasXattr(p.toRealPath(), "security.capability");
        if (setuid || caps) {
          add(tool, Status.OK, p + (setuid ? " is setuid root" : " has file capabilities"), "");
        } else {
          add(tool, Status.FAIL, p + " is neither setuid root nor has file capabilities: it cannot write id maps",
              "sudo chmod u+s " + p.toRealPath() + "   (or: sudo setcap cap_setuid+ep " + p.toRealPath() + ")");
        }
      } catch (IOException e) {
        add(tool, Status.FAIL, p + ": " + e.getMessage(), "sudo apt install --reinstall uidmap");
      }
    }
  }

  void subIds() {
    if (uid == 0) {
      add("subordinate ids", Status.INFO, "running as root: sandboxes map ids directly", "");
      return;
    }
    List<SubIds.Range> u = SubIds.read(Path.of("/etc/subuid"), user, uid);
    List<SubIds.Range> g = SubIds.read(Path.of("/etc/subgid"), user, gid);
    String fix = "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + user;
    if (u.isEmpty() || g.isEmpty()) {
      String which = u.isEmpty() && g.isEmpty() ? "/etc/subuid and /etc/subgid" : u.isEmpty() ? "/etc/subuid" : "/etc/subgid";
      add("subordinate ids", Status.FAIL, "no range for " + user + " in " + which
          + ": sandboxes get a single-id map (only root inside) and most images cannot be unpacked", fix);
      return;
    }
    long nu = 0, ng = 0;
    for (SubIds.Range r : u) nu += r.count();
    for (SubIds.Range r : g) ng += r.count();
    if (nu < 65536 || ng < 65536) {
      add("subordinate ids", Status.WARN, user + " has " + nu + " subordinate uids and " + ng
          + " gids; images with ids above that cannot be unpacked", fix);
    } else {
      add("subordinate ids", Status.OK, nu + " uids and " + ng + " gids for " + user, "");
    }
  }

  private static String read(String path) {
    // a stream read to EOF: Files.readString trusts the size procfs reports and read one byte of
    // /proc/sys/user/max_user_namespaces
    try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  void sysctls() {
    String max = read("/proc/sys/user/max_user_namespaces");
    if (max != null && max.equals("0")) {
      add("user.max_user_namespaces", Status.FAIL, "user.max_user_namespaces is 0: no user namespace can be created",
          "sudo sysctl -w user.max_user_namespaces=28633 && echo user.max_user_namespaces=28633 | sudo tee /etc/sysctl.d/50-jbox.conf");
    } else if (max != null) {
      add("user.max_user_namespaces", Status.OK, "user.max_user_namespaces = " + max, "");
    }
    String clone = read("/proc/sys/kernel/unprivileged_userns_clone");
    if (clone != null && clone.equals("0")) {
      add("kernel.unprivileged_userns_clone", Status.FAIL,
          "kernel.unprivileged_userns_clone is 0: unprivileged users may not create user namespaces",
          "sudo sysctl -w kernel.unprivileged_userns_clone=1 && echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/50-jbox-userns.conf");
    } else if (clone != null) {
      add("kernel.unprivileged_userns_clone", Status.OK, "kernel.unprivileged_userns_clone = " + clone, "");
    }
  }

  void appArmor() {
    String restrict = read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    if (restrict == null || !restrict.equals("1")) return;
    String profiles = read("/sys/kernel/security/apparmor/profiles");
    boolean loaded = profiles != null && (profiles.startsWith("jbox ") || profiles.contains("\njbox "));
    if (loaded) {
      add("AppArmor", Status.OK, "user namespaces are restricted by AppArmor and jbox's profile is loaded", "");
    } else {
      add("AppArmor", Status.FAIL, "kernel.apparmor_restrict_unprivileged_userns is 1 and jbox's AppArmor profile is "
          + (profiles == null ? "not known to be loaded" : "not loaded") + ": user namespaces get no capabilities",
          "sudo /usr/lib/jbox/apparmor-setup install   (installs and loads /usr/share/jbox/apparmor/jbox)");
    }
  }

  /** Creates a user namespace through the helper, as {@code run} does (single-id map, no newuidmap). */
  void userNamespace() {
    Path helper;
    try {
      helper = HelperBinary.locate();
    } catch (RuntimeException e) {
      add("user namespace", Status.FAIL, e.getMessage(), "sudo apt install --reinstall jbox");
      return;
    }
    List<String> cmd = List.of(helper.toString(), "unshare", "--direct", "--uidmap", "0 " + uid + " 1",
        "--gidmap", "0 " + gid + " 1", "--", "/bin/true");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
      if (p.exitValue() == 0) {
        add("user namespace", Status.OK, "a user namespace was created", "");
      } else {
        boolean known = false;
        for (Check c : checks) known |= c.status() == Status.FAIL && (c.name().startsWith("user.") || c.name().startsWith("kernel.") || c.name().equals("AppArmor"));
        add("user namespace", Status.FAIL, "creating a user namespace failed: " + out.replace('\n', ' '),
            known ? "see the fix above" : "check dmesg and your security modules (SELinux, AppArmor, seccomp of a container)");
      }
    } catch (IOException | InterruptedException e) {
      add("user namespace", Status.FAIL, "could not start " + helper + ": " + e.getMessage(), "sudo apt install --reinstall jbox");
    }
  }

  void devices() {
    device("/dev/net/tun", "pasta and slirp4netns need it for --network=pasta|slirp4netns");
    device("/dev/fuse", "fuse-overlayfs needs it for --storage-driver=fuse-overlayfs");
  }

  private void device(String dev, String why) {
    File f = new File(dev);
    if (!f.exists()) {
      add(dev, Status.WARN, dev + " is missing: " + why, dev.equals("/dev/fuse") ? "sudo modprobe fuse" : "sudo modprobe tun");
    } else if (!f.canRead() || !f.canWrite()) {
      add(dev, Status.WARN, dev + " is not readable and writable by " + user + ": " + why, "sudo chmod 0666 " + dev);
    } else {
      add(dev, Status.OK, dev + " is usable", "");
    }
  }

  void network() {
    Path pasta = onPath("pasta");
    Path slirp = onPath("slirp4netns");
    if (pasta == null && slirp == null) {
      add("network", Status.WARN, "neither pasta nor slirp4netns is on PATH: only --network=none|host work",
          "sudo apt install passt   (Fedora: sudo dnf install passt)");
    } else {
      add("network", Status.OK, pasta != null ? "pasta: " + pasta : "slirp4netns: " + slirp + " (pasta is the default; install passt)", "");
    }
  }

  /** Native overlay in a user namespace needs Linux 5.11; fuse-overlayfs is the fallback. */
  void overlay() {
    String rel = System.getProperty("os.version", "0.0");
    int[] v = version(rel);
    boolean nativeOk = v[0] > 5 || (v[0] == 5 && v[1] >= 11);
    Path fuse = onPath("fuse-overlayfs");
    if (nativeOk) {
      add("overlay", Status.OK, "Linux " + rel + " mounts overlay in a user namespace" + (fuse != null ? "; fuse-overlayfs is also there" : ""), "");
    } else if (fuse != null) {
      add("overlay", Status.OK, "Linux " + rel + " is older than 5.11: images use fuse-overlayfs (" + fuse + ")", "");
    } else {
      add("overlay", Status.WARN, "Linux " + rel + " cannot mount overlay in a user namespace (5.11 or later can) and fuse-overlayfs is missing: only --rootfs works",
          "sudo apt install fuse-overlayfs");
    }
  }

  static int[] version(String rel) {
    int[] v = new int[2];
    int i = 0;
    for (int k = 0; k < 2; k++) {
      int n = 0;
      while (i < rel.length() && Character.isDigit(rel.charAt(i))) n = n * 10 + (rel.charAt(i++) - '0');
      v[k] = n;
      if (i < rel.length() && rel.charAt(i) == '.') i++;
    }
    return v;
  }

  void runtimeDir() {
    String x = env.get("XDG_RUNTIME_DIR");
    if (x == null || x.isEmpty()) {
      add("XDG_RUNTIME_DIR", Status.WARN, "XDG_RUNTIME_DIR is unset: sandbox state goes to /tmp/jbox-run-" + uid
          + " (log in through a session manager, or enable lingering)", "sudo loginctl enable-linger " + user);
      return;
    }
    Path p = Path.of(x);
    try {
      if (!Files.isDirectory(p)) {
        add("XDG_RUNTIME_DIR", Status.WARN, "XDG_RUNTIME_DIR=" + x + " is not a directory", "sudo loginctl enable-linger " + user);
      } else if ((Integer) Files.getAttribute(p, "unix:uid") != uid || !Files.isWritable(p)) {
        add("XDG_RUNTIME_DIR", Status.WARN, "XDG_RUNTIME_DIR=" + x + " is not " + user + "'s own writable directory",
            "unset XDG_RUNTIME_DIR   (and log in through a session manager)");
      } else {
        add("XDG_RUNTIME_DIR", Status.OK, x, "");
      }
    } catch (IOException e) {
      add("XDG_RUNTIME_DIR", Status.WARN, x + ": " + e.getMessage(), "");
    }
  }

  void storage() {
    Path root = dev.jbox.image.store.ImageStore.defaultRoot();
    Path p = root;
    while (p != null && !Files.exists(p)) p = p.getParent();
    if (p == null) return;
    try {
      FileStore fs = Files.getFileStore(p);
      String type = fs.type();
      String fix = "set JBOX_STORAGE (or storage in ~/.config/jbox/jbox.toml) to a directory on a local disk";
      if (type.startsWith("nfs") || type.equals("cifs") || type.equals("smb3")) {
        add("storage", Status.WARN, root + " is on " + type + ": subordinate-id owners and overlay do not work there", fix);
      } else if (!fs.supportsFileAttributeView("user")) {
        add("storage", Status.WARN, root + " is on " + type + " without extended attributes: layers lose their file capabilities", fix);
      } else {
        add("storage", Status.OK, root + " (" + type + ")", "");
      }
    } catch (IOException e) {
      add("storage", Status.WARN, root + ": " + e.getMessage(), "");
    }
  }

  /**
   * ISA-L's inflate for pulls (helpers/isal): without the shim, or without libisal.so.2 behind it,
   * a pull inflates its gzip layers with the JDK's zlib, which works but costs about four times
   * the CPU; pull says nothing about it, so doctor does.
   */
  void isal() {
    Path lib = dev.jbox.image.unpack.LayerExtractor.isalLibrary();
    String slower = "pulls inflate gzip layers with the JDK's zlib (about four times the CPU of ISA-L)";
    if (lib == null) {
      add("ISA-L", Status.INFO, "JBOX_ISAL=0: " + slower, "");
    } else if (!Files.isRegularFile(lib)) {
      add("ISA-L", Status.WARN, lib + " is missing: " + slower,
          "install a jbox package built with ISA-L (the .deb and .rpm ship " + lib.getFileName() + "; a source build needs libisal-dev)");
    } else if (!dev.jbox.sys.IsalGzipInputStream.load(lib)) {
      add("ISA-L", Status.WARN, lib + " does not load (is libisal.so.2 installed?): " + slower,
          "sudo apt install libisal2   (Fedora: sudo dnf install isa-l)");
    } else {
      add("ISA-L", Status.OK, "pulls inflate gzip layers with ISA-L (" + lib + ")", "");
    }
  }

  /**
   * jbox-unpack (helpers/unpack): a pull's layers without the JVM. Missing, or without libisal.so.2
   * and libcrypto.so.3 to start with, a pull unpacks in the JVM, which works but costs about a
   * third more CPU; pull says nothing about it, so doctor does. It is started with no arguments:
   * its usage (exit 2) says it runs.
   */
  void unpack() {
    Path p = dev.jbox.image.unpack.NativeUnpack.location();
    String slower = "pulls unpack layers in the JVM (about a third more CPU)";
    if (p == null) {
      add("unpacker", Status.INFO, "JBOX_UNPACK=0: " + slower, "");
      return;
    }
    if (dev.jbox.image.unpack.NativeUnpack.binary() == null) {
      add("unpacker", Status.WARN, p + " is missing: " + slower,
          "install a jbox package built with it (the .deb and .rpm ship jbox-unpack; a source build needs libisal-dev and libssl-dev)");
      return;
    }
    int status;
    try {
      Process proc = new ProcessBuilder(p.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      proc.getOutputStream().close();
      status = proc.waitFor();
    } catch (IOException e) {
      status = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (status == 2) {
      add("unpacker", Status.OK, "pulls unpack gzip and plain layers with " + p, "");
    } else {
      add("unpacker", Status.WARN, p + " does not start (status " + status + "; are libisal.so.2 and libcrypto.so.3 installed?): " + slower,
          "sudo apt install libisal2 libssl3   (Fedora: sudo dnf install isa-l openssl-libs)");
    }
  }

  void cds() {
    Cds.State s = Cds.state(env);
    if (s == null) return; // not started from a jar (a development classpath)
    switch (s.kind()) {
      case MATCH -> add("CDS archive", Status.OK, s.archive() + " matches " + s.jvm(), "");
      case MISSING -> add("CDS archive", Status.WARN, "no start-up archive for this JVM (" + s.jvm() + "): every command starts about 20 ms slower",
          s.systemWide() ? "sudo jbox system cds" : "jbox system cds");
      case STALE -> add("CDS archive", Status.WARN, s.archive() + " was made by another JVM: jbox runs without it (about 20 ms slower) until it is made again",
          s.systemWide() ? "sudo jbox system cds" : "jbox system cds");
    }
  }

  /** Delegated cgroup v2 controllers: informational (jbox sets no cgroup limits yet). */
  void cgroups() {
    String self = read("/proc/self/cgroup");
    if (self == null || !self.startsWith("0::")) {
      add("cgroups", Status.INFO, "not on a unified cgroup v2 hierarchy", "");
      return;
    }
    String rel = self.substring(3).split("\n")[0];
    String ctl = read("/sys/fs/cgroup" + rel + "/cgroup.controllers");
    add("cgroups", Status.INFO, "cgroup v2 controllers delegated to " + rel + ": " + (ctl == null || ctl.isEmpty() ? "none" : ctl), "");
  }
}
