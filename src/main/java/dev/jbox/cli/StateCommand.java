package dev.jbox.cli;

import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of the lifecycle commands: their output streams and the sandbox service. */
abstract class StateCommand {
  @Spec CommandSpec spec;

  /** The streams when run by FastArgs, without picocli (spec is null then). */
  private PrintWriter fastOut;
  private PrintWriter fastErr;
  private PrintStream fastErrStream;

  void streams(PrintWriter out, PrintWriter err, PrintStream errStream) {
    fastOut = out;
    fastErr = err;
    fastErrStream = errStream;
  }

  PrintWriter out() {
    return spec == null ? fastOut : spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec == null ? fastErr : spec.commandLine().getErr();
  }

  /** Warnings dropped. (Classes, not lambdas: see SandboxStore.list.) */
  static final Consumer<String> IGNORE = new Consumer<String>() {
    @Override
    public void accept(String w) { }
  };

  SandboxService service() {
    Consumer<String> warn = new Consumer<String>() {
      @Override
      public void accept(String w) {
        err().println("jbox: warning: " + w);
      }
    };
    return new SandboxService(SandboxStore.open(System.getenv(), warn), spec == null ? fastErrStream : PicoMain.of(spec).err());
  }
}
