package dev.jbox.cli;

import dev.jbox.image.registry.RegistriesConf;
import dev.jbox.image.registry.ShortNamePrompt;
import java.io.BufferedReader;
import java.io.Console;

/** Questions asked on the user's terminal. */
final class Prompts {
  private Prompts() {}

  /**
   * The short-name prompt on the console, or null when standard input and output are not both a
   * terminal (what {@link System#console()} reports on Java 17), as podman decides.
   */
  static RegistriesConf.Prompter shortNames() {
    Console c = System.console();
    return c == null ? null : new ShortNamePrompt(new BufferedReader(c.reader()), c.writer());
  }
}
