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

  /**
   * podman's confirmation of a prune: the warning and "Are you sure you want to continue? [y/N] "
   * on the stream given (standard output for system and image prune, standard error for volume
   * prune), one line from standard input; true for y or yes (any case). End of input is no.
   */
  static <T extends Appendable & java.io.Flushable> boolean confirm(T out, String warning) {
    StringBuilder line = new StringBuilder();
    try {
      out.append(warning).append("Are you sure you want to continue? [y/N] ");
      out.flush();
      int c;
      while ((c = System.in.read()) >= 0 && c != '\n' && line.length() < 256) line.append((char) c);
    } catch (java.io.IOException e) {
      return false;
    }
    String a = line.toString().trim().toLowerCase(java.util.Locale.ROOT);
    return a.equals("y") || a.equals("yes");
  }
}
