package dev.jbox.image.unpack;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * A layer unpacked by {@code jbox-unpack} (helpers/unpack/jbox_unpack.c): the same extraction as
 * {@link LayerExtractor}, with the same rules and errors, in one C process instead of this JVM's
 * threads: a pull's inflate, diff id and untar cost about half the CPU there (bench/README.md,
 * "The layer's stream in C"). Used for gzip and plain layers when the program is installed; zstd
 * layers, and every layer when it is missing or JBOX_UNPACK=0, go to LayerExtractor.
 */
public final class NativeUnpack {
  private NativeUnpack() {}

  /**
   * Where the program should be: $JBOX_UNPACK, else jbox-unpack beside the helper ($JBOX_HELPER's
   * directory, or /usr/lib/jbox); null when JBOX_UNPACK=0 turns it off.
   */
  public static Path location() {
    return LayerExtractor.companion("JBOX_UNPACK", "jbox-unpack");
  }

  /** The program, when it is there; null when it is not, or turned off. */
  public static Path binary() {
    Path p = location();
    return p != null && Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
  }

  /**
   * Unpacks blob into dest (which must not exist) with the program; null when the blob is in a
   * format it leaves to the JVM (zstd), with nothing created. {@code follow}: the blob is still
   * being downloaded (see {@link FollowInputStream}); {@code cancelled} then says it failed, and
   * {@code running} holds the process while it runs, so that a cancel can close its input at once.
   */
  public static LayerExtractor.Result extract(Path program, Path blob, boolean follow, BooleanSupplier cancelled,
      AtomicReference<Process> running, Path dest, LayerExtractor.Options opt) throws IOException {
    List<String> argv = new ArrayList<>(List.of(program.toString()));
    if (follow) argv.add("--follow");
    UnpackLimits l = opt.limits();
    argv.addAll(List.of("--max-bytes", Long.toString(l.maxBytes()), "--max-entries", Long.toString(l.maxEntries()),
        "--max-path", Integer.toString(l.maxPathLength()), "--min-free", Long.toString(Math.max(-1, l.minFree()))));
    OwnerList owners = opt.deferred();
    String mode = !opt.applyOwnership() ? "none"
        : owners != null ? "deferred:" + owners.mappedUids() + ":" + owners.mappedGids() : "direct";
    argv.addAll(List.of("--owners", mode, blob.toString(), dest.toString()));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.redirectErrorStream(false);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("layer " + opt.layerName() + ": cannot start " + program + ": " + e.getMessage(), e);
    }
    if (running != null) running.set(p);
    if (cancelled.getAsBoolean()) p.getOutputStream().close();
    Map<String, String> fields = new HashMap<>();
    byte[] deviceFirst = new byte[0];
    byte[] list = new byte[0];
    byte[] err;
    int status;
    try (InputStream out = new BufferedInputStream(p.getInputStream())) {
      String line;
      while ((line = line(out)) != null) {
        if (line.equals("owners-start")) {
          if (owners != null) owners.firstUse();
        } else if (line.startsWith("device-first ")) {
          deviceFirst = exactly(out, line.substring(13));
        } else if (line.startsWith("owners ")) {
          list = exactly(out, line.substring(7));
        } else {
          int sp = line.indexOf(' ');
          fields.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
        }
      }
      // its one line of error comes just before it exits, after stdout's last byte: no reader
      // thread is needed to keep the pipe from filling
      err = p.getErrorStream().readNBytes(64 * 1024);
      status = p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } finally {
      if (running != null) running.set(null);
      p.getOutputStream().close();
    }
    // 3: a zstd layer; 127: the program could not start (a library it needs, libisal2 or libssl3,
    // is missing): either way nothing was created and the JVM unpacks it
    if (status == 3 || (status == 127 && !Files.exists(dest, java.nio.file.LinkOption.NOFOLLOW_LINKS))) return null;
    String msg = new String(err, StandardCharsets.UTF_8).trim();
    if (status != 0 || !fields.containsKey("ok")) {
      if (status == 1 && !msg.isEmpty()) throw new IOException("layer " + opt.layerName() + ": " + lastLine(msg));
      throw new IOException("layer " + opt.layerName() + ": " + program.getFileName() + " failed (status " + status + ")"
          + (msg.isEmpty() ? "" : ": " + lastLine(msg)));
    }
    if (owners != null && list.length > 0) owners.addEncoded(list);
    int devices = Integer.parseInt(fields.get("devices"));
    int skipped = Integer.parseInt(fields.get("xattrs-skipped"));
    return new LayerExtractor.Result(fields.get("diffid"), Long.parseLong(fields.get("entries")),
        Long.parseLong(fields.get("bytes")), devices,
        LayerExtractor.notes(devices, new String(deviceFirst, StandardCharsets.UTF_8), skipped));
  }

  private static String lastLine(String s) {
    int nl = s.lastIndexOf('\n');
    return nl < 0 ? s : s.substring(nl + 1);
  }

  /** One line of the program's output without its newline; null at the end. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) >= 0 && c != '\n') b.write(c);
    if (c < 0 && b.size() == 0) return null;
    return b.toString(StandardCharsets.UTF_8);
  }

  private static byte[] exactly(InputStream in, String len) throws IOException {
    int n = Integer.parseInt(len.trim());
    byte[] b = in.readNBytes(n);
    if (b.length != n) throw new IOException("jbox-unpack: its output ended early");
    return b;
  }
}
