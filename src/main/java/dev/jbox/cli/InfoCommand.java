package dev.jbox.cli;

import dev.jbox.config.Config;
import dev.jbox.config.ConfigLoader;
import dev.jbox.image.store.ImageStore;
import dev.jbox.json.Json;
import dev.jbox.json.Template;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import dev.jbox.sandbox.idmap.IdRange;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxStore;
import dev.jbox.sandboxes.VolumeStore;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jbox info}: what podman info reports that jbox knows, in podman's layout (host, store,
 * version; YAML by default, {@code --format json} or a Go template on the same fields). Every
 * value is read from what the commands themselves use: the storage root and driver of the
 * configuration every command reads, the id maps {@code run} would write (from /etc/subuid and
 * /etc/subgid), the network {@code --network=auto} would pick, the runtime directory of the
 * sandbox records. It creates nothing: a store that does not exist yet counts no image.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Show the host, store and version as jbox sees them (see jbox-info(1)).")
final class InfoCommand extends SpecCommand implements Callable<Integer> {
  @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "json, or a Go template, e.g. {{.Store.GraphRoot}}.")
  String format;

  @Override
  public Integer call() throws IOException {
    Map<String, Object> info = info(System.getenv());
    if (format != null && format.equals("json")) {
      out().println(Json.pretty(info));
    } else if (format != null) {
      out().println(Template.parse(format).render(info));
    } else {
      StringBuilder b = new StringBuilder();
      yaml(info, 0, b);
      out().print(b);
    }
    return 0;
  }

  static Map<String, Object> info(Map<String, String> env) throws IOException {
    Config config = ConfigLoader.current();
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("arch", VersionCommand.arch());
    host.put("os", "linux");
    host.put("kernel", System.getProperty("os.version"));
    host.put("hostname", read("/proc/sys/kernel/hostname"));
    boolean v2 = new java.io.File("/sys/fs/cgroup/cgroup.controllers").isFile();
    host.put("cgroupVersion", v2 ? "v2" : "v1");
    IdMaps.Caller caller = IdMaps.Caller.current();
    IdMap maps = IdMaps.build(caller, List.of(), List.of());
    Map<String, Object> idMappings = new LinkedHashMap<>();
    idMappings.put("uidmap", ranges(maps.uids()));
    idMappings.put("gidmap", ranges(maps.gids()));
    host.put("idMappings", idMappings);
    Map<String, Object> security = new LinkedHashMap<>();
    security.put("rootless", caller.uid() != 0);
    security.put("idmapTools", caller.haveTools());
    security.put("seccompEnabled", config.run().seccomp());
    security.put("noNewPrivileges", config.run().noNewPrivileges());
    host.put("security", security);
    Path pasta = dev.jbox.sandbox.Network.find("pasta");
    Path slirp = dev.jbox.sandbox.Network.find("slirp4netns");
    host.put("networkBackend", pasta != null ? "pasta" : slirp != null ? "slirp4netns" : "none");
    host.put("defaultNetwork", config.run().network());
    host.put("pasta", executable(pasta));
    host.put("slirp4netns", executable(slirp));
    int[] kv = Doctor.version(System.getProperty("os.version", "0.0"));
    boolean nativeOverlay = kv[0] > 5 || (kv[0] == 5 && kv[1] >= 11);
    Path fuse = dev.jbox.sandbox.Network.find("fuse-overlayfs");
    String driver = config.storage().driver();
    host.put("overlay", driver.equals("fuse-overlayfs") || !nativeOverlay ? (fuse != null ? "fuse-overlayfs" : "none") : "native");
    host.put("fuseOverlayfs", executable(fuse));
    String helper;
    try {
      helper = dev.jbox.helper.HelperBinary.locate().toString();
    } catch (RuntimeException e) {
      helper = "";
    }
    host.put("helper", helper);

    Map<String, Object> store = new LinkedHashMap<>();
    List<Object> configFiles = new ArrayList<>();
    for (Path p : ConfigLoader.layers(env)) if (Files.isRegularFile(p)) configFiles.add(p.toString());
    store.put("configFiles", configFiles);
    Path graphRoot = ConfigLoader.storageRoot(env, config);
    store.put("graphDriverName", driver);
    store.put("graphRoot", graphRoot.toString());
    SandboxStore sandboxes = SandboxStore.locate(env);
    store.put("runRoot", sandboxes.root().toString());
    VolumeStore volumes = VolumeStore.of(sandboxes);
    store.put("volumePath", volumes.root().toString());
    int images = Files.isDirectory(graphRoot.resolve("images")) ? ImageStore.open(graphRoot).images().size() : 0;
    store.put("imageStore", Map.of("number", (long) images));
    long running = 0;
    long stopped = 0;
    long created = 0;
    List<Sandbox> all = sandboxes.list();
    for (Sandbox s : all) {
      // no switch on the enum: its synthetic class would be one more to archive
      dev.jbox.sandboxes.Status.Kind k = s.status().kind();
      if (k == dev.jbox.sandboxes.Status.Kind.RUNNING) running++;
      else if (k == dev.jbox.sandboxes.Status.Kind.CREATED) created++;
      else stopped++;
    }
    Map<String, Object> containers = new LinkedHashMap<>();
    containers.put("number", (long) all.size());
    containers.put("running", running);
    containers.put("stopped", stopped);
    containers.put("created", created);
    store.put("containerStore", containers);
    store.put("volumeStore", Map.of("number", (long) volumes.list().size()));

    Map<String, Object> info = new LinkedHashMap<>();
    info.put("host", host);
    info.put("store", store);
    info.put("version", VersionCommand.client());
    return info;
  }

  private static List<Object> ranges(List<IdRange> ranges) {
    List<Object> out = new ArrayList<>();
    for (IdRange r : ranges) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("container_id", r.inside());
      m.put("host_id", r.outside());
      m.put("size", r.count());
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> executable(Path p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("executable", p == null ? "" : p.toString());
    return m;
  }

  private static String read(String path) {
    try (FileInputStream in = new FileInputStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** podman info's default output: block YAML, two spaces a level, a list's items at its key's indent. */
  static void yaml(Map<?, ?> map, int indent, StringBuilder b) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      pad(b, indent).append(e.getKey()).append(':');
      Object v = e.getValue();
      if (v instanceof Map<?, ?> m) {
        if (m.isEmpty()) {
          b.append(" {}\n");
        } else {
          b.append('\n');
          yaml(m, indent + 2, b);
        }
      } else if (v instanceof List<?> l) {
        if (l.isEmpty()) {
          b.append(" []\n");
          continue;
        }
        b.append('\n');
        for (Object item : l) {
          pad(b, indent).append("- ");
          if (item instanceof Map<?, ?> im && !im.isEmpty()) {
            StringBuilder sub = new StringBuilder();
            yaml(im, indent + 2, sub);
            b.append(sub, indent + 2, sub.length()); // the first key on the dash's line
          } else {
            b.append(scalar(item)).append('\n');
          }
        }
      } else {
        b.append(' ').append(scalar(v)).append('\n');
      }
    }
  }

  private static StringBuilder pad(StringBuilder b, int n) {
    for (int i = 0; i < n; i++) b.append(' ');
    return b;
  }

  /** A scalar: numbers and booleans bare; a string bare unless YAML would read it as something else. */
  static String scalar(Object v) {
    if (v == null) return "null";
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    String s = v.toString();
    boolean quote = s.isEmpty() || s.charAt(0) == ' ' || s.charAt(s.length() - 1) == ' ' || s.equals("true") || s.equals("false")
        || s.equals("null") || s.equals("~") || "-?[]{}#&*!|>'\"%@`,".indexOf(s.charAt(0)) >= 0 || s.contains(": ") || s.contains(" #");
    if (!quote) {
      boolean number = true;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if ((c < '0' || c > '9') && c != '.') number = false;
        if (c < ' ' || c == 0x7f) quote = true;
      }
      quote |= number;
    }
    return quote ? Json.write(s) : s;
  }
}
