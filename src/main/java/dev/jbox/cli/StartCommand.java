package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.state.Sandbox;
import dev.jbox.state.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox start}: runs an exited sandbox again, detached, from the plan its config.json recorded. */
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
    Sandbox s = store().find(ref);
    byte[] plan;
    // the lock orders this check against rm and another start; the monitor's socket settles a race that gets past it
    try (Sandbox.Lock l = s.lock()) {
      Status st = s.status();
      if (st.running() || s.monitorAlive()) throw new JboxException("start: sandbox " + s.label() + " is already running");
      if (st.kind() == Status.Kind.CREATED) throw new JboxException("start: sandbox " + s.label() + " is still being created");
      if (!(s.config().get("plan") instanceof String encoded)) {
        throw new JboxException("start: sandbox " + s.label() + " was created by an older jbox and cannot be started again");
      }
      for (String dir : neededDirs(s.config())) {
        if (!Files.isDirectory(Path.of(dir))) {
          throw new JboxException("start: sandbox " + s.label() + " cannot run again: `" + dir + "` is gone");
        }
      }
      plan = Base64.getDecoder().decode(encoded);
    }
    List<PlanWriter.Extra> extras = new ArrayList<>();
    extras.add(new PlanWriter.Extra(PlanWriter.T_STATEDIR, s.dir().toString()));
    if (attach) extras.add(AttachPlan.record(s, detachKeys));
    PlanChannel.send(PlanWriter.append(plan, extras));
    return 0;
  }

  /** The host directories the recorded plan needs: the rootfs, or an image's layers and the sandbox's own upper dir. */
  @SuppressWarnings("unchecked")
  static List<String> neededDirs(Map<String, Object> config) {
    List<String> dirs = new ArrayList<>();
    if (config.get("overlay") instanceof Map<?, ?> o) {
      dirs.addAll((List<String>) o.get("lower"));
      dirs.add((String) o.get("upper"));
    } else if (config.get("rootfs") instanceof String r) {
      dirs.add(r);
    }
    return dirs;
  }
}
