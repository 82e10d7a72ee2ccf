package dev.jbox.cli;

import dev.jbox.image.store.StoreService;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jbox system}: store-wide information. */
@Command(name = "system", mixinStandardHelpOptions = true,
    description = "Store-wide information and start-up archives (see jbox-system(1)).",
    subcommands = {SystemCommand.Df.class, SystemCommand.Prune.class, SystemCommand.CdsVerb.class})
final class SystemCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw MissingSubcommand.of(spec);
  }

  /** {@code jbox system df}: disk used by images, layers, blobs and volumes. */
  @Command(name = "df", mixinStandardHelpOptions = true, description = "Show disk usage of the store.")
  static final class Df extends SpecCommand implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
      dev.jbox.sandboxes.SandboxService svc = sandboxes();
      StoreService.Usage u = svc.imageUsage();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
      rows.add(new String[] {"Images", Integer.toString(u.images()),
          Integer.toString(u.activeImages()), ImagesCommand.si(u.imagesSize()),
          ImagesCommand.si(u.reclaimableImages())});
      rows.add(new String[] {"Layers", Integer.toString(u.layers()), "",
          ImagesCommand.si(u.layersSize()), ""});
      rows.add(new String[] {"Blobs", "", "", ImagesCommand.si(u.blobsSize()), ""});
      dev.jbox.sandboxes.SandboxService.VolumeUsage v = svc.volumeUsage();
      rows.add(new String[] {"Local Volumes", Integer.toString(v.total()), Integer.toString(v.active()),
          ImagesCommand.si(v.size()), ImagesCommand.si(v.reclaimable())});
      Table.print(out(), rows);
      return 0;
    }
  }

  /**
   * {@code jbox system prune}: stopped sandboxes, then (--volumes) unused volumes, then dangling
   * (-a: unused) images, with podman's prompt and output.
   */
  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = "Remove stopped sandboxes and images without names (-a: every image no sandbox uses).")
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-a", "--all"}, description = "Remove every image no sandbox uses, named or not.")
    boolean all;

    @picocli.CommandLine.Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.")
    boolean force;

    @picocli.CommandLine.Option(names = "--volumes", description = "Remove the volumes no sandbox uses too.")
    boolean volumes;

    @Override
    public Integer call() {
      PicoMain root = PicoMain.of(spec);
      java.io.PrintStream out = root.out();
      dev.jbox.sandboxes.SandboxService svc = PicoMain.sandboxes(spec);
      List<dev.jbox.sandboxes.SandboxService.PruneStep> more = new ArrayList<>();
      if (volumes) more.add(svc.volumePruneStep());
      if (!force && !Prompts.confirm(out, "WARNING! This command removes:\n\t- all stopped containers\n"
          + (volumes ? "\t- all volumes not used by at least one container\n" : "")
          + (all ? "\t- all images without at least one container associated with them\n" : "\t- all dangling images\n")
          + "\n")) {
        return 0;
      }
      dev.jbox.sandboxes.SandboxService.PruneReport r = svc.systemPrune(all, more);
      for (java.util.Map.Entry<String, List<String>> e : r.removed().entrySet()) {
        if (e.getValue().isEmpty()) continue;
        out.println(e.getKey());
        e.getValue().forEach(out::println);
      }
      out.println("Total reclaimed space: " + ImagesCommand.si(r.bytesFreed()));
      return 0;
    }
  }

  /**
   * {@code jbox system cds}: makes the AppCDS start-up archives for the JVM that runs this command
   * (the launcher's), with the same builder Maven and the package's postinst use. The launcher runs
   * it with {@code --if-stale} in the background when no archive matches its JVM any more.
   */
  @Command(name = "cds", mixinStandardHelpOptions = true,
      description = "Make the start-up (AppCDS) archives for the current JVM.")
  static final class CdsVerb implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Option(names = "--if-stale", description = "Do nothing when an archive already matches this JVM.")
    boolean ifStale;

    @picocli.CommandLine.Option(names = {"-q", "--quiet"}, description = "Print nothing.")
    boolean quiet;

    @Override
    public Integer call() throws IOException, InterruptedException {
      java.nio.file.Path jar = Cds.jar();
      if (jar == null) throw new dev.jbox.JboxException("system cds: jbox was not started from a jar (nothing to archive)");
      java.util.Map<String, String> env = System.getenv();
      // every archive, not only the cli one: `jbox ps` starting without a matching jbox.jsa asks too
      if (ifStale && Cds.stale(env).isEmpty()) return 0;
      java.nio.file.Path dir = Cds.target(jar, env, dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0]);
      java.nio.file.Files.createDirectories(dir);
      ProcessBuilder pb = new ProcessBuilder(Cds.script(env).toString(), jar.toString(), dir.toString());
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      int rc = pb.start().waitFor();
      Cds.State after = Cds.state(env);
      List<String> missing = Cds.stale(env);
      if (after.kind() != Cds.Kind.MATCH || !missing.isEmpty()) {
        throw new dev.jbox.JboxException("system cds: " + (missing.isEmpty() ? "no archive" : String.join(", ", missing))
            + " was not written to " + dir + " (builder exit " + rc + ")");
      }
      if (!quiet) PicoMain.of(spec).out().println("wrote " + dir.resolve("jbox.jsa") + " and " + after.archive() + " for " + after.jvm());
      return 0;
    }
  }
}
