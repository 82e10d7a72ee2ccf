package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.json.JsonException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registry credentials in the containers-auth.json(5) format shared with podman and docker: read
 * from the usual files in order, written by {@code jbox login} atomically with mode 0600.
 */
public final class AuthFile {
  /** A user name and password (or token) for one registry. */
  public record Credentials(String username, String password) {
    public Credentials {
      if (username == null || username.isEmpty()) throw new JboxException("credentials: empty user name");
      if (password == null) throw new JboxException("credentials: missing password");
    }

    /** The value of a basic {@code Authorization} header. */
    public String basicHeader() {
      return "Basic " + Base64.getEncoder()
          .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "Credentials[" + username + ", ***]";
    }
  }

  private final List<Path> readOrder;
  private final Path writePath;

  private AuthFile(List<Path> readOrder, Path writePath) {
    this.readOrder = List.copyOf(readOrder);
    this.writePath = writePath;
  }

  /** The user's files from the environment (see {@link #readPath} and {@link #defaultWritePath}). */
  public static AuthFile load() {
    Map<String, String> env = System.getenv();
    String home = System.getProperty("user.home");
    return new AuthFile(readPath(env, home), defaultWritePath(env, home));
  }

  /** Exactly one file, read and written ({@code --authfile}). */
  public static AuthFile at(Path file) {
    return new AuthFile(List.of(file), file);
  }

  /** Given files to read in order and the one {@code login} writes. */
  public static AuthFile of(List<Path> readOrder, Path writePath) {
    return new AuthFile(readOrder, writePath);
  }

