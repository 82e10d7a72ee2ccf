package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.image.ImageConfig;
import dev.jbox.image.Platform;
import dev.jbox.image.pull.LayerIds;
import dev.jbox.image.registry.RegistriesConf;
import dev.jbox.image.pull.PullRequest;
import dev.jbox.image.pull.PullService;
import dev.jbox.image.store.ImageLookup;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.ImageStore;
import dev.jbox.sandbox.ImageSpec;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds (pulling by --pull policy) the image of {@code jbox run IMAGE} and reads its config. */
public final class RunImage {
  private RunImage() {}

  /**
   * The image, the directory its sandboxes' writable layers go to, and the signal {@code jbox stop}
   * sends (the image's StopSignal, else TERM).
   */
  public record Resolved(ImageSpec spec, Path containersDir, String stopSignal) {}

  /** The image's StopSignal when jbox can send it (a name or a number), else TERM with a warning. */
  static String stopSignal(String s, String image, PrintStream err) {
    if (s == null || s.isEmpty()) return "TERM";
    try {
      Signals.parse(s);
      return s;
    } catch (JboxException e) {
      err.println("jbox: warning: image " + image + ": StopSignal `" + s + "` is not a signal; jbox stop sends TERM");
      return "TERM";
    }
  }

  public static Resolved resolve(String name, String pullPolicy, IdMaps.Caller caller, PrintStream out, PrintStream err,
      RegistriesConf.Prompter prompter) {
    String policy = pullPolicy == null ? "missing" : pullPolicy;
    if (!List.of("missing", "always", "never", "newer").contains(policy)) {
      throw new JboxException("--pull `" + policy + "`: expected missing, always, never or newer");
    }
    ImageStore store = ImageStore.open(ImageStore.defaultRoot());
    ImageRecord rec = null;
    String display = name;
    if (!policy.equals("always") && !policy.equals("newer")) {
      try {
        ImageLookup.Found f = ImageLookup.find(store, name);
        rec = f.image();
        display = f.name() != null ? f.name() : name;
      } catch (JboxException notFound) {
        if (policy.equals("never")) throw new JboxException("run: image `" + name + "` is not in the store and --pull=never");
      }
    }
    if (rec == null) {
      // progress goes to stderr: the sandbox owns stdout
      rec = new PullService(store, err, err).pull(new PullRequest(name, Platform.host(), null, false,
          System.console() != null, 4, prompter));
    }
    LayerIds ids = LayerIds.of(caller);
    for (ImageRecord.Layer l : rec.layers()) {
      if (!store.layerComplete(l.diffId())) continue; // lowerDirs names it below
      String m = ids.mismatch(store.layerMeta(l.diffId()));
      if (m != null) {
        throw new JboxException("run: `" + display + "` was unpacked for other subordinate ids (" + m
            + "; /etc/subuid or /etc/subgid changed) and its files would have the wrong owners: `jbox pull "
            + display + "` unpacks it again");
      }
    }
    ImageConfig c = ImageConfig.parse(store.configBytes(rec));
    List<String> lower = new ArrayList<>();
    for (Path p : store.lowerDirs(rec)) lower.add(p.toString());
    ImageSpec spec = new ImageSpec(display, rec.id(), lower, c.entrypoint(), c.cmd(), c.env(), c.workingDir(), c.user(), c.volumes());
    return new Resolved(spec, store.root().resolve("containers"), stopSignal(c.stopSignal(), display, err));
  }
}
