package dev.jbox.helper;

import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import dev.jbox.sandbox.idmap.IdRange;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs commands as root in a user namespace with the caller's subordinate-id maps (the same maps
 * sandboxes get) and the caller's mount namespace: how jbox creates and removes store files owned
 * by subordinate ids, and what {@code jbox unshare} is.
 */
public final class UserNamespace {
  private UserNamespace() {}

  /**
   * Removes {@code dir} and everything below it ({@code rm -rf}: no symlink followed) as root of
   * such a user namespace, or as the caller when that is root: a store's directories hold files of
   * subordinate ids. One helper and one rm, where a JVM in the namespace cost ~50 ms more. A
   * failure is an IOException with rm's message.
   */
  public static void removeTree(java.nio.file.Path dir, Consumer<String> warnings) throws java.io.IOException {
    List<String> rm = List.of("rm", "-rf", "--", dir.toString());
    List<String> argv = new com.sun.security.auth.module.UnixSystem().getUid() == 0 ? rm : wrap(rm, warnings);
    Process p = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String msg = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    try {
      if (p.waitFor() != 0) throw new java.io.IOException("remove `" + dir + "`: " + (msg.isEmpty() ? "rm failed" : msg));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.IOException("remove `" + dir + "`: interrupted");
    }
  }

  /** The argv that runs {@code command} inside such a user namespace. */
  public static List<String> wrap(List<String> command) {
    return wrap(command, w -> {});
  }

  /** As {@link #wrap(List)}, passing the single-id fallback warning (if any) to {@code warnings}. */
  public static List<String> wrap(List<String> command, Consumer<String> warnings) {
    return wrap(command, warnings, List.of());
  }

  /**
   * As {@link #wrap(List, Consumer)} with more of the helper's {@code unshare} options before the
   * command ({@code --root-of PID START}, {@code --overlay LOWER UPPER WORK MERGED}: PROTOCOL.md).
   */
  public static List<String> wrap(List<String> command, Consumer<String> warnings, List<String> options) {
    return wrap(command, warnings, options, null);
  }

  /**
   * As {@link #wrap(List, Consumer, List)} with these maps in place of the user's own (null: the
   * user's own): a sandbox's, so that ids mean in CMD what they mean in that sandbox.
   */
  public static List<String> wrap(List<String> command, Consumer<String> warnings, List<String> options, IdMap maps) {
    IdMap map = maps != null ? maps : IdMaps.build(IdMaps.Caller.current(), List.of(), List.of());
    if (map.warning() != null) warnings.accept(map.warning());
    List<String> argv = new ArrayList<>();
    argv.add(HelperBinary.locate().toString());
    argv.add("unshare");
    if (map.tool() == IdMap.Tool.DIRECT) argv.add("--direct");
    for (IdRange r : map.uids()) {
      argv.add("--uidmap");
      argv.add(r.line());
    }
    for (IdRange r : map.gids()) {
      argv.add("--gidmap");
      argv.add(r.line());
    }
    argv.addAll(options);
    argv.add("--");
    argv.addAll(command);
    return argv;
  }
}
