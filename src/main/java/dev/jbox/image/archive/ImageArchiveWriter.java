package dev.jbox.image.archive;

import dev.jbox.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lays out images as an archive tarball: the original blobs under {@code blobs/sha256/}, an OCI
 * {@code index.json} and {@code oci-layout}, and for docker-archive also Docker's
 * {@code manifest.json} pointing at the same blobs (as {@code docker save} writes since Docker 25).
 */
public final class ImageArchiveWriter {
  /** The two archive formats. */
  public enum Format {
    DOCKER_ARCHIVE("docker-archive"),
    OCI_ARCHIVE("oci-archive");

    private final String cliName;

    Format(String cliName) {
      this.cliName = cliName;
    }

    public String cliName() {
      return cliName;
    }

    /** Parses "docker-archive" or "oci-archive"; null if neither. */
    public static Format parse(String s) {
      for (Format f : values()) if (f.cliName.equals(s)) return f;
      return null;
    }
  }

  /** Where the blob bytes come from. */
  public interface Blobs {
    long size(String digest) throws IOException;

    InputStream open(String digest) throws IOException;
  }

  /**
   * One image to write: its manifest exactly as stored, the manifest's media type, its config
   * digest, its layer blob digests in manifest order, and the full names to record (may be empty).
   */
  public record Image(byte[] manifest, String manifestDigest, String manifestMediaType,
      String configDigest, List<String> layerDigests, List<String> names) {
    public Image {
      layerDigests = List.copyOf(layerDigests);
      names = List.copyOf(names);
    }
  }

  private final Format format;
  private final Blobs blobs;

  public ImageArchiveWriter(Format format, Blobs blobs) {
    this.format = format;
    this.blobs = blobs;
  }

  /** Writes the archive; the stream is flushed, not closed. */
  public void write(List<Image> images, OutputStream out) throws IOException {
    TarWriter tar = new TarWriter(out);
    tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    tar.directory("blobs");
    tar.directory("blobs/sha256");
    Set<String> written = new HashSet<>();
    List<Object> index = new ArrayList<>();
    List<Object> docker = new ArrayList<>();
    for (Image im : images) {
      for (String d : im.layerDigests()) blob(tar, written, d);
      blob(tar, written, im.configDigest());
      if (written.add(im.manifestDigest())) {
        tar.file(member(im.manifestDigest()), im.manifest());
      }
      List<String> names = im.names().isEmpty() ? java.util.Collections.singletonList(null)
          : im.names();
      for (String name : names) index.add(indexEntry(im, name));
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("Config", member(im.configDigest()));
      e.put("RepoTags", im.names());
      List<Object> layers = new ArrayList<>();
      for (String d : im.layerDigests()) layers.add(member(d));
      e.put("Layers", layers);
      docker.add(e);
    }
    Map<String, Object> idx = new LinkedHashMap<>();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", "application/vnd.oci.image.index.v1+json");
    idx.put("manifests", index);
    tar.file("index.json", Json.write(idx).getBytes(StandardCharsets.UTF_8));
    if (format == Format.DOCKER_ARCHIVE) {
      tar.file("manifest.json", Json.write(docker).getBytes(StandardCharsets.UTF_8));
    }
    tar.close();
  }

  private Map<String, Object> indexEntry(Image im, String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mediaType", im.manifestMediaType());
    m.put("digest", im.manifestDigest());
    m.put("size", im.manifest().length);
    if (name != null) {
      Map<String, Object> ann = new LinkedHashMap<>();
      ann.put("io.containerd.image.name", name);
      // podman's oci-archive records the full name here; Docker only the tag.
      ann.put("org.opencontainers.image.ref.name", format == Format.OCI_ARCHIVE ? name
          : name.substring(name.lastIndexOf(':') + 1));
      m.put("annotations", ann);
    }
    return m;
  }

  private void blob(TarWriter tar, Set<String> written, String digest) throws IOException {
    if (!written.add(digest)) return;
    long size = blobs.size(digest);
    try (InputStream in = blobs.open(digest)) {
      tar.file(member(digest), size, in);
    }
  }

  /** The archive member of a blob: blobs/sha256/HEX. */
  public static String member(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException("unexpected digest " + digest);
    }
    return "blobs/sha256/" + digest.substring(7);
  }
}
