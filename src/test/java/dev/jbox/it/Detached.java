package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Detached sandboxes for the lifecycle tests: jbox commands with a private XDG_RUNTIME_DIR, and
 * every sandbox of that runtime directory removed with rm -f at the end of the test (even when it
 * fails, and also those the test started with {@code Jbox.run} and this environment).
 */
final class Detached implements AutoCloseable {
  final Path xdg;
  final Path rootfs;

  Detached(Path tmp, Path rootfs) {
    this.xdg = tmp.resolve("xdg-" + System.nanoTime());
    this.rootfs = rootfs;
    try {
      Files.createDirectories(xdg);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  Map<String, String> env() {
    return Map.of("XDG_RUNTIME_DIR", xdg.toString());
  }

  Jbox.Result jbox(String... args) {
    return Jbox.run(List.of(args), env());
  }

  Jbox.Result jbox(List<String> args) {
    return Jbox.run(args, env());
  }

  /** jbox run -d [options] --rootfs R sh -c SCRIPT; returns the full id. */
  String start(List<String> options, String script) {
    List<String> a = new ArrayList<>(List.of("run", "-d"));
    a.addAll(options);
    a.addAll(List.of("--rootfs", rootfs.toString(), "sh", "-c", script));
    Jbox.Result r = jbox(a);
    assertEquals(0, r.code(), r.toString());
    String id = r.out().strip();
    assertTrue(id.matches("[0-9a-f]{64}"), "an id: " + r);
    return id;
  }

  String start(String script) {
    return start(List.of(), script);
  }

  /** The state directory of a sandbox. */
  Path dir(String id) {
    return xdg.resolve("jbox").resolve(id);
  }

  /** A number field of the state file ("pid", "monitorPid", ...). */
  long stateField(String id, String field) {
    try {
      String s = Files.readString(dir(id).resolve("state"));
      var m = java.util.regex.Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(s);
      assertTrue(m.find(), field + " in " + s);
      return Long.parseLong(m.group(1));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Polls a condition until it holds, for up to 60 s: not how long it should take (a slower
   * machine, CI's or this one under load, takes longer), only how long a failing test waits.
   */
  static boolean eventually(java.util.function.BooleanSupplier c) throws InterruptedException {
    long end = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < end) {
      if (c.getAsBoolean()) return true;
      Thread.sleep(50);
    }
    return c.getAsBoolean();
  }

  @Override
  public void close() {
    Lifetimes.removeLeftovers(xdg, args -> jbox(args), xdg.resolve("jbox"));
  }
}
