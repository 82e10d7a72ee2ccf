package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of the lifecycle commands: their output streams and the sandbox service. */
abstract class StateCommand {
  @Spec CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  SandboxService service() {
    return new SandboxService(SandboxStore.open(System.getenv(), w -> err().println("jbox: warning: " + w)),
        PicoMain.of(spec).err());
  }
}
