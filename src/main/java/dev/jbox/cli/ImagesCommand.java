package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageLookup;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.ImageStore;
import dev.jbox.json.Json;
import dev.jbox.json.Template;
import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox images}: lists stored images as a table, ids or JSON. */
@Command(name = "images", aliases = {}, mixinStandardHelpOptions = true,
    description = "List stored images (see jbox-images(1)).")
final class ImagesCommand extends ImagesSpec implements Callable<Integer> {

  @Option(names = {"-q", "--quiet"}, description = "Print image IDs only.")
  boolean quiet;

  @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), json, or a Go template ({{.Repository}}:{{.Tag}}).")
  String format = "table";

  @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE",
      description = "reference=PATTERN, id=PREFIX, dangling=true|false, before=IMAGE, since=IMAGE (repeatable).")
  List<String> filters = new ArrayList<>();

  @Option(names = "--no-trunc", description = "Full image ids.")
  boolean noTrunc;

  @Parameters(arity = "0..1", paramLabel = "REPOSITORY[:TAG]", description = "Only images of this name.")
  String repository;

  /** The streams when run by FastArgs, without picocli (spec is null then). */
  private PrintStream fastOut;
  private PrintStream fastErr;

  void streams(PrintStream out, PrintStream err) {
    fastOut = out;
    fastErr = err;
  }

  @Override
  public Integer call() {
    PrintStream out = spec == null ? fastOut : PicoMain.of(spec).out();
    Template template = format.equals("table") || format.equals("json") ? null : Template.parse(format);
    ImageStore store = (spec == null ? new SandboxService(SandboxStore.locate(System.getenv()), fastErr) : PicoMain.sandboxes(spec))
        .openImageStore();
    List<ImageRecord> images = new ArrayList<>(store.images());
    images.sort(new Comparator<ImageRecord>() { // newest first; a class, not a lambda (see SandboxStore.list)
      @Override
      public int compare(ImageRecord a, ImageRecord b) {
        return b.pulled().compareTo(a.pulled());
      }
    });
    Map<String, String> tags = store.tags();
    List<String> refs = new ArrayList<>();
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = eq < 0 ? f : f.substring(0, eq);
      if (eq <= 0 || !List.of("reference", "id", "dangling", "before", "since").contains(key)) {
        throw new JboxException("images: --filter `" + f + "`: expected reference=, id=, dangling=, before= or since=");
      }
      if (key.equals("reference")) refs.add(f.substring(eq + 1));
    }
    if (repository != null) refs.add(repository);
    List<ImageRecord> shown = new ArrayList<>();
    for (ImageRecord r : images) if (passes(store, r, tags, images)) shown.add(r);
    if (quiet) {
      java.util.Set<String> ids = new java.util.LinkedHashSet<>(); // each id once, in order
      for (ImageRecord r : shown) ids.add(noTrunc ? r.id() : r.shortId());
      for (String id : ids) out.println(id);
      return 0;
    }
    if (format.equals("json")) {
      List<Object> list = new ArrayList<>();
      for (ImageRecord r : shown) list.add(json(store, r, tags));
      out.println(Json.pretty(list));
      return 0;
    }
    List<String[]> rows = new ArrayList<>();
    if (template == null) rows.add(new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
    else if (template.table()) rows.add(template.header().split("\t", -1));
    for (ImageRecord r : shown) {
      List<String> names = store.namesOf(r, tags);
      if (names.isEmpty()) names = List.of("<none>:<none>");
      for (String n : names) {
        if (!refs.isEmpty() && !n.equals("<none>:<none>") && !matchesAny(n, refs)) continue;
        int c = n.lastIndexOf(':');
        String id = noTrunc ? r.id() : r.shortId();
        if (template == null) {
          rows.add(new String[] {n.substring(0, c), n.substring(c + 1), id, ago(r.created()), si(r.size())});
          continue;
        }
        Map<String, Object> data = json(store, r, tags);
        data.put("ID", id);
        data.put("Repository", n.substring(0, c));
        data.put("Tag", n.substring(c + 1));
        data.put("CreatedSince", ago(r.created()));
        data.put("CreatedAt", r.created() == null ? "" : r.created());
        data.put("Size", si(r.size()));
        String line = template.render(Json.parse(Json.write(data)));
        if (template.table()) rows.add(line.split("\t", -1));
        else out.println(line);
      }
    }
    if (template == null || template.table()) Table.print(out, rows);
    return 0;
  }

  /** podman's JSON of an image. */
  private static Map<String, Object> json(ImageStore store, ImageRecord r, Map<String, String> tags) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", r.id().substring(7));
    m.put("Names", store.namesOf(r, tags));
    m.put("Digest", r.manifestDigest());
    m.put("RepoDigests", r.repoDigests());
    m.put("Created", r.created());
    m.put("Size", r.size());
    return m;
  }

  /** The filters other than reference (which picks names, see call). */
  private boolean passes(ImageStore store, ImageRecord r, Map<String, String> tags, List<ImageRecord> all) {
    List<String> refs = new ArrayList<>();
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = f.substring(0, eq);
      String v = f.substring(eq + 1);
      switch (key) {
        case "reference" -> refs.add(v);
        case "id" -> {
          String bare = v.startsWith("sha256:") ? v.substring(7) : v;
          if (!r.id().substring(7).startsWith(bare)) return false;
        }
        case "dangling" -> {
          if (!v.equals("true") && !v.equals("false")) throw new JboxException("images: --filter `" + f + "`: dangling is true or false");
          if (store.namesOf(r, tags).isEmpty() != v.equals("true")) return false;
        }
        case "before", "since" -> {
          ImageRecord other = ImageLookup.find(store, v).image();
          int c = r.pulled().compareTo(other.pulled());
          if (key.equals("before") ? c >= 0 : c <= 0) return false;
        }
        default -> { }
      }
    }
    if (repository != null) refs.add(repository);
    if (refs.isEmpty()) return true;
    for (String n : store.namesOf(r, tags)) if (matchesAny(n, refs)) return true;
    return false;
  }

  /**
   * Whether an image name (registry/repo:tag) matches one of the references: the whole name, the
   * repository, or their last path parts; a * in a reference matches any characters.
   */
  static boolean matchesAny(String name, List<String> refs) {
    int c = name.lastIndexOf(':');
    String repo = name.substring(0, c);
    for (String ref : refs) {
      String glob = "\\Q" + ref.replace("*", "\\E.*\\Q") + "\\E";
      for (String candidate : List.of(name, repo, name.substring(name.indexOf('/') + 1), repo.substring(repo.indexOf('/') + 1),
          name.substring(name.lastIndexOf('/') + 1), repo.substring(repo.lastIndexOf('/') + 1))) {
        if (candidate.matches(glob)) return true;
      }
    }
    return false;
  }

  static String ago(String created) {
    if (created == null) return "unknown";
    long s = secondsSince(created, System.currentTimeMillis());
    if (s < 60) return "Less than a minute ago";
    if (s < 3600) return plural(s / 60, "minute");
    if (s < 86400) return plural(s / 3600, "hour");
    if (s < 14 * 86400) return plural(s / 86400, "day");
    if (s < 60 * 86400) return plural(s / (7 * 86400), "week");
    if (s < 730 * 86400) return plural(s / (30 * 86400), "month");
    return plural(s / (365 * 86400), "year");
  }

  /**
   * Whole seconds from created to nowMillis, as {@code Duration.between(Instant.parse(created),
   * now).getSeconds()}; the usual form read by hand (java.time's parser links lambdas, 10 ms of a
   * {@code jbox images}).
   */
  static long secondsSince(String created, long nowMillis) {
    long[] t = dev.jbox.Rfc3339.parseUsual(created);
    if (t == null) {
      Instant i = Instant.parse(created);
      t = new long[] {i.getEpochSecond(), i.getNano()};
    }
    long nowSec = Math.floorDiv(nowMillis, 1000);
    long nowNano = Math.floorMod(nowMillis, 1000L) * 1_000_000;
    long s = nowSec - t[0];
    if (nowNano < t[1]) s--;
    return s;
  }

  private static String plural(long n, String unit) {
    return (n == 1 ? (unit.equals("hour") ? "An" : "A") : Long.toString(n)) + " " + unit
        + (n == 1 ? "" : "s") + " ago";
  }

  /** units (rounded half up to the last digit) with decimals digits after the point. */
  private static String fixed(long units, int decimals) {
    String f = Long.toString(units % (decimals == 1 ? 10 : 100));
    return units / (decimals == 1 ? 10 : 100) + "." + (f.length() < decimals ? "0" + f : f);
  }

  /** Decimal units, as podman prints image sizes. */
  static String si(long n) {
    if (n < 1000) return n + " B";
    // as String.format("%.1f kB", n / 1e3) and so on prints them, in integers: the Formatter parses
    // its format with a regex, whose classes link lambdas (LauncherTest)
    if (n < 1_000_000) return fixed((n + 50) / 100, 1) + " kB";
    if (n < 1_000_000_000) return fixed((n + 50_000) / 100_000, 1) + " MB";
    return fixed((n + 5_000_000) / 10_000_000, 2) + " GB";
  }
}
