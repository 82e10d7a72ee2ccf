package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of the lifecycle commands: their output streams and the state store. */
abstract class StateCommand {
  @Spec CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  SandboxStore store() {
    return SandboxStore.open(System.getenv(), w -> err().println("jbox: warning: " + w));
  }
}
