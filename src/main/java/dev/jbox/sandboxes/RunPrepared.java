package dev.jbox.sandboxes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The KEY of a {@code jbox run --rm} (issue 14, helpers/PROTOCOL.md "Preparing a run"): every
 * input the JVM's run read while it computed the plan (dev.jbox.PolicyInputs: the configuration,
 * the image store's tags, records, config and layer metadata, the subordinate ids, the network
 * helper found on PATH, the environment it read), with the exact words after {@code run} as a
 * hash, kept in {@code RUNTIME/runs/HASH.prepared/key} for the launcher's check
 * (helpers/run_prepared.c). Only with {@code JBOX_RUN_PREPARED=1}; unset or {@code 0}: nothing is
 * kept and a run's earlier KEY is removed (one stat when there is none).
 */
public final class RunPrepared {
  private RunPrepared() {}

  /**
   * Whether a KEY is kept: unless {@code JBOX_RUN_PREPARED=0} (unset or {@code 1}: the launcher
   * runs a fresh one itself; {@code check}: it only checks, the JVM runs every sandbox).
   */
  public static boolean wanted(Map<String, String> env) {
    return !"0".equals(env.get("JBOX_RUN_PREPARED"));
  }

  /** SHA-256 of the words after {@code run}, each followed by a NUL, in lowercase hex (run_prepared.c: the same). */
  public static String argvHash(String[] args) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (String a : args) {
      byte[] w = a.getBytes(StandardCharsets.UTF_8);
      b.write(w, 0, w.length);
      b.write(0);
    }
    return dev.jbox.Sha256.hexPrefix(b.toByteArray(), 32);
  }

  /**
   * The word that stands for a command in a KEY's words: a run with a command is prepared for its
   * options and image, whatever the command (the launcher puts the call's own in the templates).
   */
  public static final String COMMAND_WORD = "\u0001command";

  /**
   * The words a run's KEY is named by: the words after {@code run} up to its IMAGE, and {@link
   * #COMMAND_WORD} when {@code commandWords} follow it (RunOptions stops at the first word that is
   * no option, so every word after IMAGE is the command's).
   */
  public static String[] keyWords(String[] args, int commandWords) {
    if (commandWords == 0) return args;
    String[] w = java.util.Arrays.copyOf(args, args.length - commandWords + 1);
    w[w.length - 1] = COMMAND_WORD;
    return w;
  }

  /** What stands for the caller's command in a record template's command list (run_fast.c). */
  static final String COMMAND_TOKEN = "\u0001jbox-run:command";

  /** The run's prepared directory: {@code RUNTIME/runs/<first 16 hex digits of the hash>.prepared}. */
  public static Path dir(SandboxStore store, String hash) {
    return store.root().resolve("runs").resolve(hash.substring(0, 16) + ".prepared");
  }

  /**
   * Keeps the KEY of this run, when every stat and read the JVM made is still true after it (a KEY
   * that no longer holds of the plan it came from must not be kept: a run that pulled), the helper and the jar are
   * absolute paths, and the recording saw no error; else removes the run's earlier one.
   */
  public static void keep(SandboxStore store, String hash, List<String> key, Map<String, byte[]> templates) {
    Path dir = dir(store, hash);
    String helper = System.getenv("JBOX_HELPER");
    String jar = System.getProperty("java.class.path", "").split(java.io.File.pathSeparator, -1)[0];
    String why = helper == null || !helper.startsWith("/") || !jar.startsWith("/") ? "the helper or the jar is not an absolute path"
        : key.isEmpty() ? "nothing recorded"
        : !dev.jbox.PolicyInputs.statsStillTrue() ? "a stat changed during the run"
        : !dev.jbox.PolicyInputs.readsStillTrue() ? "a file read changed during the run (a pull)"
        : templates == null ? "no templates of this run (an '@' in a record, anonymous volumes, a warning)" : null;
    for (String l : key) if (why == null && l.contains(" error ")) why = "an error was recorded: " + l;
    if (why != null) {
      if ("1".equals(System.getenv("JBOX_DEBUG_PRESTART"))) System.err.println("jbox: run-prepared: not kept: " + why);
      drop(store, hash);
      return;
    }
    try {
      SandboxStore.mkPrivate(dir.getParent(), dev.jbox.sandbox.idmap.ProcStatus.uidGid()[0]);
    } catch (RuntimeException e) {
      return; // quiet: the next run tries again
    }
    ShellSandboxes.writePrepared(dir, Path.of(jar), Path.of(helper), key, templates, TEMPLATES);
    prune(dir.getParent(), MAX_KEPT);
  }

  /**
   * How many prepared runs are kept: the runtime directory is usually a tmpfs (memory), and a
   * script that runs a thousand different commands would otherwise leave a thousand of them.
   */
  static final int MAX_KEPT = 64;

  /**
   * Removes the prepared runs in {@code runs} beyond the {@code max} most recently kept (by their
   * KEY's modification time; one without a KEY counts as oldest). One listing (java.io: the run
   * path) when there are not more.
   */
  static void prune(Path runs, int max) {
    java.io.File[] all = runs.toFile().listFiles();
    if (all == null || all.length <= max) return;
    long[] when = new long[all.length];
    for (int i = 0; i < all.length; i++) when[i] = new java.io.File(all[i], "key").lastModified();
    Integer[] order = new Integer[all.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    java.util.Arrays.sort(order, new java.util.Comparator<Integer>() { // (no lambda on the run path)
      @Override
      public int compare(Integer a, Integer b) {
        return Long.compare(when[b], when[a]);
      }
    });
    for (int k = max; k < order.length; k++) {
      java.io.File d = all[order[k]];
      if (!d.getName().endsWith(".prepared") || java.nio.file.Files.isSymbolicLink(d.toPath())) continue;
      ShellSandboxes.dropPrepared(d.toPath(), TEMPLATES);
      d.delete();
    }
  }

  /** The templates of a prepared run, by file name in its {@link #dir}, which the launcher fills (helpers/run_fast.c). */
  public static final List<String> TEMPLATES = List.of("run.plan", "run.config.json", "run.exec.plan", "run.hostname", "run.hosts",
      "run.resolv.conf");

  /** The 12 bytes that stand for the id's first 12 digits, the sandbox's hostname. */
  static final String HOST_MARKER = "@".repeat(12);

  /**
   * The templates of this run (by {@link #TEMPLATES}' names): the plan sent, the record and the exec
   * template written in {@code containers/ID}, the /etc files written in {@code filesDir}, each with
   * the id replaced by {@link ShellSandboxes#ID_MARKER} and its first 12 digits (the hostname)
   * by {@link #HOST_MARKER}, in the plans only inside a record's value. Null when one cannot be made:
   * an {@code @} already in one (the launcher could not tell a marker from it), a file that
   * cannot be read.
   */
  public static Map<String, byte[]> templates(String id, byte[] plan, Map<String, Object> record, byte[] exec, Path filesDir,
      int commandWords) {
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    byte[] rec;
    if (commandWords > 0) {
      // the caller's words go: the plan's last commandWords ARGV records, the record's last
      // commandWords command words (a token in their place)
      plan = dev.jbox.helper.PlanWriter.withoutArgv(plan, commandWords);
      List<?> argv = (List<?>) record.get("command");
      if (plan == null || argv == null || argv.size() < commandWords) return null;
      List<Object> kept = new java.util.ArrayList<>(argv.subList(0, argv.size() - commandWords));
      kept.add(COMMAND_TOKEN);
      record = new java.util.LinkedHashMap<>(record);
      record.put("command", kept);
      String text = SandboxStore.recordText(record);
      String q = dev.jbox.json.Json.write(COMMAND_TOKEN);
      int at = text.indexOf(q);
      if (at < 0 || text.indexOf(q, at + 1) >= 0) return null;
      rec = text.getBytes(StandardCharsets.UTF_8);
    } else {
      rec = SandboxStore.recordText(record).getBytes(StandardCharsets.UTF_8);
    }
    out.put("run.plan", planTemplate(plan, id));
    out.put("run.config.json", textTemplate(rec, id));
    out.put("run.exec.plan", planTemplate(exec, id));
    for (String f : new String[] {"hostname", "hosts", "resolv.conf"}) {
      try {
        out.put("run." + f, textTemplate(dev.jbox.SmallFiles.readAllBytes(filesDir.resolve(f)), id));
      } catch (java.io.IOException e) {
        return null;
      }
    }
    for (byte[] b : out.values()) if (b == null) return null;
    return out;
  }

  /** An encoded plan with the id's markers in its records' values, or null (an {@code @} in one, a plan it cannot walk). */
  static byte[] planTemplate(byte[] plan, String id) {
    if (plan == null || plan.length < 10) return null;
    byte[] b = plan.clone();
    int off = 10;
    while (off < b.length) {
      if (b.length - off < 6) return null;
      int len = (b[off + 2] & 0xff) | (b[off + 3] & 0xff) << 8 | (b[off + 4] & 0xff) << 16 | (b[off + 5] & 0xff) << 24;
      if (len < 0 || len > b.length - off - 6) return null;
      if (!mark(b, off + 6, off + 6 + len, id)) return null;
      off += 6 + len;
    }
    return b;
  }

  /** A text record with the id's markers, or null (an {@code @} in it). */
  static byte[] textTemplate(byte[] text, String id) {
    byte[] b = text.clone();
    return mark(b, 0, b.length, id) ? b : null;
  }

  /**
   * Puts the markers in b[from, to): false when a run of {@code @} there is 12 long or longer, or one
   * of its runs is next to a marker. What the launcher takes (helpers/run_fast.c): a run of 12
   * {@code @} is the hostname, of 64 the id, of 1 to 11 text (pasta's {@code @PID@}), any other a
   * template it refuses.
   */
  private static boolean mark(byte[] b, int from, int to, String id) {
    if (longestRun(b, from, to) >= HOST_MARKER.length()) return false;
    byte[] full = id.getBytes(StandardCharsets.US_ASCII);
    replace(b, from, to, full, full.length);
    replace(b, from, to, full, HOST_MARKER.length());
    for (int i = from; i < to;) {
      int j = i;
      while (j < to && b[j] == '@') j++;
      int run = j - i;
      if (run >= HOST_MARKER.length() && run != HOST_MARKER.length() && run != ShellSandboxes.ID_MARKER.length()) return false;
      i = j == i ? i + 1 : j;
    }
    return true;
  }

  private static int longestRun(byte[] b, int from, int to) {
    int longest = 0;
    for (int i = from, run = 0; i < to; i++) {
      run = b[i] == '@' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    return longest;
  }

  /** Replaces each occurrence of the first n bytes of id in b[from, to) with n {@code @}. */
  private static void replace(byte[] b, int from, int to, byte[] id, int n) {
    for (int i = from; i + n <= to; i++) {
      int k = 0;
      while (k < n && b[i + k] == id[k]) k++;
      if (k == n) {
        java.util.Arrays.fill(b, i, i + n, (byte) '@');
        i += n - 1;
      }
    }
  }

  /** Removes the run's KEY (the switch is off, or this run cannot be prepared). */
  public static void drop(SandboxStore store, String hash) {
    ShellSandboxes.dropPrepared(dir(store, hash), TEMPLATES);
  }
}
