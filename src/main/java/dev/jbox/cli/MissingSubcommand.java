package dev.jbox.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * picocli's error for {@code jbox volume} (system, image) without a subcommand, made here and not
 * in the parent command: the verifier of a class that throws picocli's exception loads picocli's
 * exception classes, and FastArgs' subcommands ({@code volume ls}, {@code system df}) use their
 * parent's static helpers without picocli.
 */
final class MissingSubcommand {
  private MissingSubcommand() {}

  static RuntimeException of(CommandSpec spec) {
    return new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }
}