  /**
   * {@code $REGISTRY_AUTH_FILE}, {@code $XDG_RUNTIME_DIR/containers/auth.json},
   * {@code ~/.config/containers/auth.json}, {@code ~/.docker/config.json}.
   */
  public static List<Path> readPath(Map<String, String> env, String home) {
    List<Path> out = new ArrayList<>();
    String explicit = env.get("REGISTRY_AUTH_FILE");
    if (explicit != null && !explicit.isEmpty()) out.add(Path.of(explicit));
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) out.add(Path.of(runtime, "containers", "auth.json"));
    String xdg = env.get("XDG_CONFIG_HOME");
    Path config = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
    out.add(config.resolve("containers/auth.json"));
    out.add(Path.of(home, ".docker", "config.json"));
    return out;
  }

  /**
   * Where {@code login} writes, like podman: {@code $REGISTRY_AUTH_FILE}, else
   * {@code $XDG_RUNTIME_DIR/containers/auth.json}, else {@code ~/.config/containers/auth.json}.
   */
  public static Path defaultWritePath(Map<String, String> env, String home) {
    String explicit = env.get("REGISTRY_AUTH_FILE");
    if (explicit != null && !explicit.isEmpty()) return Path.of(explicit);
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) return Path.of(runtime, "containers", "auth.json");
    String xdg = env.get("XDG_CONFIG_HOME");
    Path config = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
    return config.resolve("containers/auth.json");
  }

  /** The file {@code login} and {@code logout} write when given none. */
  public Path writePath() {
    return writePath;
  }

  /** Credentials for a registry host, or null. */
  public Credentials lookup(String registry) {
    return lookup(registry, null);
  }

  /**
   * Credentials for a repository: the most specific key wins ({@code host/ns/repo}, then
   * {@code host/ns}, then {@code host}), searching the files in order.
   */
  public Credentials lookup(String registry, String repository) {
    List<String> keys = new ArrayList<>();
    if (repository != null) {
      String k = normalizeKey(registry) + "/" + repository;
      while (k.indexOf('/') >= 0) {
        keys.add(k);
        k = k.substring(0, k.lastIndexOf('/'));
      }
    }
    keys.add(normalizeKey(registry));
    for (Path file : readOrder) {
      Map<String, Object> auths = readAuths(file);
      for (String want : keys) {
        for (Map.Entry<String, Object> e : auths.entrySet()) {
          if (!normalizeKey(e.getKey()).equals(want)) continue;
          Credentials c = decode(e.getValue(), file, e.getKey());
          if (c != null) return c;
        }
      }
    }
    return null;
  }

  /** Stores credentials for a registry in {@code file} (null: {@link #writePath()}). */
  public void login(String registry, String user, String password, Path file) {
    Path f = file == null ? writePath : file;
    Map<String, Object> doc = readDoc(f);
    Map<String, Object> auths = authsOf(doc, f);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("auth", new Credentials(user, password).basicHeader().substring("Basic ".length()));
    auths.remove(registry);
    auths.put(registry, entry);
    doc.put("auths", auths);
    writeAtomically(f, Json.pretty(doc) + "\n");
  }

  /** Removes a registry's credentials from {@code file}; false when there were none. */
  public boolean logout(String registry, Path file) {
    Path f = file == null ? writePath : file;
    Map<String, Object> doc = readDoc(f);
    Map<String, Object> auths = authsOf(doc, f);
    String want = normalizeKey(registry);
    boolean removed = auths.keySet().removeIf(k -> k.equals(registry) || normalizeKey(k).equals(want));
    if (!removed) return false;
    doc.put("auths", auths);
    writeAtomically(f, Json.pretty(doc) + "\n");
    return true;
  }

  /** Removes every registry's credentials from {@code file}; returns how many there were. */
  public int logoutAll(Path file) {
    Path f = file == null ? writePath : file;
    Map<String, Object> doc = readDoc(f);
    int n = authsOf(doc, f).size();
    if (n == 0) return 0;
    doc.put("auths", new LinkedHashMap<String, Object>());
    writeAtomically(f, Json.pretty(doc) + "\n");
    return n;
  }

  /**
   * The registry a key names: a key with a scheme is docker's legacy URL form and means its host;
   * docker.io's historical names mean docker.io.
   */
  static String normalizeKey(String key) {
    String k = key;
    boolean url = false;
    if (k.startsWith("https://")) {
      k = k.substring(8);
      url = true;
    } else if (k.startsWith("http://")) {
      k = k.substring(7);
      url = true;
    }
    if (url && k.indexOf('/') >= 0) k = k.substring(0, k.indexOf('/'));
    while (k.endsWith("/")) k = k.substring(0, k.length() - 1);
    String host = k.indexOf('/') >= 0 ? k.substring(0, k.indexOf('/')) : k;
    String path = k.substring(host.length());
    if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) host = "docker.io";
    return host + path;
  }

  private static Credentials decode(Object entry, Path file, String key) {
    if (!(entry instanceof Map<?, ?> m)) return null;
    Object auth = m.get("auth");
    if (auth instanceof String s && !s.isEmpty()) {
      String plain;
      try {
        plain = new String(Base64.getDecoder().decode(s.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new JboxException("`" + file + "`: auths \"" + key + "\": \"auth\" is not base64");
      }
      int colon = plain.indexOf(':');
      if (colon <= 0) throw new JboxException("`" + file + "`: auths \"" + key + "\": \"auth\" is not user:password");
      return new Credentials(plain.substring(0, colon), plain.substring(colon + 1));
    }
    if (m.get("username") instanceof String u && m.get("password") instanceof String p && !u.isEmpty()) {
      return new Credentials(u, p);
    }
    return null;
  }

  private static Map<String, Object> readAuths(Path file) {
    Map<String, Object> doc = readDoc(file);
    return doc.get("auths") instanceof Map<?, ?> ? authsOf(doc, file) : Map.of();
  }

  private static Map<String, Object> readDoc(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new LinkedHashMap<>();
    } catch (IOException e) {
      throw new JboxException("read `" + file + "`: " + e.getMessage());
    }
    if (text.isBlank()) return new LinkedHashMap<>();
    try {
      return new LinkedHashMap<>(Json.parseObject(text));
    } catch (JsonException e) {
      throw new JboxException("`" + file + "`: malformed JSON (" + e.getMessage() + "); fix or remove it");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> authsOf(Map<String, Object> doc, Path file) {
    Object a = doc.get("auths");
    if (a == null) return new LinkedHashMap<>();
    if (!(a instanceof Map<?, ?>)) throw new JboxException("`" + file + "`: \"auths\" is not an object");
    return new LinkedHashMap<>((Map<String, Object>) a);
  }

  // Credentials must never be readable by others, not even for a moment: the temporary file is
  // created 0600 in the target directory (created 0700 when missing) and renamed over the target.
  private static void writeAtomically(Path file, String content) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) ch.write(buf);
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new JboxException("write `" + file + "`: " + e.getMessage());
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed and is reported; a stray 0600 temp file leaks nothing
        }
      }
    }
  }
}
