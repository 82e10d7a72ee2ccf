package dev.jbox.it;

import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sandbox records and monitor state files written as jbox writes them (config.json through
 * Json.pretty, state as the monitor's one line), for the tests of ps without the JVM; and the
 * times of every record and state file of a store set again, relative to now, so that two
 * listings a few seconds apart print the same ages.
 *
 * <p>Why the ages cannot change between the launcher's listing and the JVM's: every time is set
 * to the middle of one of Status.duration's steps (3 days 12 hours, 2 hours 30 minutes, 10
 * minutes 30 seconds, ...), at least 30 s from the next step, just before each pair of calls;
 * a pair takes the launcher a few milliseconds and one JVM start.
 */
public final class PsRecords {
  public static final long S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;

  /** The runtime directory's jbox/ and the image store's containers/. */
  final Path root;
  final Path containers;
  /** file, key, how long before now (ms) */
  private final List<Object[]> times = new ArrayList<>();
  private final List<Process> sleepers = new ArrayList<>();

  public PsRecords(Path root, Path containers) {
    this.root = root;
    this.containers = containers;
  }

  public static String id(int n) {
    return String.format("%02x", n).repeat(32);
  }

  /** A record as SandboxRecord.toJson writes it; image: in containers/ (an image sandbox). */
  public Path record(String id, boolean image, String name, String imageRef, List<String> command, List<String> ports, boolean rm,
      Map<String, Object> extra) throws IOException {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("name", name);
    c.put("kind", "run");
    c.put("image", imageRef);
    c.put("imageId", null);
    c.put("rootfs", "/nonexistent");
    c.put("command", new ArrayList<Object>(command));
    c.put("created", System.currentTimeMillis() - 3 * D - 12 * H);
    c.put("rm", rm);
    c.put("hostname", id.substring(0, 12));
    c.put("network", "none");
    c.put("ports", new ArrayList<Object>(ports));
    c.put("mounts", new ArrayList<Object>());
    c.put("stopSignal", "TERM");
    c.put("namespaces", new LinkedHashMap<String, Object>());
    c.put("etcFiles", null);
    c.put("plan", null);
    c.putAll(extra);
    Path home = (image ? containers : root).resolve(id);
    Files.createDirectories(home);
    Path file = home.resolve("config.json");
    Files.writeString(file, Json.pretty(c) + "\n");
    return file;
  }

  /** The monitor's state record of a detached sandbox (code null: none). */
  public Path state(String id, String status, long pid, long pidStart, long monitorPid, long monitorStart, Integer code,
      boolean finished) throws IOException {
    Path dir = root.resolve(id);
    Files.createDirectories(dir);
    Path file = dir.resolve("state");
    long now = System.currentTimeMillis();
    Files.writeString(file, "{\"status\":\"" + status + "\",\"pid\":" + pid + ",\"pidStart\":" + pidStart + ",\"monitorPid\":"
        + monitorPid + ",\"monitorStart\":" + monitorStart + ",\"started\":" + (now - 2 * H - 30 * M) + ",\"exitCode\":"
        + (code == null ? "null" : code) + ",\"finished\":" + (finished ? now - 10 * M - 30 * S : "null")
        + ",\"restartCount\":0}\n");
    return file;
  }

  /** Ages for the time fields of a file: key, how long before now. */
  public void ages(Path file, Object... keyAndAge) {
    for (int i = 0; i < keyAndAge.length; i += 2) times.add(new Object[] {file, keyAndAge[i], keyAndAge[i + 1]});
  }

  /** Sets every registered time field again, relative to now, in place (a lock on the file stays). */
  public void retime() throws IOException {
    long now = System.currentTimeMillis();
    for (Object[] t : times) {
      Path f = (Path) t[0];
      if (!Files.exists(f)) continue;
      String s = Files.readString(f);
      Matcher m = Pattern.compile("(\"" + t[1] + "\": ?)-?[0-9]+").matcher(s);
      String r = m.replaceAll("$1" + (now - (Long) t[2]));
      try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.wrap(r.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0);
      }
    }
  }

  /** A process that lives until close: {pid, start time} (/proc/PID/stat field 22). */
  public long[] sleeper() throws IOException {
    Process p = new ProcessBuilder("sleep", "100000").start();
    sleepers.add(p);
    return new long[] {p.pid(), startTime(p.pid())};
  }

  static long startTime(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[19]);
  }

  public void close() {
    for (Process p : sleepers) p.destroyForcibly();
  }
}
