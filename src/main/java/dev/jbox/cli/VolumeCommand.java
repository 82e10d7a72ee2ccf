package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.json.Template;
import dev.jbox.sandboxes.VolumeStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox volume}: named volumes in jbox's storage, as podman's local driver keeps them. */
@Command(name = "volume", mixinStandardHelpOptions = true,
    description = "Manage volumes (see jbox-volume(1)).",
    subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Inspect.class, VolumeCommand.Rm.class,
        VolumeCommand.Prune.class, VolumeCommand.Exists.class})
final class VolumeCommand implements Runnable {
  @picocli.CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw MissingSubcommand.of(spec);
  }

  /** podman's JSON of one volume, with its mount count. */
  static Map<String, Object> json(VolumeStore.Volume v, Map<String, List<String>> users) {
    Map<String, Object> m = VolumeStore.inspect(v);
    List<String> u = users.get(v.name());
    m.put("MountCount", (long) (u == null ? 0 : u.size()));
    return m;
  }

  /** KEY=VALUE labels (a bare KEY has the empty value). */
  static Map<String, String> labels(List<String> specs) {
    Map<String, String> m = new TreeMap<>();
    for (String l : specs) {
      int eq = l.indexOf('=');
      String k = eq < 0 ? l : l.substring(0, eq);
      if (k.isEmpty()) throw new JboxException("volume create: --label `" + l + "`: expected KEY=VALUE");
      m.put(k, eq < 0 ? "" : l.substring(eq + 1));
    }
    return m;
  }

  /** {@code jbox volume create [--label K=V] [NAME]}. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a volume (a random name without NAME).")
  static final class Create extends StateCommand implements Callable<Integer> {
    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label (repeatable).")
    List<String> labels = new ArrayList<>();

    @Option(names = {"-d", "--driver"}, paramLabel = "DRIVER", description = "local (the only driver).")
    String driver = "local";

    @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE",
        description = "The local driver's options (repeatable): type=tmpfs with o=size=N,mode=M; o=bind with device=DIR.")
    List<String> options = new ArrayList<>();

    @Option(names = "--ignore", description = "An existing volume of that name is no error.")
    boolean ignore;

    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      if (!driver.equals("local")) throw new JboxException("volume create: driver `" + driver + "`: only local is supported");
      Map<String, String> l = labels(labels);
      if (name != null && ignore && service().volumes().get(name) != null) {
        out().println(name);
        return 0;
      }
      out().println(service().createVolume(name, l, options).name());
      return 0;
    }
  }

  /** {@code jbox volume ls}. */
  @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List volumes.")
  static final class Ls extends StateCommand implements Callable<Integer> {
    @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "name=, label=KEY[=VALUE], dangling=true|false, driver=, opt=KEY[=VALUE], scope= (repeatable).")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), json, or a Go template ({{.Name}}).")
    String format;

    @Option(names = {"-q", "--quiet"}, description = "Print the names only.")
    boolean quiet;

    @Override
    public Integer call() {
      Template template = format == null || format.equals("table") || format.equals("json") ? null : Template.parse(format);
      var svc = service();
      Map<String, List<String>> users = svc.volumeUsers();
      // every filter checked once, also when there is no volume to match
      matches(new VolumeStore.Volume("", svc.volumes().root(), 0, Map.of(), false, false), filters, users);
      List<VolumeStore.Volume> list = new ArrayList<>();
      for (VolumeStore.Volume v : svc.volumes().list()) if (matches(v, filters, users)) list.add(v);
      if (quiet) {
        for (VolumeStore.Volume v : list) out().println(v.name());
        return 0;
      }
      if ("json".equals(format)) {
        List<Object> json = new ArrayList<>();
        for (VolumeStore.Volume v : list) json.add(json(v, users));
        out().println(Json.pretty(json));
        return 0;
      }
      List<String[]> rows = new ArrayList<>();
      if (template != null) {
        if (template.table()) rows.add(template.header().split("\t", -1));
        for (VolumeStore.Volume v : list) {
          String line = template.render(json(v, users));
          if (template.table()) rows.add(line.split("\t", -1));
          else out().println(line);
        }
        if (template.table()) Table.print(out(), rows);
        return 0;
      }
      rows.add(new String[] {"DRIVER", "VOLUME NAME"});
      for (VolumeStore.Volume v : list) rows.add(new String[] {"local", v.name()});
      Table.print(out(), rows);
      return 0;
    }

    /** podman's filters: the same key repeated is an or, different keys an and. */
    static boolean matches(VolumeStore.Volume v, List<String> filters, Map<String, List<String>> users) {
      Map<String, Boolean> byKey = new LinkedHashMap<>();
      for (String f : filters) {
        int eq = f.indexOf('=');
        if (eq <= 0) throw new JboxException("volume ls: --filter `" + f + "`: expected KEY=VALUE");
        String k = f.substring(0, eq).toLowerCase(Locale.ROOT);
        String val = f.substring(eq + 1);
        boolean ok = switch (k) {
          case "name" -> NameFilter.find(val, v.name(), f);
          case "driver" -> val.equals("local");
          case "scope" -> val.equals("local");
          case "opt" -> {
            int e2 = val.indexOf('=');
            String ok2 = e2 < 0 ? val : val.substring(0, e2);
            yield v.options().containsKey(ok2) && (e2 < 0 || v.options().get(ok2).equals(val.substring(e2 + 1)));
          }
          case "label" -> {
            int e2 = val.indexOf('=');
            String lk = e2 < 0 ? val : val.substring(0, e2);
            yield v.labels().containsKey(lk) && (e2 < 0 || v.labels().get(lk).equals(val.substring(e2 + 1)));
          }
          case "dangling" -> {
            if (!val.equals("true") && !val.equals("false") && !val.equals("1") && !val.equals("0")) {
              throw new JboxException("volume ls: --filter `" + f + "`: dangling takes true or false");
            }
            yield users.containsKey(v.name()) != (val.equals("true") || val.equals("1"));
          }
          default -> throw new JboxException("volume ls: --filter `" + f + "`: unknown key `" + k + "` (name, label, dangling, driver, opt, scope)");
        };
        Boolean before = byKey.get(k);
        byKey.put(k, ok || before != null && before);
      }
      for (boolean ok : byKey.values()) if (!ok) return false;
      return true;
    }
  }

  /**
   * podman's name filter, a regular expression, in a class of its own: the verifier of a method
   * that catches PatternSyntaxException loads java.util.regex, and {@code volume ls} without a
   * name filter has no use for it.
   */
  static final class NameFilter {
    private NameFilter() {}

    static boolean find(String regex, String name, String filter) {
      try {
        return java.util.regex.Pattern.compile(regex).matcher(name).find();
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new JboxException("volume ls: --filter `" + filter + "`: not a regular expression");
      }
    }
  }

  /** {@code jbox volume inspect}. */
  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show volumes as JSON (podman's fields).")
  static final class Inspect extends StateCommand implements Callable<Integer> {
    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "json (default) or a Go template, e.g. {{.Mountpoint}}.")
    String format;

    @Option(names = {"-a", "--all"}, description = "Every volume.")
    boolean all;

    @Parameters(arity = "0..*", paramLabel = "NAME")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
      if (!all && names.isEmpty()) throw new JboxException("volume inspect: give a NAME or --all");
      if (all && !names.isEmpty()) throw new JboxException("volume inspect: --all takes no NAME");
      Template template = format == null || format.equals("json") ? null : Template.parse(format);
      var svc = service();
      VolumeStore vs = svc.volumes();
      List<VolumeStore.Volume> list = new ArrayList<>();
      if (all) list.addAll(vs.list());
      for (String n : names) list.add(vs.find("volume inspect", n));
      Map<String, List<String>> users = svc.volumeUsers();
      if (template != null) {
        for (VolumeStore.Volume v : list) out().println(template.render(json(v, users)));
        return 0;
      }
      List<Object> json = new ArrayList<>();
      for (VolumeStore.Volume v : list) json.add(json(v, users));
      out().println(Json.pretty(json));
      return 0;
    }
  }

  /** {@code jbox volume rm}. */
  @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true,
      description = "Remove volumes (exit 1: no such volume, 2: in use).")
  static final class Rm extends StateCommand implements Callable<Integer> {
    @Option(names = {"-f", "--force"}, description = "Remove the sandboxes that use a volume first.")
    boolean force;

    @Option(names = {"-a", "--all"}, description = "Every volume.")
    boolean all;

    @Parameters(arity = "0..*", paramLabel = "NAME")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
      if (!all && names.isEmpty()) throw new JboxException("volume rm: give a NAME or --all");
      if (all && !names.isEmpty()) throw new JboxException("volume rm: --all takes no NAME");
      var svc = service();
      List<String> targets = new ArrayList<>(names);
      if (all) for (VolumeStore.Volume v : svc.volumes().list()) targets.add(v.name());
      svc.removeVolumes(targets, force, new java.util.function.Consumer<String>() { // no lambda (FastArgs' path)
        @Override
        public void accept(String n) {
          out().println(n);
        }
      });
      return 0;
    }
  }

  /** {@code jbox volume prune}. */
  @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove every volume no sandbox uses.")
  static final class Prune extends StateCommand implements Callable<Integer> {
    @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.")
    boolean force;

    @Override
    public Integer call() throws IOException {
      if (!force) {
        StringBuilder warning = new StringBuilder(
            "WARNING! This will remove all volumes not used by at least one sandbox. The following volumes will be removed:\n");
        var svc = service();
        Map<String, List<String>> users = svc.volumeUsers();
        for (VolumeStore.Volume v : svc.volumes().list()) if (!users.containsKey(v.name())) warning.append(v.name()).append('\n');
        if (!Prompts.confirm(err(), warning.toString())) return 0;
      }
      for (String n : service().pruneVolumes()) out().println(n);
      return 0;
    }
  }

  /** {@code jbox volume exists}: exit 0 if the volume exists, 1 if not. */
  @Command(name = "exists", mixinStandardHelpOptions = true, description = "Exit 0 if the volume exists, 1 if not.")
  static final class Exists extends StateCommand implements Callable<Integer> {
    @Parameters(arity = "1", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      return service().volumes().get(name) != null ? 0 : 1;
    }
  }
}
