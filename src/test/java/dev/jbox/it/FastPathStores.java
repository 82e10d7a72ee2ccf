package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.store.ImageRecord;
import dev.jbox.json.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Private stores for the launcher fast-path tests, under a test class's temporary directory: a
 * runtime directory, image store and configuration of their own (so no other test's records are
 * seen), image records and tags.json written as ImageStore writes them, and the differential run
 * of one command on two copies of a store, once through the launcher and once through the JVM,
 * with the answers and the whole resulting trees compared.
 */
final class FastPathStores {
  private final Path tmp;
  private Path lastFast;

  FastPathStores(Path tmp) {
    this.tmp = tmp;
  }

  /** The environment of a store under base (its runtime directory, image store, config). */
  static Map<String, String> env(Path base) {
    return new HashMap<>(Map.of("XDG_RUNTIME_DIR", base.resolve("xdg").toString(), "JBOX_STORAGE", base.resolve("storage").toString(),
        "XDG_CONFIG_HOME", base.resolve("config").toString()));
  }

  /** A new empty store: xdg/jbox (0700), config/ and storage/containers/ under a new directory. */
  Path newStore(String name) throws IOException {
    Path base = tmp.resolve(name + "-" + System.nanoTime());
    Path rt = Files.createDirectories(base.resolve("xdg/jbox"));
    Files.setPosixFilePermissions(rt, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(base.resolve("config"));
    Files.createDirectories(base.resolve("storage/containers"));
    return base;
  }

  /** A new store (as {@link #newStore}) whose image store has its directories, as the JVM leaves them. */
  Path newImageStore(String name) throws IOException {
    Path base = newStore(name);
    imageDirs(base.resolve("storage"));
    return base;
  }

  /** The image store's directories as ImageStore makes them: images, blobs, layers, locks, containers; the store 0700. */
  static void imageDirs(Path store) throws IOException {
    for (String d : List.of("images", "blobs/sha256", "layers", "locks", "containers")) Files.createDirectories(store.resolve(d));
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
  }

  /**
   * A Detached's environment with a private store and configuration beside its runtime directory,
   * so that no other test's records (or an older jbox's) are seen; and FROMENV set (ExecFastPathTest's
   * `-e FROMENV` reads it).
   */
  static Map<String, String> env(Detached d) throws IOException {
    Map<String, String> env = new HashMap<>(d.env());
    Path home = d.xdg.resolveSibling(d.xdg.getFileName() + "-home");
    Files.createDirectories(home.resolve("config"));
    env.put("JBOX_STORAGE", home.resolve("storage").toString());
    env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
    env.put("FROMENV", "from the caller");
    return env;
  }

  /** n's byte as 64 hex digits (image n's manifest digest; its id is hex(n + 100)). */
  static String hex(int n) {
    return String.format("%02x", n).repeat(32);
  }

  /**
   * Writes image n's record as ImageStore.putImage does: created age ms ago (null: none), pulled
   * pulledAgo ms ago, one layer of size bytes; returns its manifest digest.
   */
  static String image(Path store, int n, Long age, long size, long pulledAgo) throws IOException {
    long now = System.currentTimeMillis();
    String digest = "sha256:" + hex(n);
    ImageRecord r = new ImageRecord(digest, "application/vnd.oci.image.manifest.v1+json", null, "sha256:" + hex(n + 100),
        "linux/amd64", age == null ? null : Instant.ofEpochMilli(now - age).toString(), Instant.ofEpochMilli(now - pulledAgo).toString(),
        size, List.of(new ImageRecord.Layer("sha256:" + hex(n + 50), "application/vnd.oci.image.layer.v1.tar+gzip", size, "sha256:" + hex(n + 60))),
        List.of("example.com/x@" + digest));
    Files.writeString(store.resolve("images").resolve(hex(n) + ".json"), Json.pretty(r.toJson()));
    return digest;
  }

  /** tags.json as ImageStore writes it (a TreeMap through Json.pretty). */
  static void tags(Path store, Map<String, String> tags) throws IOException {
    Files.writeString(store.resolve("tags.json"), Json.pretty(new LinkedHashMap<>(new TreeMap<>(tags))));
  }

  /** The launcher's copy of the last {@link #both} (its store after the command). */
  Path lastFast() {
    return lastFast;
  }

  /**
   * The same command on two copies of base: through the launcher and with the fast path off.
   * Returns the launcher's outcome after checking both answers and both resulting stores are the
   * same; prepare (may be null) runs on each copy first.
   */
  FastPath.Outcome both(Path base, List<String> args, FastPath path, Consumer<Path> prepare) throws Exception {
    Path f = tmp.resolve("fast-" + System.nanoTime());
    Path j = tmp.resolve("jvm-" + System.nanoTime());
    lastFast = f;
    copy(base, f);
    copy(base, j);
    if (prepare != null) {
      prepare.accept(f);
      prepare.accept(j);
    }
    FastPath.Outcome fo = path.run(env(f), args, false);
    FastPath.Outcome jo = path.run(env(j), args, true);
    assertFalse(jo.fast(), path.off() + "=1 takes the JVM's path: " + jo);
    assertEquals(new FastPath.Outcome(jo.code(), jo.out(), jo.err(), fo.fast()), fo, "the same answer: " + args);
    Map<String, String> tj = tree(j);
    Map<String, String> tf = tree(f);
    if (!tj.equals(tf)) {
      Map<String, String> diff = new TreeMap<>();
      for (String k : tj.keySet()) if (!tj.get(k).equals(tf.get(k))) diff.put(k, "jvm: " + tj.get(k) + " / launcher: " + tf.get(k));
      for (String k : tf.keySet()) if (!tj.containsKey(k)) diff.put(k, "jvm: none / launcher: " + tf.get(k));
      throw new AssertionError("the same store after " + args + ": " + diff);
    }
    return fo;
  }

  /** cp -a from to. */
  static void copy(Path from, Path to) throws Exception {
    Process p = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "cp -a: " + out);
  }

