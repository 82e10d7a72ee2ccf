package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named and anonymous volumes, as podman's local driver keeps them: {@code
 * <storage>/volumes/NAME/_data} is what sandboxes mount, {@code <storage>/volumes/NAME/volume.json}
 * what jbox knows of it (created, labels, anonymous, whether the image's content is still to be
 * copied up), {@code copyup.lock} the lock a copy-up holds. The storage root is the image store's, 0700 ({@link dev.jbox.PrivateDirs}); the
 * volumes directory is 0700 too. Files a sandbox writes belong to its subordinate ids: removal goes
 * through the user-namespace deleter ({@link SandboxService#removeVolumes}).
 */
public final class VolumeStore {
  static final String META = "volume.json";
  static final String DATA = "_data";
  /** Held (fcntl) while a run copies the image's content into the volume. */
  static final String LOCK = "copyup.lock";

  private final Path root;

  /**
   * One volume: its name, directory and what volume.json holds; options are podman's local-driver
   * options ({@code volume create -o}): {@code type}, {@code device}, {@code o}.
   */
  public record Volume(String name, Path dir, long created, Map<String, String> labels, boolean anonymous, boolean copyUp,
      Map<String, String> options) {
    public Volume {
      labels = new TreeMap<>(labels);
      options = new TreeMap<>(options);
    }

    public Volume(String name, Path dir, long created, Map<String, String> labels, boolean anonymous, boolean copyUp) {
      this(name, dir, created, labels, anonymous, copyUp, Map.of());
    }

    /** A tmpfs of the sandbox's own at each mount (-o type=tmpfs): nothing is kept. */
    public boolean tmpfs() {
      return "tmpfs".equals(options.get("type"));
    }

    /** The host directory mounted in place of _data (-o o=bind -o device=DIR), or null. */
    public String device() {
      return tmpfs() ? null : options.get("device");
    }

    /** The tmpfs's --mount options (tmpfs-size=, tmpfs-mode=) from o=. */
    public String tmpfsOptions() {
      StringBuilder sb = new StringBuilder();
      String o = options.getOrDefault("o", "");
      for (String part : o.split(",")) {
        if (part.startsWith("size=")) sb.append(",tmpfs-size=").append(part.substring(5));
        else if (part.startsWith("mode=")) sb.append(",tmpfs-mode=").append(part.substring(5));
      }
      return sb.toString();
    }

    /** Whether o= asks for a read-only mount. */
    public boolean readOnlyOption() {
      return List.of(options.getOrDefault("o", "").split(",")).contains("ro");
    }

    /** The directory sandboxes mount. */
    public Path data() {
      return dir.resolve(DATA);
    }

    /** podman's CreatedAt: RFC 3339 with the local offset. */
    public String createdAt() {
      return dev.jbox.Rfc3339.local(created);
    }
  }

  private VolumeStore(Path root) {
    this.root = root;
  }

  /** The volumes of the storage root that holds {@code containers} (nothing is created yet). */
  public static VolumeStore of(SandboxStore store) {
    return new VolumeStore(store.containersDir().getParent().resolve("volumes"));
  }

  /** The volumes directory of the default storage root ($JBOX_STORAGE, the configuration, $XDG_DATA_HOME). */
  static Path defaultRoot() {
    return dev.jbox.image.store.ImageStore.defaultRoot().resolve("volumes");
  }

  /** The volumes directory. */
  public Path root() {
    return root;
  }

  /** podman's volume name rule ({@link dev.jbox.sandbox.Volumes#isName}). */
  public static boolean validName(String n) {
    return dev.jbox.sandbox.Volumes.isName(n);
  }

  static String checkName(String what, String n) {
    if (!validName(n)) {
      throw new JboxException(what + ": `" + n + "` is not a valid volume name (letters, digits, then also _ . -)");
    }
    return n;
  }

  /** A new anonymous volume's name: 64 hex digits, as podman's. */
  static String anonymousName() {
    try {
      return dev.jbox.SmallFiles.randomHex(32);
    } catch (IOException e) {
      throw new JboxException("volume: " + e.getMessage());
    }
  }

  /**
   * Creates a volume; an existing one of that name is an error unless {@code existingOk}, when it
   * is returned as it is. copyUp: the first sandbox that mounts it (still empty) over a path the
   * image has fills it with that content (podman's copy-up; false for {@code nocopy}).
   */
  public Volume create(String name, Map<String, String> labels, boolean anonymous, boolean copyUp, boolean existingOk) {
    return create(name, labels, Map.of(), anonymous, copyUp, existingOk);
  }

  /**
   * podman's local-driver options ({@code -o KEY=VALUE}) as jbox can honour them rootless, checked:
   * {@code type=tmpfs} with {@code o=size=N,mode=OCTAL} (also nosuid, nodev, which every tmpfs of a
   * sandbox has), a tmpfs of the sandbox's own at each mount; {@code o=bind} (or rbind, with ro)
   * with {@code device=DIR}, an existing host directory mounted in place of the volume's own. A
   * file system on a device needs mount(2) with privilege: refused.
   */
  public static Map<String, String> checkOptions(List<String> specs) {
    Map<String, String> m = new TreeMap<>();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      String k = eq < 0 ? spec : spec.substring(0, eq);
      if (eq <= 0 || !List.of("type", "device", "o").contains(k)) {
        throw new JboxException("volume create: -o `" + spec + "`: expected type=, device= or o= (the local driver's options)");
      }
      m.put(k, spec.substring(eq + 1));
    }
    if (m.isEmpty()) return m;
    String type = m.getOrDefault("type", "none");
    List<String> o = m.containsKey("o") && !m.get("o").isEmpty() ? List.of(m.get("o").split(",")) : List.of();
    if (type.equals("tmpfs")) {
      StringBuilder mount = new StringBuilder("type=tmpfs,target=/v");
      for (String part : o) {
        if (part.startsWith("size=")) mount.append(",tmpfs-size=").append(part.substring(5));
        else if (part.startsWith("mode=")) mount.append(",tmpfs-mode=").append(part.substring(5));
        else if (!part.equals("nosuid") && !part.equals("nodev")) {
          throw new JboxException("volume create: -o o=" + m.get("o") + ": a tmpfs volume takes size=, mode=, nosuid and nodev");
        }
      }
      try {
        dev.jbox.sandbox.Volumes.parseMount(mount.toString()); // size and mode checked as --mount checks them
      } catch (JboxException e) {
        String msg = e.getMessage();
        int colon = msg.indexOf("`: ");
        throw new JboxException("volume create: -o o=" + m.get("o") + ": " + (colon < 0 ? msg : msg.substring(colon + 3)));
      }
      return m;
    }
    if (!type.equals("none") && !type.equals("bind")) {
      throw new JboxException("volume create: -o type=" + type + ": mounting a device's file system needs root; rootless jbox takes type=tmpfs or o=bind,device=DIR");
    }
    if (!o.contains("bind") && !o.contains("rbind")) {
      throw new JboxException("volume create: -o: without type=tmpfs, only o=bind (with device=DIR) can be done rootless");
    }
    for (String part : o) {
      if (!List.of("bind", "rbind", "ro", "rw").contains(part)) {
        throw new JboxException("volume create: -o o=" + m.get("o") + ": a bind volume takes bind, rbind, ro and rw");
      }
    }
    String device = m.get("device");
    if (device == null || !device.startsWith("/")) throw new JboxException("volume create: -o o=bind needs device=DIR, an absolute host path");
    if (!Files.isDirectory(Path.of(device))) throw new JboxException("volume create: -o device=" + device + ": no such directory");
    return m;
  }

  /** As {@link #create(String, Map, boolean, boolean, boolean)} with checked local-driver options (checkOptions). */
  public Volume create(String name, Map<String, String> labels, Map<String, String> options, boolean anonymous, boolean copyUp,
      boolean existingOk) {
    checkName("volume create", name);
    try {
      // the storage root holds every sandbox's files: 0700 (dev.jbox.PrivateDirs), then ours
      dev.jbox.PrivateDirs.ensure(root.getParent(), true);
      dev.jbox.PrivateDirs.ensure(root, false);
    } catch (IOException e) {
      throw new JboxException("volume create: `" + root + "`: " + e.getMessage());
    }
    Path dir = root.resolve(name);
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(dev.jbox.PrivateDirs.OWNER_ONLY));
    } catch (FileAlreadyExistsException e) {
      Volume v = get(name);
      if (v != null && existingOk) return v;
      if (v != null) throw new JboxException("volume create: volume `" + name + "` already exists");
      throw new JboxException("volume create: `" + dir + "` exists and is not a volume (being created or removed?)");
    } catch (IOException e) {
      throw new JboxException("volume create: `" + dir + "`: " + e.getMessage());
    }
    // a tmpfs or another directory is what sandboxes mount: nothing to copy up into _data
    Volume v = new Volume(name, dir, System.currentTimeMillis(), labels, anonymous, copyUp && options.isEmpty(), options);
    try {
      // 0755 as podman's _data: what the sandbox sees as the mount point's mode
      Files.createDirectory(v.data(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      write(v);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(dir.resolve(META));
        Files.deleteIfExists(v.data());
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // best effort: our own empty directories
      }
      throw new JboxException("volume create: `" + dir + "`: " + e.getMessage());
    }
    return v;
  }

  /** Writes volume.json through a temporary file: a reader sees the old or the new one. */
  void write(Volume v) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", v.name());
    m.put("created", v.created());
    m.put("labels", new LinkedHashMap<String, Object>(v.labels()));
    m.put("anonymous", v.anonymous());
    m.put("copyUp", v.copyUp());
    if (!v.options().isEmpty()) m.put("options", new LinkedHashMap<String, Object>(v.options()));
    Path tmp = v.dir().resolve(META + ".tmp");
    Files.writeString(tmp, Json.pretty(m) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, v.dir().resolve(META), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The copy-up is done (or not wanted any more): the next sandbox mounts the volume as it is. */
  void copied(Volume v) {
    try {
      write(new Volume(v.name(), v.dir(), v.created(), v.labels(), v.anonymous(), false, v.options()));
    } catch (IOException e) {
      throw new JboxException("volume " + v.name() + ": " + e.getMessage());
    }
  }

  /** The volume of that name, or null. */
  public Volume get(String name) {
    if (!validName(name)) return null;
    Path dir = root.resolve(name);
    String text;
    try {
      text = dev.jbox.SmallFiles.read(dir.resolve(META), "volume " + name);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (!Files.isDirectory(dir.resolve(DATA), LinkOption.NOFOLLOW_LINKS)) return null;
    try {
      Map<String, Object> m = Json.parseObject(text);
      Map<String, String> labels = new TreeMap<>();
      if (m.get("labels") instanceof Map<?, ?> l) {
        for (Map.Entry<?, ?> e : l.entrySet()) labels.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
      Map<String, String> options = new TreeMap<>();
      if (m.get("options") instanceof Map<?, ?> o) {
        for (Map.Entry<?, ?> e : o.entrySet()) options.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
      return new Volume(name, dir, m.get("created") instanceof Number n ? n.longValue() : 0, labels,
          Boolean.TRUE.equals(m.get("anonymous")), Boolean.TRUE.equals(m.get("copyUp")), options);
    } catch (RuntimeException e) {
      throw new JboxException("volume " + name + ": malformed " + META + ": " + e.getMessage());
    }
  }

  /** The volume of that name, or a one-line error. */
  public Volume find(String what, String name) {
    Volume v = get(name);
    if (v == null) throw new JboxException(what + ": no such volume `" + name + "`");
    return v;
  }

  /** Every volume, by name. */
  public List<Volume> list() {
    String[] names = root.toFile().list();
    List<Volume> out = new ArrayList<>();
    if (names == null) return out;
    java.util.Arrays.sort(names);
    for (String n : names) {
      Volume v = get(n);
      if (v != null) out.add(v);
    }
    return out;
  }

  /**
   * Takes a volume out of the store: its directory is renamed aside (no new sandbox can mount it
   * by name any more) and returned for the user-namespace deleter.
   */
  Path detach(Volume v) {
    Path aside = root.resolve(".removing-" + v.name() + "-" + System.nanoTime());
    try {
      Files.move(v.dir(), aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new JboxException("volume rm: `" + v.dir() + "`: " + e.getMessage());
    }
    return aside;
  }

  /** Directories of removals that did not finish (a killed jbox): the next removal takes them too. */
  List<Path> leftovers() {
    String[] names = root.toFile().list();
    List<Path> out = new ArrayList<>();
    if (names == null) return out;
    for (String n : names) if (n.startsWith(".removing-")) out.add(root.resolve(n));
    return out;
  }

  /** podman's volume inspect JSON of one volume. */
  public static Map<String, Object> inspect(Volume v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Name", v.name());
    m.put("Driver", "local");
    m.put("Mountpoint", v.data().toString());
    m.put("CreatedAt", v.createdAt());
    m.put("Labels", new LinkedHashMap<String, Object>(v.labels()));
    m.put("Scope", "local");
    m.put("Options", new LinkedHashMap<String, Object>(v.options()));
    m.put("MountCount", 0L);
    m.put("NeedsCopyUp", v.copyUp());
    m.put("NeedsChown", false);
    m.put("Anonymous", v.anonymous());
    return m;
  }
}
