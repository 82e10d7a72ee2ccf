package dev.jbox.image.unpack;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The client side of {@link UnpackMain}: starts one child JVM (wrapped to run in the user
 * namespace) on first use and sends it delete and copy-up requests (and unpack requests, unless
 * unpacks run {@link InProcess in this JVM}); thread-safe.
 */
public final class Unpacker implements AutoCloseable {
  private final UnaryOperator<List<String>> wrap;
  private final boolean ownership;
  private final UnpackLimits limits;
  private final InProcess local;

  /**
   * Unpacking in this JVM, without a second one: the files are created as the user, which is
   * 0:0 in the user namespace {@code map} describes, and the members with other owners are listed
   * ({@link OwnerList}) for {@code ownersArgv.apply(layerRoot)}, which runs {@code jbox-helper
   * owners ROOT} as root of that user namespace and reads the list on stdin. {@code map} null and
   * {@code ownersArgv} null: real root, which sets every owner itself as it unpacks.
   * {@code firstUnpack} (may be null) runs once, before the first layer unpacks: where the child
   * JVM's start used to print the single-id map's warning, this prints it.
   */
  public record InProcess(dev.jbox.sandbox.idmap.IdMap map, java.util.function.Function<Path, List<String>> ownersArgv,
      Runnable firstUnpack) {
    public InProcess(dev.jbox.sandbox.idmap.IdMap map, java.util.function.Function<Path, List<String>> ownersArgv) {
      this(map, ownersArgv, null);
    }
  }
  private final java.util.concurrent.atomic.AtomicBoolean unpacked = new java.util.concurrent.atomic.AtomicBoolean();
  private Process child;
  private OutputStream toChild;
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final Map<String, CompletableFuture<Map<String, Object>>> pending =
      new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile IOException dead;

  /**
   * @param wrap turns the child's argv into the one that runs it in the user namespace (identity
   *     when jbox already runs as real root)
   * @param ownership whether the child applies the tar's owners
   */
  public Unpacker(UnaryOperator<List<String>> wrap, boolean ownership, UnpackLimits limits) {
    this(wrap, ownership, limits, null);
  }

  /** As above; with {@code local}, unpacks run in this JVM (see {@link InProcess}). */
  public Unpacker(UnaryOperator<List<String>> wrap, boolean ownership, UnpackLimits limits, InProcess local) {
    this.wrap = wrap;
    this.ownership = ownership;
    this.limits = limits;
    this.local = local;
  }

  /** A submitted unpack: cancel it if its download fails, then await its answer. */
  public final class Job {
    private final String id;
    private final CompletableFuture<Map<String, Object>> future;
    /** An in-process unpack's cancel flag (null: the child's). */
    private final java.util.concurrent.atomic.AtomicBoolean cancelled;
    /** jbox-unpack while it runs this unpack: a cancel closes its input, which it watches. */
    private final java.util.concurrent.atomic.AtomicReference<Process> running = new java.util.concurrent.atomic.AtomicReference<>();

    private Job(String id, CompletableFuture<Map<String, Object>> future) {
      this(id, future, null);
    }

    private Job(String id, CompletableFuture<Map<String, Object>> future, java.util.concurrent.atomic.AtomicBoolean cancelled) {
      this.id = id;
      this.future = future;
      this.cancelled = cancelled;
    }

    /** Tells a follow-mode unpack that no more bytes will come. */
    public void cancel() throws IOException {
      if (cancelled != null) {
        cancelled.set(true);
        Process p = running.get();
        if (p != null) p.getOutputStream().close();
        return;
      }
      Map<String, Object> req = new LinkedHashMap<>();
      req.put("op", "cancel");
      req.put("target", id);
      synchronized (Unpacker.this) {
        if (dead != null) return;
        toChild.write((Json.write(req) + "\n").getBytes(StandardCharsets.UTF_8));
        toChild.flush();
      }
    }

    public Map<String, Object> await() throws IOException {
      return Unpacker.this.await(future);
    }
  }

