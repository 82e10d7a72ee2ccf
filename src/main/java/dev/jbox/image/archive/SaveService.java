package dev.jbox.image.archive;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageLookup;
import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.store.ImageStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** {@code jbox save}: writes stored images, with their original blobs, as an archive tarball. */
public final class SaveService {
  private final ImageStore store;

  public SaveService(ImageStore store) {
    this.store = store;
  }

  /** Resolves the inputs and checks every blob is in the store, before anything is written. */
  public List<ImageArchiveWriter.Image> select(List<String> inputs) {
    List<ImageArchiveWriter.Image> out = new ArrayList<>();
    for (String input : inputs) {
      ImageLookup.Found f = ImageLookup.find(store, input);
      ImageRecord r = f.image();
      List<String> layers = new ArrayList<>();
      for (ImageRecord.Layer l : r.layers()) layers.add(l.digest());
      List<String> needed = new ArrayList<>(layers);
      needed.add(r.id());
      for (String d : needed) {
        if (!Files.isRegularFile(store.blobPath(d))) {
          throw new JboxException("save " + input + ": blob " + d + " is not in the store"
              + " (stored by an older jbox): pull the image again");
        }
      }
      byte[] manifest;
      try {
        manifest = Files.readAllBytes(store.blobPath(r.manifestDigest()));
      } catch (IOException e) {
        throw new JboxException("save " + input + ": manifest " + r.manifestDigest()
            + " is not in the store: pull the image again");
      }
      List<String> names = f.name() != null ? List.of(f.name()) : List.of();
      out.add(new ImageArchiveWriter.Image(manifest, r.manifestDigest(), r.manifestMediaType(),
          r.id(), layers, names));
    }
    return out;
  }

  /** Writes the archive to a stream (stdout). */
  public void write(List<ImageArchiveWriter.Image> images, ImageArchiveWriter.Format format,
      OutputStream out) {
    try {
      writer(format).write(images, out);
    } catch (IOException e) {
      throw new JboxException("save: " + e.getMessage(), e);
    }
  }

  /** Writes the archive to a file: a temp file in the same directory, renamed when complete. */
  public void write(List<ImageArchiveWriter.Image> images, ImageArchiveWriter.Format format,
      Path file) {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new JboxException("save: cannot write " + file + ": no such directory " + dir);
    }
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".partial");
    } catch (IOException e) {
      throw new JboxException("save: cannot write " + file + ": " + describe(e), e);
    }
    boolean done = false;
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        writer(format).write(images, out);
      }
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
    } catch (IOException e) {
      throw new JboxException("save: cannot write " + file + ": " + describe(e), e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // nothing more to do: the message above names the file
        }
      }
    }
  }

  private ImageArchiveWriter writer(ImageArchiveWriter.Format format) {
    return new ImageArchiveWriter(format, new ImageArchiveWriter.Blobs() {
      @Override
      public long size(String digest) throws IOException {
        return Files.size(store.blobPath(digest));
      }

      @Override
      public InputStream open(String digest) throws IOException {
        try {
          return Files.newInputStream(store.blobPath(digest));
        } catch (NoSuchFileException e) {
          throw new IOException("blob " + digest + " was removed while saving");
        }
      }
    });
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) return "no such file or directory";
    if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
    return String.valueOf(e.getMessage());
  }
}
