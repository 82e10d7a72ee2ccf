package dev.jbox.cli;

import dev.jbox.image.Platform;
import dev.jbox.image.pull.PullRequest;
import dev.jbox.image.pull.PullService;
import dev.jbox.image.store.ImageRecord;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jbox pull}: fetches an image from a registry into the store. */
@Command(name = "pull", mixinStandardHelpOptions = true,
    description = "Pull an image from a registry (see jbox-pull(1)).")
final class PullCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-q", "--quiet"}, description = "Print nothing but the image ID.")
  boolean quiet;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to select from a multi-arch image (default: this machine's).")
  String platform;

  @Option(names = "--tls-verify", arity = "0..1", fallbackValue = "true",
      paramLabel = "BOOL", description = "Require HTTPS with a verified certificate.")
  Boolean tlsVerify;

  @Parameters(paramLabel = "IMAGE", description = "Image name, e.g. alpine or docker.io/library/alpine:3.20.")
  String image;

  @Override
  public Integer call() {
    PicoMain root = PicoMain.of(spec);
    return pull(image, platform, tlsVerify, quiet, root.out(), root.err());
  }

  static int pull(String image, String platform, Boolean tlsVerify, boolean quiet, PrintStream out, PrintStream err) {
    Platform p = platform != null ? Platform.parse(platform) : Platform.host();
    PullRequest req = new PullRequest(image, p, tlsVerify, quiet, System.console() != null, 4,
        Prompts.shortNames());
    ImageRecord r = new PullService(PicoMain.sandboxes(err).openImageStore(), out, err).pull(req);
    out.println(r.id().substring(7));
    return 0;
  }

  /**
   * {@code jbox pull} without picocli, whose model of the command took 70 ms of a pull's start:
   * the usual forms (-q, --quiet, --platform[=]P, --tls-verify[=true|false], one IMAGE) run
   * directly; anything else returns null and goes through picocli, which then prints the help or
   * the error for it.
   */
  static Integer fast(String[] args, PrintStream out, PrintStream err) {
    Fast f = parseFast(args);
    return f == null ? null : pull(f.image(), f.platform(), f.tlsVerify(), f.quiet(), out, err);
  }

  /** What the fast path parsed from {@code pull ARGS...}. */
  record Fast(String image, String platform, Boolean tlsVerify, boolean quiet) {}

  /** The fast path's parse (args[0] is "pull"), or null for picocli (PullParsersDifferentialTest). */
  static Fast parseFast(String[] args) {
    String image = null;
    String platform = null;
    Boolean tlsVerify = null;
    boolean quiet = false;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-q") || a.equals("--quiet")) quiet = true;
      else if (a.equals("--tls-verify") && i + 1 < args.length && (args[i + 1].equals("true") || args[i + 1].equals("false"))) return null;
      else if (a.equals("--tls-verify") || a.equals("--tls-verify=true")) tlsVerify = true;
      else if (a.equals("--tls-verify=false")) tlsVerify = false;
      else if (a.startsWith("--platform=") && a.length() > 11) platform = a.substring(11);
      else if (a.equals("--platform") && i + 1 < args.length && !args[i + 1].startsWith("-")) platform = args[++i];
      else if (!a.startsWith("-") && !a.isEmpty() && image == null) image = a;
      else return null;
    }
    return image == null ? null : new Fast(image, platform, tlsVerify, quiet);
  }
}
