package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.SandboxService;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox logs}: what a detached sandbox wrote to stdout and stderr (its monitor's log files);
 * a foreground run's output went to its terminal only.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a sandbox's output (see jbox-logs(1)).")
final class LogsCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the sandbox exits.")
  boolean follow;

  @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "Only the last N lines.")
  Integer tail;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() throws Exception {
    if (tail != null && tail < 0) throw new JboxException("logs: --tail must be 0 or more");
    SandboxService.Logs logs = service().logs(ref);
    Path log = logs.current();
    Path old = logs.older();
    byte[] a = Files.exists(old) ? Files.readAllBytes(old) : new byte[0];
    byte[] b = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    OutputStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
    int from = tail == null ? 0 : tailStart(all, tail);
    out.write(all, from, all.length - from);
    out.flush();
    if (!follow) return 0;
    long pos = b.length;
    Object key = Files.exists(log) ? Files.readAttributes(log, "unix:ino").get("ino") : null;
    while (true) {
      boolean done = logs.done();
      if (Files.exists(log)) {
        Object k = Files.readAttributes(log, "unix:ino").get("ino");
        if (!k.equals(key)) { // rotated: the rest of the old file is now log.1
          pos = 0;
          key = k;
        }
        pos = copyFrom(log, pos, out);
      }
      if (done) return 0;
      Thread.sleep(200);
    }
  }

  static long copyFrom(Path f, long pos, OutputStream out) throws IOException {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
      if (r.length() < pos) pos = 0;
      r.seek(pos);
      byte[] buf = new byte[65536];
      int n;
      while ((n = r.read(buf)) > 0) {
        out.write(buf, 0, n);
        pos += n;
      }
      out.flush();
      return pos;
    }
  }

  /** The offset where the last n lines start (a final line without newline counts). */
  static int tailStart(byte[] b, int n) {
    if (n == 0) return b.length;
    int end = b.length;
    if (end > 0 && b[end - 1] == '\n') end--;
    int lines = 0;
    for (int i = end - 1; i >= 0; i--) {
      if (b[i] == '\n' && ++lines == n) return i + 1;
    }
    return 0;
  }
}
