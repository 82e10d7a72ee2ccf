package dev.jbox.sandbox;

import java.util.List;

/**
 * What a sandbox takes from an image: its layer directories (overlay lower dirs, top first) and
 * the process defaults of its config, and its VOLUME paths (anonymous volumes). Pure data; the cli resolves and pulls the image.
 */
public record ImageSpec(
    String name,
    String id,
    List<String> lowerDirs,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    List<String> volumes) {
  /** Without VOLUME paths. */
  public ImageSpec(String name, String id, List<String> lowerDirs, List<String> entrypoint, List<String> cmd,
      List<String> env, String workingDir, String user) {
    this(name, id, lowerDirs, entrypoint, cmd, env, workingDir, user, List.of());
  }

  public ImageSpec {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    lowerDirs = List.copyOf(lowerDirs);
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
  }
}
