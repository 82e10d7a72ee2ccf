package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageLookup;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.ImageStore;
import dev.jbox.image.store.StoreService;
import dev.jbox.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jbox image}: inspect, prune and tag stored images. */
@Command(name = "image", mixinStandardHelpOptions = true,
    description = "Manage stored images (see jbox-image(1)).",
    subcommands = {ImageCommand.Inspect.class, ImageCommand.Prune.class, TagCommand.class})
final class ImageCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw MissingSubcommand.of(spec);
  }

  /** {@code jbox image inspect}: the stored record, names, config and layer dirs as JSON. */
  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "Print stored images as JSON.")
  static final class Inspect extends SpecCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image names or ids.")
    List<String> images;

    @Override
    public Integer call() throws IOException {
      ImageStore store = sandboxes().openImageStore();
      List<Object> list = new ArrayList<>();
      for (String i : images) list.add(inspect(store, i));
      out().println(Json.pretty(list));
      return 0;
    }
  }

  /** What {@code image inspect} (and {@code inspect} of an image) shows of the image {@code ref} names. */
  static Map<String, Object> inspect(ImageStore store, String ref) throws IOException {
    ImageRecord r = ImageLookup.find(store, ref).image();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", r.id().substring(7));
    m.put("Digest", r.manifestDigest());
    m.put("RepoTags", store.namesOf(r, store.tags()));
    m.put("RepoDigests", r.repoDigests());
    m.put("Created", r.created());
    m.put("Platform", r.platform());
    m.put("Size", r.size());
    m.put("ManifestMediaType", r.manifestMediaType());
    if (r.indexDigest() != null) m.put("IndexDigest", r.indexDigest());
    try {
      m.put("Config", Json.parse(Files.readString(store.blobPath(r.id()))));
    } catch (IOException e) {
      throw new JboxException("image inspect " + ref + ": config blob missing: "
          + store.blobPath(r.id()));
    }
    List<Object> layers = new ArrayList<>();
    for (ImageRecord.Layer l : r.layers()) {
      Map<String, Object> lm = new LinkedHashMap<>();
      lm.put("Digest", l.digest());
      lm.put("DiffID", l.diffId());
      lm.put("MediaType", l.mediaType());
      lm.put("Size", l.size());
      lm.put("Dir", store.layerDir(l.diffId()).resolve("diff").toString());
      layers.add(lm);
    }
    m.put("Layers", layers);
    return m;
  }

  /**
   * As {@link #inspect} but null when no stored image has that name or id (or it is no image
   * reference at all): {@code inspect}'s fallback from a sandbox to an image. An ambiguous name
   * or prefix is still an error.
   */
  static Map<String, Object> inspectOrNull(ImageStore store, String ref) throws IOException {
    try {
      ImageLookup.find(store, ref);
    } catch (JboxException e) {
      if (String.valueOf(e.getMessage()).contains("ambiguous")) throw e;
      return null;
    }
    return inspect(store, ref);
  }

  /** {@code jbox image prune}: removes unnamed (-a: unused) images and unreferenced layers, printing their ids as podman does. */
  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = "Remove images without names (-a: every image no sandbox uses) and layers no image uses.")
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-a", "--all"}, description = "Remove every image no sandbox uses, named or not.")
    boolean all;

    @picocli.CommandLine.Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.")
    boolean force;

    @Override
    public Integer call() {
      PicoMain root = PicoMain.of(spec);
      PrintStream out = root.out();
      if (!force && !Prompts.confirm(out, all
          ? "WARNING! This command removes all images without at least one container associated with them.\n"
          : "WARNING! This command removes all dangling images.\n")) {
        return 0;
      }
      StoreService.PruneResult r = PicoMain.sandboxes(spec).pruneImages(all);
      r.imageIds().forEach(out::println);
      return 0;
    }
  }
}