  /**
   * Starts unpacking blob into dest while the blob is still being downloaded (see
   * FollowInputStream); the answer comes from {@link Job#await}.
   */
  public Job unpackFollowing(Path blob, Path dest, String name) throws IOException {
    if (local != null) {
      java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
      CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
      Job job = new Job("local", f, cancelled);
      Thread t = new Thread(() -> f.complete(unpackHere(blob, true, cancelled::get, job.running, dest, name)), "layer-unpack");
      t.setDaemon(true);
      t.start();
      return job;
    }
    Map<String, Object> req = unpackRequest(blob, dest, name);
    req.put("follow", true);
    String id = Long.toString(ids.incrementAndGet());
    req.put("id", id);
    return new Job(id, send(id, req));
  }

  /** Unpacks blob into dest (which must not exist); returns the child's answer. */
  public Map<String, Object> unpack(Path blob, Path dest, String name) throws IOException {
    if (local != null) {
      Map<String, Object> r = unpackHere(blob, false, () -> false, null, dest, name);
      if (!Boolean.TRUE.equals(r.get("ok"))) throw new IOException((String) r.get("error"));
      return r;
    }
    return call(unpackRequest(blob, dest, name));
  }

  /**
   * An unpack in this JVM ({@link InProcess}), answered as the child answers one: the layer, then
   * the owners the user could not set, applied by the helper in the user namespace.
   */
  private Map<String, Object> unpackHere(Path blob, boolean follow, java.util.function.BooleanSupplier cancelled,
      java.util.concurrent.atomic.AtomicReference<Process> running, Path dest, String name) {
    Map<String, Object> resp = new LinkedHashMap<>();
    if (local.firstUnpack() != null && unpacked.compareAndSet(false, true)) local.firstUnpack().run();
    try {
      OwnerList owners = local.map() == null ? null : new OwnerList(count(local.map().uids()), count(local.map().gids()));
      Process[] helper = new Process[1];
      IOException[] startFailed = new IOException[1];
      if (owners != null) {
        owners.onFirstUse(() -> {
          try {
            helper[0] = startOwners(dest);
          } catch (IOException e) {
            startFailed[0] = e;
          }
        });
      }
      LayerExtractor.Options o = new LayerExtractor.Options(ownership, limits, name, owners);
      LayerExtractor.Result r = null;
      Path program = NativeUnpack.binary();
      try {
        // jbox-unpack, when installed: null back for a zstd layer, which the JVM unpacks
        if (program != null) r = NativeUnpack.extract(program, blob, follow, cancelled, running, dest, o);
        if (r == null) {
          try (InputStream in = follow ? new FollowInputStream(blob, cancelled) : java.nio.file.Files.newInputStream(blob)) {
            r = LayerExtractor.extract(in, dest, o);
          }
        }
      } catch (IOException | RuntimeException | Error e) {
        if (helper[0] != null) {
          // an empty list: whatever of it still runs sets nothing and exits
          try {
            helper[0].getOutputStream().close();
          } catch (IOException ignored) {
            // gone already
          }
          helper[0].destroyForcibly();
        }
        throw e;
      }
      if (startFailed[0] != null) throw startFailed[0];
      if (helper[0] != null) applyOwners(helper[0], owners, name);
      resp.put("diffId", r.diffId());
      resp.put("entries", r.entries());
      resp.put("size", r.bytes());
      resp.put("devices", r.devicesSkipped());
      resp.put("notes", new ArrayList<Object>(r.notes()));
      resp.put("uidMap", local.map() == null ? IdMaps.read("/proc/self/uid_map") : mapText(local.map().uids()));
      resp.put("gidMap", local.map() == null ? IdMaps.read("/proc/self/gid_map") : mapText(local.map().gids()));
      resp.put("ok", true);
    } catch (Exception | Error e) {
      resp.put("ok", false);
      resp.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return resp;
  }

  /** How many ids the ranges map from 0 up without a gap (an id past them has no mapping). */
  private static long count(List<dev.jbox.sandbox.idmap.IdRange> ranges) {
    long next = 0;
    boolean grew = true;
    while (grew) {
      grew = false;
      for (dev.jbox.sandbox.idmap.IdRange r : ranges) {
        if (r.inside() <= next && r.inside() + r.count() > next) {
          next = r.inside() + r.count();
          grew = true;
        }
      }
    }
    return next;
  }

  /** The ranges as /proc/PID/uid_map lists them (what the child reported from there). */
  private static String mapText(List<dev.jbox.sandbox.idmap.IdRange> ranges) {
    List<String> lines = new ArrayList<>();
    for (dev.jbox.sandbox.idmap.IdRange r : ranges) lines.add(r.line());
    return String.join("\n", lines);
  }

  /** Starts {@code jbox-helper owners DEST} in the user namespace; it waits for the list on stdin. */
  private Process startOwners(Path dest) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(local.ownersArgv().apply(dest));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    try {
      return pb.start();
    } catch (IOException e) {
      throw new IOException("cannot start the helper to set owners (" + pb.command().get(0) + "): " + e.getMessage(), e);
    }
  }

