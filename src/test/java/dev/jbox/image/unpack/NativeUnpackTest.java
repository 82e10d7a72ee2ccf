package dev.jbox.image.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.testing.RawTar;
import dev.jbox.image.testing.Zstd;
import dev.jbox.it.Jbox;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link UnpackCases} against jbox-unpack (helpers/unpack/jbox_unpack.c) through
 * {@link NativeUnpack#extract}, the layer's bytes written to a blob file first as the registry
 * client writes them; and what is the program's alone: following a blob while it downloads, a
 * cancelled download, zstd left to the JVM, and that CI cannot silently go without it.
 */
class NativeUnpackTest extends UnpackCases {
  private int blobs;

  /**
   * The program: where the product finds it, else the build's (Maven sets no JBOX_HELPER); a
   * missing one fails with JBOX_MUST_WORK=1 (CI), else the class is skipped.
   */
  static Path program() {
    Path p = NativeUnpack.binary();
    if (p == null) p = built();
    if (Files.isExecutable(p)) return p;
    String why = "no jbox-unpack at " + p + " (make -C helpers builds it where libisal-dev and libssl-dev are installed)";
    if ("1".equals(System.getenv("JBOX_MUST_WORK"))) throw new AssertionError("JBOX_MUST_WORK=1 and " + why);
    Assumptions.abort(why);
    return null;
  }

  static Path built() {
    return Jbox.source().resolve("helpers/build/jbox-unpack");
  }

  Path blob(byte[] layer) throws IOException {
    Path b = t.resolve("blob-" + ++blobs);
    Files.write(b, layer);
    return b;
  }

  @Override
  LayerExtractor.Result extract(byte[] layer, Path out, LayerExtractor.Options opt) throws IOException {
    return viaProgram(program(), blob(layer), out, opt);
  }

  /** As Unpacker runs it: the program, and LayerExtractor for the zstd layer it hands back. */
  static LayerExtractor.Result viaProgram(Path program, Path blob, Path out, LayerExtractor.Options opt) throws IOException {
    LayerExtractor.Result r = NativeUnpack.extract(program, blob, false, () -> false, null, out, opt);
    if (r != null) return r;
    assertTrue(isZstd(Files.readAllBytes(blob)), "jbox-unpack handed back a layer that is not zstd");
    assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS), "jbox-unpack handed back a zstd layer and left " + out);
    try (var in = Files.newInputStream(blob)) {
      return LayerExtractor.extract(in, out, opt);
    }
  }

  static boolean isZstd(byte[] b) {
    return b.length >= 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f && (b[3] & 0xff) == 0xfd;
  }

  @Override
  LayerExtractor.Result extractWithinCpuBudget(byte[] layer, Path out, long budget) throws Exception {
    return nativeWithinCpuBudget(program(), blob(layer), out, budget);
  }

  /** Runs the program, failing (and killing it) past budget ns of its CPU time (/proc/PID/schedstat). */
  static LayerExtractor.Result nativeWithinCpuBudget(Path program, Path blob, Path out, long budget) throws Exception {
    AtomicReference<Process> running = new AtomicReference<>();
    CompletableFuture<LayerExtractor.Result> done = CompletableFuture.supplyAsync(() -> {
      try {
        return NativeUnpack.extract(program, blob, false, () -> false, running, out,
            new LayerExtractor.Options(false, UnpackLimits.defaults(), "t"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    long used = 0;
    while (!done.isDone()) {
      Process p = running.get();
      if (p != null) {
        long cpu = cpuNanos(p.pid());
        used = Math.max(used, cpu);
        if (cpu > budget) {
          p.destroyForcibly();
          throw new AssertionError("jbox-unpack took more than " + budget / 1_000_000_000L + " s of CPU on " + blob);
        }
      }
      Thread.sleep(20);
    }
    LayerExtractor.Result r = done.get();
    System.out.println("NativeUnpackTest: " + r.entries() + " entries in at least " + used / 1_000_000 + " ms of CPU (jbox-unpack, last seen)");
    return r;
  }

  /** The CPU time a live process used so far, in ns; 0 once it is gone. */
  static long cpuNanos(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/schedstat")).trim();
      return Long.parseLong(s.substring(0, s.indexOf(' ')));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Whether a process of this JVM's still runs with arg among its arguments. */
  static boolean running(String arg) {
    return ProcessHandle.current().descendants()
        .anyMatch(h -> h.isAlive() && h.info().arguments().map(a -> java.util.Arrays.asList(a).contains(arg)).orElse(false));
  }

  // ---- following a blob that is still being downloaded ----------------------------------------

  static byte[] randomLayer(int files, int size, long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    RawTar tar = new RawTar().dir("./", 0755).dir("d/", 0750);
    for (int i = 0; i < files; i++) {
      byte[] b = new byte[rnd.nextInt(size)];
      rnd.nextBytes(b);
      tar.bytes("d/f" + i, b, 0644);
    }
    return tar.build();
  }

  /**
   * Writes layer into blob.partial in pieces (the first once the program runs, so it starts
   * before the blob is there), then renames it to blob, as the registry client does; with cancelAt
   * at or past 0, stops after that many bytes instead and cancels as Unpacker.Job.cancel does.
   */
  static Thread downloader(Path blob, byte[] layer, AtomicReference<Process> running, int cancelAt, AtomicBoolean cancelled) {
    Thread w = new Thread(() -> {
      Path partial = blob.resolveSibling(blob.getFileName() + ".partial");
      try {
        while (running.get() == null) Thread.sleep(5);
        Thread.sleep(50); // the program waits for a blob that is not there yet
        int step = Math.max(1, layer.length / 17);
        try (OutputStream o = Files.newOutputStream(partial)) {
          for (int at = 0; at < layer.length; at += step) {
            if (cancelAt >= 0 && at >= cancelAt) {
              cancelled.set(true);
              Process p = running.get();
              if (p != null) p.getOutputStream().close();
              return;
            }
            o.write(layer, at, Math.min(step, layer.length - at));
            o.flush();
            Thread.sleep(10);
          }
        }
        Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, "downloader");
    w.start();
    return w;
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void follow_blobWrittenInPiecesThenRenamed_sameTreeAndResultAsTheWholeBlob() throws Exception {
    byte[] layer = RawTar.gzip(randomLayer(200, 40_000, 7));
    Path whole = t.resolve("whole");
    LayerExtractor.Result expected = viaProgram(program(), blob(layer), whole, new LayerExtractor.Options(false, UnpackLimits.defaults(), "l"));
    Path blob = t.resolve("following");
    AtomicReference<Process> running = new AtomicReference<>();
    Thread w = downloader(blob, layer, running, -1, new AtomicBoolean());
    LayerExtractor.Result r = NativeUnpack.extract(program(), blob, true, () -> false, running, dest,
        new LayerExtractor.Options(false, UnpackLimits.defaults(), "l"));
    w.join();
    assertNull(running.get(), "the Job's process is cleared once it is done");
    assertEquals(expected, r);
    assertEquals(UnpackDiffTest.snapshot(whole), UnpackDiffTest.snapshot(dest));
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void follow_blobAlreadyComplete_readAsItIs() throws Exception {
    byte[] tar = randomLayer(20, 5000, 10);
    Path blob = blob(RawTar.gzip(tar)); // the download finished before the unpack started: no .partial
    LayerExtractor.Result r = NativeUnpack.extract(program(), blob, true, () -> false, null, dest,
        new LayerExtractor.Options(false, UnpackLimits.defaults(), "l"));
    assertEquals(sha(tar), r.diffId());
    assertEquals(viaProgram(program(), blob, t.resolve("again"), new LayerExtractor.Options(false, UnpackLimits.defaults(), "l")), r);
  }

  /** Bytes a live process read so far (/proc/PID/io rchar, pread included); -1 once it is gone. */
  static long readSoFar(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
        if (l.startsWith("rchar: ")) return Long.parseLong(l.substring(7).trim());
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void follow_partialShrinks_theDownloadRestarted() throws Exception {
    byte[] layer = RawTar.gzip(randomLayer(60, 40_000, 11));
    Path blob = t.resolve("restarted");
    Path partial = t.resolve("restarted.partial");
    AtomicReference<Process> running = new AtomicReference<>();
    Path program = program();
    CompletableFuture<LayerExtractor.Result> f = CompletableFuture.supplyAsync(() -> {
      try {
        return NativeUnpack.extract(program, blob, true, () -> false, running, dest, new LayerExtractor.Options(false, UnpackLimits.defaults(), "l"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    int half = layer.length / 2;
    Files.write(partial, java.util.Arrays.copyOf(layer, half));
    while (running.get() == null) Thread.sleep(5);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (readSoFar(running.get().pid()) < half && System.nanoTime() < deadline) Thread.sleep(10);
    Files.write(partial, java.util.Arrays.copyOf(layer, 1000)); // the client starts over: the file is shorter
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
    assertEquals("layer l: the download restarted while unpacking", e.getCause().getCause().getMessage());
    assertFalse(running(blob.toString()));
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void follow_downloadCancelledMidway_failsPromptlyAndLeavesNoProcess() throws Exception {
    cancelled(RawTar.gzip(randomLayer(200, 40_000, 8)), 100_000);
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void follow_downloadCancelledBeforeAnyByte_failsPromptlyAndCreatesNothing() throws Exception {
    cancelled(RawTar.gzip(randomLayer(10, 1000, 9)), 0);
    assertFalse(Files.exists(dest, LinkOption.NOFOLLOW_LINKS), "dest made before the blob's format was known");
  }

  private void cancelled(byte[] layer, int at) throws Exception {
    Path blob = t.resolve("cancelled");
    AtomicReference<Process> running = new AtomicReference<>();
    AtomicBoolean cancelled = new AtomicBoolean();
    Path program = program();
    CompletableFuture<LayerExtractor.Result> f = CompletableFuture.supplyAsync(() -> {
      try {
        return NativeUnpack.extract(program, blob, true, cancelled::get, running, dest,
            new LayerExtractor.Options(false, UnpackLimits.defaults(), "l"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread w = downloader(blob, layer, running, at, cancelled);
    w.join();
    long cancelledAt = System.nanoTime();
    ExecutionException e;
    try {
      // generous for a loaded machine: the program notices at its next wait (5 ms)
      f.get(20, TimeUnit.SECONDS);
      throw new AssertionError("a cancelled download unpacked");
    } catch (ExecutionException x) {
      e = x;
    }
    System.out.println("NativeUnpackTest: a cancel stopped jbox-unpack in " + (System.nanoTime() - cancelledAt) / 1_000_000 + " ms");
    assertEquals("layer l: the download failed", e.getCause().getCause().getMessage());
    assertFalse(running(blob.toString()), "jbox-unpack still runs");
    assertNull(running.get());
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void follow_cancelledBeforeTheProgramStarts_itsInputIsClosedAtOnce() throws Exception {
    // the cancel came before Job.running held the process: NativeUnpack closes the input itself
    Path blob = t.resolve("never");
    AtomicReference<Process> running = new AtomicReference<>();
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> NativeUnpack.extract(program(), blob,
        true, () -> true, running, dest, new LayerExtractor.Options(false, UnpackLimits.defaults(), "l")));
    assertEquals("layer l: the download failed", e.getMessage());
    assertFalse(running(blob.toString()), "jbox-unpack still runs");
    assertFalse(Files.exists(dest, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  @Timeout(120) // a downloader that failed would leave the program waiting for its blob
  void zstd_handedBackToTheJvm_withNothingCreated_alsoWhileFollowing() throws Exception {
    byte[] layer = Zstd.compress(new RawTar().file("etc/os-release", "ID=test\n").build());
    LayerExtractor.Options o = new LayerExtractor.Options(false, UnpackLimits.defaults(), "z");
    assertNull(NativeUnpack.extract(program(), blob(layer), false, () -> false, null, dest, o));
    assertFalse(Files.exists(dest, LinkOption.NOFOLLOW_LINKS));
    Path blob = t.resolve("zstd-following");
    AtomicReference<Process> running = new AtomicReference<>();
    Thread w = downloader(blob, layer, running, -1, new AtomicBoolean());
    assertNull(NativeUnpack.extract(program(), blob, true, () -> false, running, dest, o));
    w.join();
    assertFalse(Files.exists(dest, LinkOption.NOFOLLOW_LINKS));
    // and the benign twin: the same tar, gzipped, is the program's
    LayerExtractor.Result r = NativeUnpack.extract(program(), blob(RawTar.gzip(new RawTar().file("etc/os-release", "ID=test\n").build())),
        false, () -> false, null, dest, o);
    assertNotNull(r);
    assertEquals("ID=test\n", Files.readString(dest.resolve("etc/os-release")));
  }

  /**
   * The pulling JVM killed (SIGKILL) while jbox-unpack follows a download: the program goes too
   * (its input's end, and PR_SET_PDEATHSIG), it does not wait for a blob that will never come.
   */
  @Test
  @Timeout(120)
  void follow_jvmKilled_theProgramGoesWithIt() throws Exception {
    Path blob = t.resolve("never-downloaded");
    List<String> argv = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        "-cp", Jbox.classpath(), Follower.class.getName(), program().toString(), blob.toString(), dest.toString());
    Process jvm = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      ProcessHandle unpack = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (unpack == null && System.nanoTime() < deadline && jvm.isAlive()) {
        unpack = jvm.descendants().filter(h -> h.info().arguments().map(a -> List.of(a).contains(blob.toString())).orElse(false))
            .findFirst().orElse(null);
        Thread.sleep(20);
      }
      assertNotNull(unpack, "the child JVM started no jbox-unpack");
      jvm.destroyForcibly();
      jvm.waitFor();
      assertTrue(unpack.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).get() != null, "jbox-unpack outlived the JVM that started it");
    } finally {
      jvm.destroyForcibly();
    }
  }

  /** Follows a blob (args: program, blob, dest) as the pull JVM does. */
  static final class Follower {
    public static void main(String[] args) throws IOException {
      NativeUnpack.extract(Path.of(args[0]), Path.of(args[1]), true, () -> false, new AtomicReference<>(), Path.of(args[2]),
          new LayerExtractor.Options(false, UnpackLimits.defaults(), "l"));
    }
  }

  // ---- where the product finds it --------------------------------------------------------------

  /**
   * NativeUnpack.binary() as the pull runs it (JBOX_HELPER names the build's helper, as for every
   * integration test): the build's jbox-unpack. CI (JBOX_MUST_WORK=1) fails without it, so a
   * machine without libisal-dev or libssl-dev cannot send every pull to the JVM unnoticed.
   */
  @Test
  void binary_besideTheHelper_isTheBuilds_andJboxUnpack0TurnsItOff() throws Exception {
    Path helper = Jbox.source().resolve("helpers/build/jbox-helper");
    assertEquals(built().toString(), binaryIn(List.of("JBOX_HELPER=" + helper)), "NativeUnpack.binary() beside " + helper);
    program(); // the same file, found by this class: fails with JBOX_MUST_WORK=1 when it is missing
    assertEquals("null", binaryIn(List.of("JBOX_HELPER=" + helper, "JBOX_UNPACK=0")));
    assertEquals(built().toString(), binaryIn(List.of("JBOX_HELPER=/nonexistent/jbox-helper", "JBOX_UNPACK=" + built())));
    assertEquals("null", binaryIn(List.of("JBOX_HELPER=" + t.resolve("jbox-helper"))));
  }

  /** What NativeUnpack.binary() says in a JVM with only these variables (and PATH). */
  private static String binaryIn(List<String> env) throws Exception {
    List<String> argv = new ArrayList<>(List.of("env", "-i", "PATH=/usr/bin:/bin"));
    argv.addAll(env);
    argv.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        "-cp", Jbox.classpath(), Probe.class.getName()));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  /** Prints NativeUnpack.binary(). */
  static final class Probe {
    public static void main(String[] args) {
      System.out.println(NativeUnpack.binary());
    }
  }
}
