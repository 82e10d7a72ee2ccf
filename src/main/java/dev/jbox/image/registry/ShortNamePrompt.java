package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * The question podman asks for an ambiguous short name on a terminal: the candidates numbered, one
 * number read back; asked again on a wrong answer, an error at end of input.
 */
public final class ShortNamePrompt implements RegistriesConf.Prompter {
  private final BufferedReader in;
  private final PrintWriter out;

  public ShortNamePrompt(BufferedReader in, PrintWriter out) {
    this.in = in;
    this.out = out;
  }

  @Override
  public ImageRef choose(String shortName, List<ImageRef> candidates) {
    out.println("? Please select an image:");
    for (int i = 0; i < candidates.size(); i++) out.println("  " + (i + 1) + ". " + candidates.get(i));
    while (true) {
      out.print("Enter a number (1-" + candidates.size() + "): ");
      out.flush();
      String line;
      try {
        line = in.readLine();
      } catch (IOException e) {
        throw new JboxException("short name \"" + shortName + "\": read the choice: " + e.getMessage());
      }
      if (line == null) {
        out.println();
        throw new JboxException("short name \"" + shortName + "\": no image selected");
      }
      try {
        int n = Integer.parseInt(line.strip());
        if (n >= 1 && n <= candidates.size()) return candidates.get(n - 1);
      } catch (NumberFormatException e) {
        // asked again below
      }
      out.println("\"" + line.strip() + "\" is not a number from 1 to " + candidates.size());
    }
  }
}
