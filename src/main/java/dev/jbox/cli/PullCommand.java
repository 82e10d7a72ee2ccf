package dev.jbox.cli;

import dev.jbox.image.Platform;
import dev.jbox.image.pull.PullRequest;
import dev.jbox.image.pull.PullService;
import dev.jbox.image.store.ImageRecord;
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
    Platform p = platform != null ? Platform.parse(platform) : Platform.host();
    PullRequest req = new PullRequest(image, p, tlsVerify, quiet, System.console() != null, 4,
        Prompts.shortNames());
    ImageRecord r = new PullService(KeptSandboxes.openStore(PicoMain.of(spec).err()), root.out(), root.err())
        .pull(req);
    root.out().println(r.id().substring(7));
    return 0;
  }
}
