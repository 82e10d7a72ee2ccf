package dev.jbox.sandbox;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy of a {@code jbox shell}, each piece with where it came from (built-in default, the
 * project's .jbox/shell.toml, a flag): lists grow layer by layer, single values are replaced.
 */
public final class ShellSettings {
  /** One value and its origin, as {@code --print-config} shows it. */
  public record Item(String value, String from) {}

  /** The list keys, named as in .jbox/shell.toml and as the flags (without the dashes). */
  public static final List<String> LIST_KEYS = List.of("ro", "rw", "hide", "write-through", "env-deny", "allow-host");
  /**
   * The keys that open more of the host than the built-in policy (a path bound in, a cache written
   * through): from .jbox/shell.toml they take effect only once the user trusts the file.
   * hide, env-deny, allow-host and network (pasta or none) only narrow; image picks a userland.
   * {@code git = "writable"} widens too (ShellProject checks its value).
   */
  public static final List<String> WIDENING_KEYS = List.of("ro", "rw", "write-through");
  /** The single-value keys. */
  public static final List<String> VALUE_KEYS = List.of("network", "image", "git");

  static final String BUILTIN = "built-in";

  /** Shown as absent (an empty directory, or an empty file): secrets and jbox's own data. */
  static final List<String> DEFAULT_HIDE = List.of(
      "~/.ssh", "~/.gnupg", "~/.aws", "~/.azure", "~/.config/gcloud", "~/.kube", "~/.docker", "~/.netrc",
      "~/.git-credentials", "~/.config/gh", "~/.password-store", "~/.local/share/keyrings",
      "~/.config/containers/auth.json", "~/.pki", "~/.mozilla", "~/.thunderbird", "~/.config/google-chrome",
      "~/.config/chromium", "~/.config/BraveSoftware", "~/.config/vivaldi", "~/.config/microsoft-edge",
      "~/.config/opera", "~/.local/share/jbox",
      // package registries' and tools' tokens: what a malicious post-install script reads first
      "~/.npmrc", "~/.yarnrc.yml", "~/.pypirc", "~/.cargo/credentials", "~/.cargo/credentials.toml", "~/.gem/credentials",
      "~/.m2/settings.xml", "~/.m2/settings-security.xml", "~/.gradle/gradle.properties", "~/.config/git/credentials",
      "~/.config/hub", "~/.config/glab-cli", "~/.vault-token", "~/.terraform.d/credentials.tfrc.json", "~/.s3cfg",
      "~/.boto", "~/.config/rclone", "~/.composer/auth.json", "~/.config/composer/auth.json", "~/.oci", "~/.config/doctl",
      "~/.config/op", "~/.config/sops", "~/.kaggle", "~/.databrickscfg", "~/.Xauthority", "~/.ICEauthority",
      // shell and client histories hold what was typed, tokens pasted on a command line among it
      "~/.bash_history", "~/.zsh_history", "~/.local/share/fish/fish_history", "~/.python_history",
      "~/.node_repl_history", "~/.psql_history", "~/.mysql_history", "~/.sqlite_history",
      // the host's services: a read-only mount does not stop a connect() to a socket. The system
      // bus (polkit grants an active session's processes reboot, mounts, network changes), the
      // container engines', printing, mDNS, and the local databases (peer authentication lets
      // the user's processes in; the loopback is closed for the same reason)
      "/run/dbus", "/run/docker.sock", "/run/podman", "/run/containerd", "/run/crio", "/run/snapd.socket",
      "/run/snapd-snap.socket", "/run/cups", "/run/avahi-daemon", "/run/postgresql", "/run/mysqld", "/run/redis");

  /** Package caches bound straight to the host (when they exist there). */
  static final List<String> DEFAULT_WRITE_THROUGH = List.of(
      "~/.m2", "~/.gradle", "~/.cargo/registry", "~/.npm", "~/.cache/pip", "~/go/pkg/mod", "~/.cache/go-build");

  /** Environment variables never passed into the sandbox ({@code *} matches any run of characters). */
  static final List<String> DEFAULT_ENV_DENY = List.of(
      "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GPG_AGENT_INFO", "*_TOKEN", "*_TOKEN_*", "*_SECRET*", "*_PASSWORD", "*_PASSWD",
      "*_API_KEY", "*_APIKEY", "*_CREDENTIALS", "AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "KRB5CCNAME",
      "DOCKER_AUTH_CONFIG", "DBUS_SESSION_BUS_ADDRESS", "JBOX_HELPER_FD",
      // the clients' own password variables, and keys handed to CI-style scripts
      "PGPASSWORD", "MYSQL_PWD", "*_PRIVATE_KEY", "*_ACCESS_KEY", "*_PASSPHRASE");

  private final Map<String, List<Item>> lists = new LinkedHashMap<>();
  private final Map<String, Item> values = new LinkedHashMap<>();

  /** The built-in defaults. */
  public static ShellSettings defaults() {
    ShellSettings s = new ShellSettings();
    for (String k : LIST_KEYS) s.lists.put(k, new ArrayList<>());
    for (String h : DEFAULT_HIDE) s.add("hide", h, BUILTIN);
    for (String w : DEFAULT_WRITE_THROUGH) s.add("write-through", w, BUILTIN);
    for (String e : DEFAULT_ENV_DENY) s.add("env-deny", e, BUILTIN);
    s.set("network", "pasta", BUILTIN);
    s.set("git", "read-only", BUILTIN);
    return s;
  }

  public void add(String key, String value, String from) {
    List<Item> l = lists.get(key);
    if (l == null) throw new JboxException(from + ": unknown key `" + key + "`");
    if (value == null || value.isEmpty()) throw new JboxException(from + ": `" + key + "` needs a non-empty value");
    l.add(new Item(value, from));
  }

  public void set(String key, String value, String from) {
    if (!VALUE_KEYS.contains(key)) throw new JboxException(from + ": unknown key `" + key + "`");
    if (value == null || value.isEmpty()) throw new JboxException(from + ": `" + key + "` needs a non-empty value");
    values.put(key, new Item(value, from));
  }

  public List<Item> list(String key) {
    return List.copyOf(lists.get(key));
  }

  /** The values of a list key, without their origins. */
  public List<String> strings(String key) {
    List<String> out = new ArrayList<>();
    for (Item i : lists.get(key)) out.add(i.value());
    return out;
  }

  /** A single value, or null. */
  public Item value(String key) {
    return values.get(key);
  }

  /** Every piece in force, one per line: {@code key = value    (from)}. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    for (String k : VALUE_KEYS) {
      Item i = values.get(k);
      if (i != null) b.append(String.format("%-14s %-40s # %s%n", k, i.value(), i.from()));
      else if (k.equals("image")) b.append(String.format("%-14s %-40s # %s%n", k, "(the host's root, read-only)", BUILTIN));
    }
    for (String k : LIST_KEYS) {
      for (Item i : lists.get(k)) b.append(String.format("%-14s %-40s # %s%n", k, i.value(), i.from()));
    }
    return b.toString();
  }

  /** Whether {@code name} matches {@code pattern}, where {@code *} matches any run of characters. */
  static boolean glob(String pattern, String name) {
    return glob(pattern, 0, name, 0);
  }

  private static boolean glob(String p, int pi, String n, int ni) {
    while (pi < p.length()) {
      char c = p.charAt(pi);
      if (c == '*') {
        for (int k = ni; k <= n.length(); k++) if (glob(p, pi + 1, n, k)) return true;
        return false;
      }
      if (ni >= n.length() || n.charAt(ni) != c) return false;
      pi++;
      ni++;
    }
    return ni == n.length();
  }
}
