package dev.jbox.cli;

import dev.jbox.sandboxes.AttachPlan;
import dev.jbox.JboxException;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandboxes.Sandbox;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox attach}: hands the helper a plan that connects the terminal to a detached sandbox's monitor. */
@Command(name = "attach", mixinStandardHelpOptions = true, description = "Attach the terminal to a running detached sandbox (see jbox-attach(1)).")
final class AttachCommand extends StateCommand implements Callable<Integer> {
  @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Key sequence that detaches (default ${DEFAULT-VALUE}; empty: none).")
  String detachKeys = AttachPlan.DEFAULT_KEYS;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    AttachPlan.parseKeys(detachKeys);
    Sandbox s = store().find(ref);
    if (!s.status().running()) throw new JboxException("attach: sandbox " + s.label() + " is not running");
    if (!Files.exists(s.dir().resolve("attach.sock"))) {
      throw new JboxException("attach: sandbox " + s.label() + " has no attach socket (started by an older jbox)");
    }
    PlanChannel.send(PlanWriter.encodeRecords(List.of(AttachPlan.record(s, detachKeys))));
    return 0;
  }
}
