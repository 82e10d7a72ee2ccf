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

  /** Whether the switch asks for a KEY ({@code JBOX_RUN_PREPARED=1}; off by default). */
  public static boolean wanted(Map<String, String> env) {
    return "1".equals(env.get("JBOX_RUN_PREPARED"));
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

  /** The run's prepared directory: {@code RUNTIME/runs/<first 16 hex digits of the hash>.prepared}. */
  public static Path dir(SandboxStore store, String hash) {
    return store.root().resolve("runs").resolve(hash.substring(0, 16) + ".prepared");
  }

  /**
   * Keeps the KEY of this run, when every stat and read the JVM made is still true after it (a KEY
   * that no longer holds of the plan it came from must not be kept: a run that pulled), the helper and the jar are
   * absolute paths, and the recording saw no error; else removes the run's earlier one.
   */
  public static void keep(SandboxStore store, String hash, List<String> key) {
    Path dir = dir(store, hash);
    String helper = System.getenv("JBOX_HELPER");
    String jar = System.getProperty("java.class.path", "").split(java.io.File.pathSeparator, -1)[0];
    String why = helper == null || !helper.startsWith("/") || !jar.startsWith("/") ? "the helper or the jar is not an absolute path"
        : key.isEmpty() ? "nothing recorded"
        : !dev.jbox.PolicyInputs.statsStillTrue() ? "a stat changed during the run"
        : !dev.jbox.PolicyInputs.readsStillTrue() ? "a file read changed during the run (a pull)" : null;
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
    ShellSandboxes.writePrepared(dir, Path.of(jar), Path.of(helper), key, Map.of(), List.of());
  }

  /** Removes the run's KEY (the switch is off, or this run cannot be prepared). */
  public static void drop(SandboxStore store, String hash) {
    ShellSandboxes.dropPrepared(dir(store, hash), List.of());
  }
}
