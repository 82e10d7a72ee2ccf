package dev.jbox.helper;

import dev.jbox.JboxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds jbox-helper: $JBOX_HELPER (the launcher sets it), else beside the installed jar. */
public final class HelperBinary {
  private HelperBinary() {}

  public static Path locate() {
    String env = System.getenv("JBOX_HELPER");
    Path p = env != null && !env.isEmpty() ? Path.of(env) : Path.of("/usr/lib/jbox/jbox-helper");
    if (!Files.isExecutable(p)) throw new JboxException("helper `" + p + "` not found or not executable (set JBOX_HELPER or reinstall jbox)");
    return p;
  }
}
