package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry credentials in the containers-auth.json(5) format shared with podman and docker: read
 * from the usual files in order, written by {@code jbox login} atomically with mode 0600, or kept
 * by the credential helper a file configures ({@code credHelpers}, {@code credsStore}).
 */
public final class AuthFile {
  /** A user name and password (or token) for one registry. */
  public record Credentials(String username, String password) {
    public Credentials {
      if (username == null || username.isEmpty()) throw new JboxException("credentials: empty user name");
      if (password == null) throw new JboxException("credentials: missing password");
    }

    /**
     * Whether the password is an identity token (a credential helper's user {@code <token>}):
     * exchanged for an access token at the registry's OAuth2 realm, never sent as Basic.
     */
    public boolean isIdentityToken() {
      return CredentialHelper.IDENTITY_TOKEN_USER.equals(username);
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

  // The docker.io key docker itself uses with credential helpers.
  private static final String DOCKER_HUB_LEGACY = "https://index.docker.io/v1/";

  private final List<Path> readOrder;
  private final Path writePath;
  private final String searchPath;
  // A helper is a process per call: one answer per helper and server for this object's lifetime.
  private final Map<String, Optional<Credentials>> helperAnswers = new ConcurrentHashMap<>();

  private AuthFile(List<Path> readOrder, Path writePath, String searchPath) {
    this.readOrder = List.copyOf(readOrder);
    this.writePath = writePath;
    this.searchPath = searchPath == null ? "" : searchPath;
  }

  private AuthFile(List<Path> readOrder, Path writePath) {
    this(readOrder, writePath, System.getenv("PATH"));
  }

  /** The same files, with credential helpers looked for in {@code path} instead of {@code $PATH}. */
  public AuthFile withHelperPath(String path) {
    return new AuthFile(readOrder, writePath, path);
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
   * Credentials for a repository, searching the files in order. In each file a credential helper
   * configured for the registry ({@code credHelpers}, else docker's {@code credsStore}) is the only
   * source for it, as in containers-auth.json(5) and docker; otherwise the most specific
   * {@code auths} key wins ({@code host/ns/repo}, then {@code host/ns}, then {@code host}). A file
   * that has nothing for the registry passes on to the next one.
   */
  public Credentials lookup(String registry, String repository) {
    String host = hostOf(normalizeKey(registry));
    for (Path file : readOrder) {
      Map<String, Object> doc = readDoc(file);
      CredentialHelper helper = helperIn(doc, file, host);
      Credentials c = helper != null ? fromHelper(helper, host) : fromAuths(doc, file, registry, repository);
      if (c != null) return c;
    }
    return null;
  }

  /**
   * The credential helper the file {@code login} and {@code logout} change ({@code file}, or
   * null for {@link #writePath()}) configures for a registry, or null when it configures none or
   * {@code registry} names a namespace (helpers keep credentials per registry).
   */
  public CredentialHelper writeHelper(String registry, Path file) {
    Path f = file == null ? writePath : file;
    String key = normalizeKey(registry);
    return key.equals(hostOf(key)) ? helperIn(readDoc(f), f, key) : null;
  }

  private Credentials fromHelper(CredentialHelper helper, String host) {
    return helperAnswers.computeIfAbsent(helper.program() + " " + host, k -> {
      Credentials c = helper.get(host);
      // docker files Docker Hub's credentials under its old index URL
      if (c == null && host.equals(ImageRef.DOCKER_HUB)) c = helper.get(DOCKER_HUB_LEGACY);
      return Optional.ofNullable(c);
    }).orElse(null);
  }

  private CredentialHelper helperIn(Map<String, Object> doc, Path file, String host) {
    Object helpers = doc.get("credHelpers");
    if (helpers != null && !(helpers instanceof Map<?, ?>)) {
      throw new JboxException("`" + file + "`: \"credHelpers\" is not an object");
    }
    if (helpers instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!host.equals(normalizeKey(String.valueOf(e.getKey())))) continue;
        if (!(e.getValue() instanceof String name)) {
          throw new JboxException("`" + file + "`: credHelpers \"" + e.getKey() + "\" is not a string");
        }
        return new CredentialHelper(name, "credHelpers in " + file, searchPath);
      }
    }
    Object store = doc.get("credsStore");
    if (store == null || "".equals(store)) return null;
    if (!(store instanceof String name)) throw new JboxException("`" + file + "`: \"credsStore\" is not a string");
    return new CredentialHelper(name, "credsStore in " + file, searchPath);
  }

  private static String hostOf(String key) {
    return key.indexOf('/') >= 0 ? key.substring(0, key.indexOf('/')) : key;
  }

  private static Credentials fromAuths(Map<String, Object> doc, Path file, String registry, String repository) {
    List<String> keys = new ArrayList<>();
    if (repository != null) {
      String k = normalizeKey(registry) + "/" + repository;
      while (k.indexOf('/') >= 0) {
        keys.add(k);
        k = k.substring(0, k.lastIndexOf('/'));
      }
    }
    keys.add(normalizeKey(registry));
    Map<String, Object> auths = doc.get("auths") instanceof Map<?, ?> ? authsOf(doc, file) : Map.of();
    for (String want : keys) {
      for (Map.Entry<String, Object> e : auths.entrySet()) {
        if (!normalizeKey(e.getKey()).equals(want)) continue;
        Credentials c = decode(e.getValue(), file, e.getKey());
        if (c != null) return c;
      }
    }
    return null;
  }

  /**
   * Stores credentials for a registry: through the credential helper {@code file} (null:
   * {@link #writePath()}) configures for it (see {@link #writeHelper}), else in the file.
   */
  public void login(String registry, String user, String password, Path file) {
    Path f = file == null ? writePath : file;
    Map<String, Object> doc = readDoc(f);
    Map<String, Object> auths = authsOf(doc, f);
    String host = hostOf(normalizeKey(registry));
    CredentialHelper helper = helperIn(doc, f, host);
    if (helper != null) {
      if (!normalizeKey(registry).equals(host)) {
        throw new JboxException("login " + registry + ": " + helper.program() + " keeps credentials per registry,"
            + " not per namespace; log in to " + host);
      }
      new Credentials(user, password); // the same checks as a file entry
      helper.store(host, user, password);
      // docker lists a credsStore's registries in "auths" with an empty entry; logout -a reads it
      if (doc.get("credsStore") instanceof String && !auths.containsKey(registry)) {
        auths.put(registry, new LinkedHashMap<String, Object>());
        doc.put("auths", auths);
        writeAtomically(f, Json.pretty(doc) + "\n");
      }
      return;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("auth", new Credentials(user, password).basicHeader().substring("Basic ".length()));
    auths.remove(registry);
    auths.put(registry, entry);
    doc.put("auths", auths);
    writeAtomically(f, Json.pretty(doc) + "\n");
  }

  /**
   * Removes a registry's credentials: from the credential helper {@code file} (null:
   * {@link #writePath()}) configures for it, and its {@code auths} entry; false when neither had
   * any.
   */
  public boolean logout(String registry, Path file) {
    Path f = file == null ? writePath : file;
    Map<String, Object> doc = readDoc(f);
    Map<String, Object> auths = authsOf(doc, f);
    String want = normalizeKey(registry);
    CredentialHelper helper = helperIn(doc, f, hostOf(want));
    boolean erased = helper != null && want.equals(hostOf(want)) && erase(helper, want);
    boolean removed = auths.keySet().removeIf(k -> k.equals(registry) || normalizeKey(k).equals(want));
    if (removed) {
      doc.put("auths", auths);
      writeAtomically(f, Json.pretty(doc) + "\n");
    }
    return erased || removed;
  }

  /**
   * Removes every registry's credentials from {@code file}: each {@code credHelpers} registry's
   * from its helper, each {@code auths} registry's from the {@code credsStore} helper if there is
   * one, and the {@code auths} entries (helper settings stay); returns how many were removed.
   */
  public int logoutAll(Path file) {
    Path f = file == null ? writePath : file;
    Map<String, Object> doc = readDoc(f);
    Map<String, Object> auths = authsOf(doc, f);
    Set<String> hosts = new LinkedHashSet<>();
    if (doc.get("credHelpers") instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) hosts.add(normalizeKey(String.valueOf(k)));
    }
    if (doc.get("credsStore") instanceof String s && !s.isEmpty()) {
      for (String k : auths.keySet()) hosts.add(hostOf(normalizeKey(k)));
    }
    Set<String> removed = new HashSet<>();
    for (String host : hosts) {
      CredentialHelper helper = helperIn(doc, f, host);
      if (helper != null && erase(helper, host)) removed.add(host);
    }
    if (auths.isEmpty()) return removed.size();
    for (String k : auths.keySet()) removed.add(normalizeKey(k));
    doc.put("auths", new LinkedHashMap<String, Object>());
    writeAtomically(f, Json.pretty(doc) + "\n");
    return removed.size();
  }

  private static boolean erase(CredentialHelper helper, String host) {
    boolean erased = helper.erase(host);
    if (host.equals(ImageRef.DOCKER_HUB) && helper.erase(DOCKER_HUB_LEGACY)) erased = true;
    return erased;
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

  private static Map<String, Object> readDoc(Path file) {
    String text;
    try {
      text = dev.jbox.SmallFiles.read(file, "`" + file + "`");
    } catch (NoSuchFileException e) {
      return new LinkedHashMap<>();
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
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      replace(file, content, "rw-------");
    } catch (IOException e) {
      throw new JboxException("write `" + file + "`: " + e.getMessage());
    }
  }

  /**
   * Replaces file with content, as readers see it either before or after: a temporary file in the
   * same directory created with {@code perms} (and set to them, whatever the umask), fsynced, and
   * renamed over the target; on failure the temporary file is removed. The registry package's
   * configuration files (auth.json, short-name-aliases.conf) are written through it.
   */
  static void replace(Path file, String content, String perms) throws IOException {
    var mode = PosixFilePermissions.fromString(perms);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".tmp",
        PosixFilePermissions.asFileAttribute(mode));
    try {
      Files.setPosixFilePermissions(tmp, mode);
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
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed and is reported; a stray temp file of the same mode leaks nothing
        }
      }
    }
  }
}
