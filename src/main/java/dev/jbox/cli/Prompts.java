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
    // System.console() is asked only when a short name is ambiguous: its first call sets up
    // java.io.Console (VarHandles, method types), about 0.5 ms that `jbox run IMAGE` of a stored
    // image never needs. A class, not a lambda (the run path has none: README, Architecture).
    return new RegistriesConf.Prompter() {
      private boolean looked;
      private ShortNamePrompt prompt;

      private ShortNamePrompt prompt() {
        if (!looked) {
          looked = true;
          Console c = System.console();
          prompt = c == null ? null : new ShortNamePrompt(new BufferedReader(c.reader()), c.writer());
        }
        return prompt;
      }

      @Override
      public boolean available() {
        return prompt() != null;
      }

      @Override
      public dev.jbox.image.ImageRef choose(String shortName, java.util.List<dev.jbox.image.ImageRef> candidates) {
        ShortNamePrompt p = prompt();
        if (p == null) throw new IllegalStateException("no terminal to ask on (available() is false)");
        return p.choose(shortName, candidates);
      }
    };
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
