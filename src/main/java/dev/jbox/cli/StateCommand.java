package dev.jbox.cli;

import dev.jbox.state.Store;
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

  Store store() {
    return Store.open(System.getenv(), w -> err().println("jbox: warning: " + w));
  }
}
