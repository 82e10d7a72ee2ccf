package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.ImageStore;
import dev.jbox.json.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jbox images}: lists stored images as a table, ids or JSON. */
@Command(name = "images", aliases = {}, mixinStandardHelpOptions = true,
    description = "List stored images (see jbox-images(1)).")
final class ImagesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-q", "--quiet"}, description = "Print image IDs only.")
  boolean quiet;

  @Option(names = "--format", paramLabel = "FORMAT", description = "Output format: table or json.")
  String format = "table";

  @Override
  public Integer call() {
    PrintStream out = PicoMain.of(spec).out();
    ImageStore store = PicoMain.sandboxes(spec).openImageStore();
    List<ImageRecord> images = new ArrayList<>(store.images());
    images.sort(Comparator.comparing(ImageRecord::pulled).reversed());
    Map<String, String> tags = store.tags();
    if (quiet) {
      images.stream().map(ImageRecord::shortId).distinct().forEach(out::println);
      return 0;
    }
    if (format.equals("json")) {
      List<Object> list = new ArrayList<>();
      for (ImageRecord r : images) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", r.id().substring(7));
        m.put("Names", store.namesOf(r, tags));
        m.put("Digest", r.manifestDigest());
        m.put("RepoDigests", r.repoDigests());
        m.put("Created", r.created());
        m.put("Size", r.size());
        list.add(m);
      }
      out.println(Json.pretty(list));
      return 0;
    }
    if (!format.equals("table")) throw new JboxException("images: unknown --format " + format);
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
    for (ImageRecord r : images) {
      List<String> names = store.namesOf(r, tags);
      if (names.isEmpty()) names = List.of("<none>:<none>");
      for (String n : names) {
        int c = n.lastIndexOf(':');
        rows.add(new String[] {n.substring(0, c), n.substring(c + 1), r.shortId(),
            ago(r.created()), si(r.size())});
      }
    }
    Table.print(out, rows);
    return 0;
  }

  static String ago(String created) {
    if (created == null) return "unknown";
    Duration d = Duration.between(Instant.parse(created), Instant.now());
    long s = d.getSeconds();
    if (s < 60) return "Less than a minute ago";
    if (s < 3600) return plural(s / 60, "minute");
    if (s < 86400) return plural(s / 3600, "hour");
    if (s < 14 * 86400) return plural(s / 86400, "day");
    if (s < 60 * 86400) return plural(s / (7 * 86400), "week");
    if (s < 730 * 86400) return plural(s / (30 * 86400), "month");
    return plural(s / (365 * 86400), "year");
  }

  private static String plural(long n, String unit) {
    return (n == 1 ? (unit.equals("hour") ? "An" : "A") : Long.toString(n)) + " " + unit
        + (n == 1 ? "" : "s") + " ago";
  }

  /** Decimal units, as podman prints image sizes. */
  static String si(long n) {
    if (n < 1000) return n + " B";
    if (n < 1_000_000) return String.format("%.1f kB", n / 1e3);
    if (n < 1_000_000_000) return String.format("%.1f MB", n / 1e6);
    return String.format("%.2f GB", n / 1e9);
  }
}
