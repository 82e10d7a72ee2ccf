package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.SandboxFiles;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox diff}: what a sandbox changed in its image's file system, as podman diff prints it. */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Show the files a sandbox added (A), changed (C) and deleted (D) (see jbox-diff(1)).")
final class DiffCommand extends StateCommand implements Callable<Integer> {
  @Option(names = "--format", paramLabel = "FORMAT", description = "json: {\"changed\":[...],\"added\":[...],\"deleted\":[...]}.")
  String format;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    if (format != null && !format.equals("json")) throw new JboxException("diff: --format " + format + ": only json is known");
    List<SandboxFiles.Change> changes = service().files().diff(ref);
    if (format != null) {
      out().println(Json.pretty(SandboxFiles.diffJson(changes)));
    } else {
      for (SandboxFiles.Change c : changes) out().println(c.kind() + " " + dev.jbox.Text.escape(c.path()));
    }
    out().flush();
    return 0;
  }
}
