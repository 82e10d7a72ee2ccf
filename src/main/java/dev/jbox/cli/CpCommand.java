package dev.jbox.cli;

import dev.jbox.JboxException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox cp}: copies between a sandbox (running or not) and the host, either way, or a tar
 * stream ({@code -}); paths inside the sandbox are resolved inside its root.
 */
@Command(name = "cp", mixinStandardHelpOptions = true,
    description = "Copy files between a sandbox and the host (see jbox-cp(1)).")
final class CpCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-a", "--archive"}, arity = "0..1", defaultValue = "true", fallbackValue = "true",
      description = "Give the copied files to the destination's user (the default, as podman); --archive=false keeps their ids.")
  boolean archive = true;

  @Option(names = "--overwrite", description = "Let a directory replace a non-directory and the other way round.")
  boolean overwrite;

  @Option(names = {"-L", "--follow-link"}, description = "Follow every symlink below SRC too (inside the sandbox's root for a sandbox's SRC).")
  boolean followLinks;

  @Parameters(index = "0", paramLabel = "SRC", description = "SANDBOX:PATH, a host path, or - (a tar on standard input).")
  String src;

  @Parameters(index = "1", paramLabel = "DEST", description = "SANDBOX:PATH, a host path, or - (a tar on standard output).")
  String dest;

  /** SANDBOX:PATH as [sandbox, path], or null for a host path (one that starts with / or ., or has no colon), as podman tells them apart. */
  static String[] split(String arg) {
    if (arg.equals("-") || arg.startsWith("/") || arg.startsWith(".")) return null;
    int colon = arg.indexOf(':');
    if (colon <= 0) return null;
    return new String[] {arg.substring(0, colon), arg.substring(colon + 1)};
  }

  @Override
  public Integer call() {
    String[] from = split(src);
    String[] to = split(dest);
    if ((from == null) == (to == null)) {
      throw new JboxException("cp: one of SRC and DEST must be SANDBOX:PATH, the other a host path or -");
    }
    var o = new dev.jbox.sandboxes.SandboxFiles.CpOptions(archive, overwrite, followLinks);
    if (from != null) {
      service().files().copyOut(from[0], from[1], dest, o, PicoMain.of(spec).out());
    } else {
      service().files().copyIn(src, to[0], to[1], o, System.in);
    }
    return 0;
  }
}
