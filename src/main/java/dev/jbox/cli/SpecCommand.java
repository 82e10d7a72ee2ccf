package dev.jbox.cli;

import java.io.PrintStream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the commands FastArgs runs without picocli that print through {@link PicoMain}'s
 * streams ({@code version}, {@code info}, {@code system df}, {@code image inspect}): picocli's
 * spec lives here, in a superclass, because FastArgs sets a command's fields by reflection, which
 * resolves the type of every field the command's own class declares, and CommandSpec would load
 * picocli.
 */
abstract class SpecCommand {
  @Spec CommandSpec spec;

  /** The streams when run by FastArgs, without picocli (spec is null then). */
  private PrintStream fastOut;
  private PrintStream fastErr;

  void streams(PrintStream out, PrintStream err) {
    fastOut = out;
    fastErr = err;
  }

  PrintStream out() {
    return spec == null ? fastOut : PicoMain.of(spec).out();
  }

  PrintStream err() {
    return spec == null ? fastErr : PicoMain.of(spec).err();
  }

  dev.jbox.sandboxes.SandboxService sandboxes() {
    // not PicoMain.sandboxes: loading PicoMain loads picocli's exception classes
    return new dev.jbox.sandboxes.SandboxService(dev.jbox.sandboxes.SandboxStore.locate(System.getenv()), err());
  }
}