  /** Every entry under dir: its type, mode, and contents (a digest) or link target. */
  static Map<String, String> tree(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return out;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = dir.relativize(p).toString();
        var a = Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        String mode = Integer.toOctalString((Integer) a.get("mode"));
        String what;
        if (Files.isSymbolicLink(p)) what = "link " + Files.readSymbolicLink(p);
        else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) what = "dir";
        else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          byte[] bytes = Files.readAllBytes(p);
          // a volume's creation time is the moment each command ran: compared apart (createdNear)
          if (p.getFileName().toString().equals("volume.json")) {
            bytes = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).replaceFirst("\"created\": [0-9]+", "\"created\": T")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
          }
          what = "file " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } else what = "other";
        out.put(rel, mode + " " + what);
      }
    }
    return out;
  }

  /** rm -rf p (a tree the caller owns). */
  static void deleteTree(Path p) {
    try {
      Process pr = new ProcessBuilder("rm", "-rf", "--", p.toString()).redirectErrorStream(true).start();
      pr.getInputStream().readAllBytes();
      assertEquals(0, pr.waitFor(), "rm -rf " + p);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static List<String> words(String... w) {
    return List.of(w);
  }

  /** The full id of the sandbox called name in the store under base. */
  static String idOf(Path base, String name) {
    Jbox.Result r = Jbox.run(List.of("ps", "-a", "-q", "--no-trunc", "--filter", "name=^" + name + "$"), env(base));
    assertEquals(0, r.code(), r.toString());
    String id = r.out().strip();
    assertTrue(id.matches("[0-9a-f]{64}"), name + ": " + r);
    return id;
  }

  static void write(Path p, String text) {
    try {
      Files.writeString(p, text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Holds a lock on file (as another jbox command's FileChannel.lock) for ms, from a thread. */
  static void holdFor(Path file, long ms) {
    java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
    Thread t = new Thread(() -> {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock l = ch.lock();
        taken.countDown();
        Thread.sleep(ms);
        l.release();
      } catch (Exception e) {
        taken.countDown();
      }
    });
    t.setDaemon(true);
    t.start();
    try {
      taken.await();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