  /** Sends the list (possibly empty by now: the helper then does nothing) and waits for the helper. */
  private static void applyOwners(Process p, OwnerList owners, String name) throws IOException {
    byte[] err;
    try {
      try (OutputStream o = p.getOutputStream()) {
        o.write(owners.encode());
      } catch (IOException e) {
        // the helper stopped reading: its error says why
      }
      err = p.getErrorStream().readNBytes(64 * 1024);
      int status = p.waitFor();
      if (status != 0) {
        String msg = new String(err, StandardCharsets.UTF_8).trim();
        int nl = msg.lastIndexOf('\n');
        if (msg.startsWith("jbox: ", nl + 1)) msg = msg.substring(0, nl + 1) + msg.substring(nl + 1 + 6);
        throw new IOException("layer " + name + ": setting " + owners.size() + " owners failed (status " + status + ")"
            + (msg.isEmpty() ? "" : ": " + msg.substring(nl + 1)));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private Map<String, Object> unpackRequest(Path blob, Path dest, String name) {
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("op", "unpack");
    req.put("blob", blob.toString());
    req.put("dest", dest.toString());
    req.put("name", name);
    req.put("ownership", ownership);
    req.put("maxBytes", limits.maxBytes());
    req.put("maxEntries", limits.maxEntries());
    req.put("maxPath", limits.maxPathLength());
    req.put("minFree", limits.minFree());
    return req;
  }

  /** Deletes the given trees inside the user namespace. */
  public void delete(List<Path> paths) throws IOException {
    List<Object> ps = new ArrayList<>();
    for (Path p : paths) ps.add(p.toString());
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("op", "delete");
    req.put("paths", ps);
    call(req);
  }

  /**
   * A volume's copy-up inside the user namespace: the merged content of {@code rel} in the layers
   * (top first) into {@code dest} ({@link CopyUp}); returns the number of entries copied.
   */
  public long copyUp(List<Path> layersTopFirst, String rel, Path dest) throws IOException {
    List<Object> ls = new ArrayList<>();
    for (Path p : layersTopFirst) ls.add(p.toString());
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("op", "copyup");
    req.put("layers", ls);
    req.put("path", rel);
    req.put("dest", dest.toString());
    Object n = call(req).get("entries");
    return n instanceof Number num ? num.longValue() : 0;
  }

  private Map<String, Object> call(Map<String, Object> req) throws IOException {
    String id = Long.toString(ids.incrementAndGet());
    req.put("id", id);
    return await(send(id, req));
  }

  private CompletableFuture<Map<String, Object>> send(String id, Map<String, Object> req)
      throws IOException {
    CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
    pending.put(id, f);
    synchronized (this) {
      if (dead != null) throw dead;
      start();
      toChild.write((Json.write(req) + "\n").getBytes(StandardCharsets.UTF_8));
      toChild.flush();
    }
    return f;
  }

  private Map<String, Object> await(CompletableFuture<Map<String, Object>> f) throws IOException {
    Map<String, Object> resp;
    try {
      resp = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
    if (!Boolean.TRUE.equals(resp.get("ok"))) throw new IOException((String) resp.get("error"));
    return resp;
  }

  /**
   * The unpacker's file names are the layer's bytes, decoded as UTF-8 (tar and PAX names are):
   * the child JVM's file-name encoding (sun.jnu.encoding, from LC_CTYPE in JDK 17) must be UTF-8
   * too, or a name such as "café" fails with "Malformed input" under LANG=C or no LANG at all.
   */
  static void utf8Locale(Map<String, String> env) {
    String all = env.get("LC_ALL");
    String v = all != null && !all.isEmpty() ? all : env.get("LC_CTYPE");
    if (v == null || v.isEmpty()) v = env.get("LANG");
    String l = v == null ? "" : v.toLowerCase(java.util.Locale.ROOT);
    if (l.contains("utf-8") || l.contains("utf8")) return;
    env.put(all != null && !all.isEmpty() ? "LC_ALL" : "LC_CTYPE", "C.UTF-8");
  }

  private void start() throws IOException {
    if (child != null) return;
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // C1 only, as the launcher: the tar's sha256 is libcrypto's (NativeSha256), so C2 would only
    // add its compile time (13 % of a pull's CPU when it was on here)
    // A young generation of 16 MiB: what the unpacker allocates per layer is parsing garbage (the
    // bytes go through recycled buffers), and eden is touched again instead of new memory, which a
    // virtual machine makes expensive (5-10 us per first-touched page here). The default, a third
    // of 1/64 of RAM, touched up to 128 MiB.
    List<String> argv = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData", "-Xmn16m"));
    // the launcher's AppCDS archive (CdsTraining walks the unpacker too): its classes come mapped
    // instead of read from the jars and verified, 0.1 s of this JVM's start
    String cds = System.getProperty("jbox.cds");
    if (cds != null && !cds.isEmpty()) argv.addAll(List.of("-XX:SharedArchiveFile=" + cds, "-Xshare:auto", "-Xlog:cds=off,cds+dynamic=off"));
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), UnpackMain.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(wrap.apply(argv));
    utf8Locale(pb.environment());
    try {
      child = pb.start();
    } catch (IOException e) {
      throw new JboxException("cannot start the unpacker (" + pb.command().get(0) + "): "
          + e.getMessage());
    }
    toChild = child.getOutputStream();
    Thread err = new Thread(() -> drain(child.getErrorStream()), "unpacker-stderr");
    err.setDaemon(true);
    err.start();
    Thread rd = new Thread(this::readAnswers, "unpacker-reader");
    rd.setDaemon(true);
    rd.start();
  }

  private void drain(InputStream in) {
    byte[] b = new byte[4096];
    try {
      int n;
      while ((n = in.read(b)) > 0) {
        synchronized (stderr) {
          if (stderr.size() < 64 * 1024) stderr.write(b, 0, n);
        }
      }
    } catch (IOException ignored) {
      // child gone
    }
  }

  private void readAnswers() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        Map<String, Object> resp = Json.parseObject(line);
        CompletableFuture<Map<String, Object>> f = pending.remove((String) resp.get("id"));
        if (f != null) f.complete(resp);
      }
    } catch (IOException | RuntimeException ignored) {
      // handled below: the child is gone
    }
    int status;
    try {
      status = child.waitFor();
    } catch (InterruptedException e) {
      status = -1;
    }
    String msg;
    synchronized (stderr) {
      msg = stderr.toString(StandardCharsets.UTF_8).trim();
    }
    int lastNl = msg.lastIndexOf('\n');
    String last = lastNl >= 0 ? msg.substring(lastNl + 1) : msg;
    IOException e = new IOException("the unpacker exited with status " + status
        + (last.isEmpty() ? "" : ": " + last));
    synchronized (this) {
      dead = e;
    }
    for (CompletableFuture<Map<String, Object>> f : pending.values()) f.completeExceptionally(e);
    pending.clear();
  }

  @Override
  public synchronized void close() {
    if (child == null) return;
    try {
      toChild.close();
      child.waitFor();
    } catch (IOException | InterruptedException e) {
      child.destroyForcibly();
    }
  }
}
