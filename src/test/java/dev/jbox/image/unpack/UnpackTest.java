package dev.jbox.image.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.sys.FsCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link UnpackCases} against LayerExtractor in this JVM, the extractor for zstd layers and where
 * jbox-unpack is not installed; and what is this JVM's alone (the umask it reads).
 */
class UnpackTest extends UnpackCases {
  @Override
  LayerExtractor.Result extract(byte[] layer, Path out, LayerExtractor.Options opt) throws IOException {
    return LayerExtractor.extract(new ByteArrayInputStream(layer), out, opt);
  }

  @Override
  LayerExtractor.Result extractWithinCpuBudget(byte[] layer, Path out, long budget) throws Exception {
    return javaWithinCpuBudget(layer, out, budget);
  }

  /** LayerExtractor picks the files' create mode by FsCalls.umask: it must be the process's. */
  @Test
  void umask_isTheOneAChildShellReports() throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "umask").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertEquals(0, p.waitFor());
    assertEquals(Integer.parseInt(out, 8), FsCalls.umask());
  }

  /** Extracts on a thread of its own, failing (and stopping it) past budget ns of its CPU time. */
  static LayerExtractor.Result javaWithinCpuBudget(byte[] layer, Path out, long budget) throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong used = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.CompletableFuture<LayerExtractor.Result> done = new java.util.concurrent.CompletableFuture<>();
    Thread worker = new Thread(() -> {
      try {
        java.io.InputStream in = new java.io.FilterInputStream(new ByteArrayInputStream(layer)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (stop.get()) throw new IOException("over the CPU budget");
            return super.read(b, off, len);
          }
        };
        LayerExtractor.Result r = LayerExtractor.extract(in, out, new LayerExtractor.Options(false, UnpackLimits.defaults(), "t"));
        used.set(mx.getCurrentThreadCpuTime());
        done.complete(r);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    });
    worker.start();
    while (!done.isDone()) {
      long cpu = mx.getThreadCpuTime(worker.getId());
      if (cpu > budget) {
        stop.set(true);
        worker.join();
        throw new AssertionError("extracting " + layer.length / 512 + " tar blocks took more than " + budget / 1_000_000_000L + " s of CPU");
      }
      Thread.sleep(100);
    }
    LayerExtractor.Result r = done.get();
    System.out.println("UnpackTest: " + r.entries() + " entries in " + used.get() / 1_000_000 + " ms of CPU (LayerExtractor)");
    return r;
  }
}
