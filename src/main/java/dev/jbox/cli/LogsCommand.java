package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandboxes.SandboxLog;
import dev.jbox.sandboxes.SandboxService;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox logs}: what detached sandboxes wrote, stdout to stdout and stderr to stderr, from
 * their monitors' log records (dev.jbox.sandboxes.SandboxLog); a foreground run's output went to
 * its terminal only.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a sandbox's output (see jbox-logs(1)).")
final class LogsCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the sandbox exits.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines (-1: all).")
  Integer tail;

  @Option(names = {"-t", "--timestamps"}, description = "Show the time each line was logged.")
  boolean timestamps;

  @Option(names = "--since", paramLabel = "TIME", description = "Only lines logged at or after TIME (RFC 3339, unix seconds, or a duration like 10m).")
  String since;

  @Option(names = "--until", paramLabel = "TIME", description = "Only lines logged before TIME (as --since).")
  String until;

  @Option(names = {"-n", "--names"}, description = "Start each line with the sandbox's name (with several sandboxes: instead of its id).")
  boolean names;

  @Parameters(arity = "1..*", paramLabel = "SANDBOX")
  List<String> refs;

  private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
  private final OutputStream stderr = new FileOutputStream(FileDescriptor.err);

  @Override
  public Integer call() throws Exception {
    if (tail != null && tail < -1) throw new JboxException("logs: --tail must be -1 (all), 0 or more");
    if (follow && refs.size() > 1) throw new JboxException("logs: -f follows one sandbox");
    Instant now = Instant.now();
    Instant from = since == null ? null : SandboxLog.parseTime("--since", since, now);
    Instant to = until == null ? null : SandboxLog.parseTime("--until", until, now);
    SandboxService svc = service();
    List<SandboxService.Logs> all = new ArrayList<>();
    for (String r : refs) all.add(svc.logs(r)); // every name is checked before anything is printed
    for (SandboxService.Logs logs : all) {
      String prefix = names ? logs.sandbox().label() + " " : refs.size() > 1 ? logs.sandbox().shortId() + " " : "";
      print(logs, prefix, from, to);
    }
    return 0;
  }

  private void print(SandboxService.Logs logs, String prefix, Instant from, Instant to) throws IOException, InterruptedException {
    SandboxLog.Parser parser = new SandboxLog.Parser();
    Object key = inode(logs.current());
    byte[] older = SandboxLog.readAll(logs.older());
    byte[] current = SandboxLog.readAll(logs.current());
    long pos = current.length; // where follow goes on
    List<SandboxLog.Entry> entries = new ArrayList<>(parser.feed(older, 0, older.length));
    entries.addAll(parser.feed(current, 0, current.length));
    // following, an unfinished line waits for its end; otherwise it is shown as it is
    if (!follow || logs.done()) entries.addAll(parser.finish());
    if (parser.sawLegacy()) {
      System.err.println("jbox: warning: the log of sandbox " + logs.sandbox().label()
          + " was written by an older jbox: its lines are shown as stdout, without times"
          + (from != null || to != null ? " (and left out by --since and --until)" : ""));
      System.err.flush();
    }
    List<SandboxLog.Entry> shown = new ArrayList<>();
    for (SandboxLog.Entry e : entries) if (selected(e, from, to)) shown.add(e);
    int start = tail == null || tail < 0 ? 0 : Math.max(0, shown.size() - tail);
    for (int i = start; i < shown.size(); i++) write(shown.get(i), prefix);
    flush();
    if (!follow) return;
    while (true) {
      boolean done = logs.done();
      ByteArrayOutputStream fresh = new ByteArrayOutputStream();
      Object k = inode(logs.current());
      if (k != null && !k.equals(key)) { // rotated: the rest of the file read is now log.1
        if (key != null && key.equals(inode(logs.older()))) SandboxLog.readFrom(logs.older(), pos, fresh);
        pos = 0;
        key = k;
      }
      if (k != null) pos = SandboxLog.readFrom(logs.current(), pos, fresh);
      byte[] b = fresh.toByteArray();
      for (SandboxLog.Entry e : parser.feed(b, 0, b.length)) if (selected(e, from, to)) write(e, prefix);
      if (done) {
        for (SandboxLog.Entry e : parser.finish()) if (selected(e, from, to)) write(e, prefix);
        flush();
        return;
      }
      flush();
      Thread.sleep(200);
    }
  }

  private static Object inode(Path f) {
    try {
      return Files.readAttributes(f, "unix:ino").get("ino");
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static boolean selected(SandboxLog.Entry e, Instant from, Instant to) {
    if (e.time() == null) return from == null && to == null;
    if (from != null && e.time().isBefore(from)) return false;
    return to == null || e.time().isBefore(to);
  }

  private void write(SandboxLog.Entry e, String prefix) throws IOException {
    OutputStream out = e.stderr() ? stderr : stdout;
    StringBuilder head = new StringBuilder(prefix);
    if (timestamps && e.time() != null) head.append(SandboxLog.stamp(e.time())).append(' ');
    if (head.length() > 0) out.write(head.toString().getBytes(StandardCharsets.UTF_8));
    out.write(e.text());
    if (e.newline()) out.write('\n');
  }

  private void flush() throws IOException {
    stdout.flush();
    stderr.flush();
  }
}
