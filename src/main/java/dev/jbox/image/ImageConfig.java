package dev.jbox.image;

import dev.jbox.JboxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of an image configuration (OCI config or Docker container config) jbox uses, with the
 * original bytes kept for {@code inspect}.
 */
public record ImageConfig(
    String architecture,
    String os,
    String variant,
    String createdText,
    String user,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String stopSignal,
    Map<String, String> labels,
    Set<String> exposedPorts,
    List<String> volumes,
    List<Digest> diffIds,
    int historyCount,
    byte[] raw) {

  public ImageConfig {
    env = env == null ? List.of() : List.copyOf(env);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    exposedPorts = exposedPorts == null ? Set.of() : Set.copyOf(exposedPorts);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    diffIds = List.copyOf(diffIds);
    if (historyCount < 0) throw new JboxException("image config: negative history count");
    raw = raw == null ? new byte[0] : raw.clone();
  }

  /**
   * When the image was created, or null. Parsed here, not in {@link #parse}: java.time's parser is
   * built on lambdas and regexes, which `jbox run` does without (dev.jbox.Text); a pull calls this,
   * so a bad time still fails the pull.
   */
  public Instant created() {
    if (createdText == null || createdText.isEmpty()) return null;
    try {
      return java.time.OffsetDateTime.parse(createdText).toInstant();
    } catch (DateTimeParseException e) {
      throw new JboxException("image config: bad \"created\" time \"" + createdText + "\"");
    }
  }

  /** Parses a config blob; {@code rootfs.diff_ids} must be a list of digests. */
  public static ImageConfig parse(byte[] json) {
    JsonFields f = JsonFields.parse("image config", json);
    JsonFields c = f.object("config");
    if (c == null) c = new JsonFields("image config", Map.of());
    List<Digest> diffIds = new ArrayList<>();
    JsonFields rootfs = f.object("rootfs");
    if (rootfs != null) {
      List<String> ids = rootfs.strings("diff_ids");
      if (ids != null) for (String id : ids) diffIds.add(Digest.parse(id));
    }
    return new ImageConfig(
        f.string("architecture"),
        f.string("os"),
        f.string("variant"),
        f.string("created"),
        c.string("User"),
        c.strings("Env"),
        c.strings("Entrypoint"),
        c.strings("Cmd"),
        c.string("WorkingDir"),
        c.string("StopSignal"),
        c.stringMap("Labels"),
        new LinkedHashSet<>(c.keys("ExposedPorts")),
        new ArrayList<>(c.keys("Volumes")),
        diffIds,
        f.list("history").size(),
        json);
  }

  /** The original bytes (a copy). */
  @Override
  public byte[] raw() {
    return raw.clone();
  }

  /** The platform the config declares, or null when os or architecture is missing. */
  public Platform platform() {
    if (os == null || architecture == null || os.isEmpty() || architecture.isEmpty()) return null;
    return new Platform(os, architecture, variant);
  }
}
