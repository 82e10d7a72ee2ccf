package dev.jbox.cli;

import dev.jbox.sandboxes.AttachPlan;
import dev.jbox.sandboxes.KeptSandboxes;
import dev.jbox.JboxException;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandboxes.Containers;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.Status;
import dev.jbox.sandboxes.SandboxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox start}: runs an exited sandbox again, detached, from the plan its config.json
 * recorded. An image sandbox run in the foreground becomes a detached sandbox of the state store
 * first, with the record and plan its run kept for this in the image store.
 */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start an exited sandbox again (see jbox-start(1)).")
final class StartCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-a", "--attach"}, description = "Attach to it (-t/-i sandboxes) or follow its output, until it exits.")
  boolean attach;

  @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Key sequence that detaches, with -a (default ${DEFAULT-VALUE}).")
  String detachKeys = AttachPlan.DEFAULT_KEYS;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  @SuppressWarnings("try")
  public Integer call() {
    AttachPlan.parseKeys(detachKeys);
    KeptSandboxes.Found f = KeptSandboxes.find(store(), PicoMain.of(spec).err(), ref);
    if (f.kept() != null) return startKept(f.kept(), f.label());
    Sandbox s = f.detached();
    byte[] plan;
    // the lock orders this check against rm and another start; the monitor's socket settles a race that gets past it
    try (Sandbox.Lock l = s.lock()) {
      Status st = s.status();
      if (st.running() || s.monitorAlive()) throw new JboxException("start: sandbox " + s.label() + " is already running");
      if (st.kind() == Status.Kind.CREATED) throw new JboxException("start: sandbox " + s.label() + " is still being created");
      if (!(s.config().get("plan") instanceof String encoded)) {
        throw new JboxException("start: sandbox " + s.label() + " was created by an older jbox and cannot be started again");
      }
      checkDirs(s.config(), s.label());
      plan = Base64.getDecoder().decode(encoded);
    }
    send(s, plan);
    return 0;
  }

  /**
   * A foreground image sandbox: not while it runs (its lock is held), and only with the plan its
   * run recorded; it then gets a state directory as run -d would have made (a setup failure of this
   * first detached run removes it again, leaving the sandbox as it was).
   */
  private int startKept(Containers.Entry e, String label) {
    if (e.locked()) throw new JboxException("start: sandbox " + label + " is already running");
    if (!(e.config().get("plan") instanceof String encoded)) {
      String why = e.rm() ? "was run with --rm" : "was created by an older jbox";
      throw new JboxException("start: sandbox " + label + " " + why + " and cannot be started again");
    }
    Map<String, Object> config = new LinkedHashMap<>(e.config());
    config.remove("rm");
    config.remove("detached");
    checkDirs(config, label);
    SandboxStore store = store();
    Sandbox s = store.create(e.id(), e.name(), config);
    try {
      send(s, Base64.getDecoder().decode(encoded));
    } catch (RuntimeException ex) {
      store.forget(s);
      throw ex;
    }
    return 0;
  }

  private void send(Sandbox s, byte[] plan) {
    List<PlanWriter.Extra> extras = new ArrayList<>();
    extras.add(new PlanWriter.Extra(PlanWriter.T_STATEDIR, s.dir().toString()));
    if (attach) extras.add(AttachPlan.record(s, detachKeys));
    PlanChannel.send(PlanWriter.append(plan, extras));
  }

  private static void checkDirs(Map<String, Object> config, String label) {
    for (String dir : neededDirs(config)) {
      if (!Files.isDirectory(Path.of(dir))) {
        throw new JboxException("start: sandbox " + label + " cannot run again: `" + dir + "` is gone");
      }
    }
  }

  /**
   * The host directories the recorded plan needs: the rootfs, or an image's layers and the
   * sandbox's own upper dir; and a foreground image sandbox's generated /etc files (in the runtime
   * directory, which a reboot empties).
   */
  @SuppressWarnings("unchecked")
  static List<String> neededDirs(Map<String, Object> config) {
    List<String> dirs = new ArrayList<>();
    if (config.get("overlay") instanceof Map<?, ?> o) {
      dirs.addAll((List<String>) o.get("lower"));
      dirs.add((String) o.get("upper"));
    } else if (config.get("rootfs") instanceof String r) {
      dirs.add(r);
    }
    if (config.get("etcFiles") instanceof String f) dirs.add(f);
    return dirs;
  }
}
