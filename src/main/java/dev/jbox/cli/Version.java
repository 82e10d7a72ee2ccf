package dev.jbox.cli;

import picocli.CommandLine.IVersionProvider;

/** Supplies {@code jbox --version} from the jar manifest. */
public final class Version implements IVersionProvider {
  public static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-dev" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"jbox " + get()};
  }
}
