package dev.jbox.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * Supplies {@code jbox --version}: the jar manifest's version, else the pom's version that the
 * build wrote into version.txt (the build's own help text is made before the jar exists).
 */
public final class Version implements IVersionProvider {
  public static String get() {
    return Own.get();
  }

  /**
   * The lookup itself, in a class of its own: {@code jbox version} and {@code info} (FastArgs, no
   * picocli) would otherwise load picocli's IVersionProvider with this class.
   */
  static final class Own {
    private Own() {}

    static String get() {
      // Own.class, not Version.class: naming that class loads it (and its picocli interface)
      String v = Own.class.getPackage().getImplementationVersion();
      if (v != null) return v;
      try (java.io.InputStream in = Own.class.getResourceAsStream("version.txt")) {
        if (in != null) {
          String f = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
          if (!f.isEmpty() && !f.startsWith("$")) return f;
        }
      } catch (java.io.IOException e) {
        // fall through to the placeholder
      }
      return "0.1.0-dev";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"jbox " + get()};
  }
}
