package dev.jbox.cli;

import dev.jbox.sandboxes.KeptSandboxes;
import dev.jbox.sandboxes.Containers;
import dev.jbox.sandboxes.Lifecycle;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox rm}: removes stopped sandboxes (with -f, kills running ones first): a detached
 * sandbox's state, and an image sandbox's directory in the image store with its changes, deleted
 * in the user namespace.
 */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove sandboxes (see jbox-rm(1)).")
final class RmCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--force"}, description = "Kill a running sandbox first.")
  boolean force;

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  @Override
  public Integer call() {
    PrintStream err = PicoMain.of(spec).err();
    SandboxStore store = store();
    Containers containers = KeptSandboxes.existing(err);
    try (KeptSandboxes.Remover remover = new KeptSandboxes.Remover(containers, err)) {
      for (String r : refs) {
        List<Sandbox> detached = store.list();
        KeptSandboxes.Found f = KeptSandboxes.find(detached, KeptSandboxes.foreground(containers, detached), r);
        if (f.kept() != null) {
          remover.removeForeground(f.kept(), force, f.label());
        } else {
          Sandbox s = f.detached();
          if (force) Lifecycle.stop(s, 9, 0);
          store.remove(s);
          // an image sandbox's upper dir goes with it
          Path dir = containers == null ? null : containers.dir().resolve(s.id());
          if (dir != null && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) remover.removeDir(dir, f.label());
        }
        out().println(r);
      }
    }
    return 0;
  }
}
