package dev.jbox.image.registry;

import com.moandjiezana.toml.Toml;
import dev.jbox.JboxException;
import dev.jbox.SmallFiles;
import dev.jbox.image.ImageRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The parts of containers-registries.conf(5) version 2 jbox reads: search registries, short-name
 * mode, aliases, and {@code [[registry]]} entries with prefix rewriting, mirrors, insecure and
 * blocked; several files merge, later ones overriding earlier ones.
 */
public final class RegistriesConf {
  /** A {@code [[registry]]} table; {@code prefix} defaults to {@code location}. */
  public record Registry(
      String prefix,
      String location,
      boolean insecure,
      boolean blocked,
      boolean mirrorByDigestOnly,
      List<Mirror> mirrors,
      Path source) {
    public Registry {
      if (prefix == null || prefix.isEmpty()) prefix = location;
      if (prefix == null || prefix.isEmpty()) {
        throw new JboxException(source + ": [[registry]] needs a prefix or a location");
      }
      if (prefix.startsWith("*.")) {
        if (location != null && !location.isEmpty()) {
          throw new JboxException(source + ": [[registry]] prefix \"" + prefix
              + "\" is a wildcard and cannot have a location");
        }
      } else if (location == null || location.isEmpty()) {
        location = prefix;
      }
      mirrors = List.copyOf(mirrors);
    }
  }

  /** A {@code [[registry.mirror]]} table. */
  public record Mirror(String location, boolean insecure) {
    public Mirror {
      if (location == null || location.isEmpty()) throw new JboxException("[[registry.mirror]] needs a location");
    }
  }

  /** One place to pull from: a reference rewritten for that host, and whether TLS is off there. */
  public record Source(ImageRef ref, boolean insecure, boolean mirror) {}

  /** Where to pull a reference from: the mirrors first, then the (possibly rewritten) location. */
  public record Endpoint(Source location, List<Source> mirrors) {
    public Endpoint {
      mirrors = List.copyOf(mirrors);
    }

    /** Every source in the order to try them. */
    public List<Source> sources() {
      List<Source> all = new ArrayList<>(mirrors);
      all.add(location);
      return all;
    }
  }

  /**
   * The references a user's input may mean, in the order to try them, and a note to print;
   * {@code recordAs} is the short name to record as an alias of the one candidate once it has been
   * pulled (the user chose it at a prompt), else null.
   */
  public record Resolution(List<ImageRef> candidates, String note, String recordAs) {
    public Resolution {
      candidates = List.copyOf(candidates);
      if (candidates.isEmpty()) throw new IllegalArgumentException("no candidates");
      if (recordAs != null && candidates.size() != 1) throw new IllegalArgumentException("record needs one candidate");
    }

    public Resolution(List<ImageRef> candidates, String note) {
      this(candidates, note, null);
    }
  }

  /** Asks the user which candidate an ambiguous short name means (on a terminal). */
  public interface Prompter {
    /** One of {@code candidates}; an error when the user gives no answer. */
    ImageRef choose(String shortName, List<ImageRef> candidates);

    /**
     * Whether there is a terminal to ask on; false is as no prompter at all. Asked only when a
     * short name is ambiguous, so a prompter can look for its terminal lazily.
     */
    default boolean available() {
      return true;
    }
  }

  private record Alias(String value, Path source) {}

  private final List<String> searchRegistries; // null: never configured
  private final Path searchSource;
  private final String shortNameMode; // null: never configured
  private final Map<String, Alias> aliases;
  private final List<Registry> registries;

  private RegistriesConf(
      List<String> searchRegistries,
      Path searchSource,
      String shortNameMode,
      Map<String, Alias> aliases,
      List<Registry> registries) {
    this.searchRegistries = searchRegistries == null ? null : List.copyOf(searchRegistries);
    this.searchSource = searchSource;
    this.shortNameMode = shortNameMode;
    this.aliases = Map.copyOf(aliases);
    this.registries = List.copyOf(registries);
  }

  /** A configuration with nothing set: short names mean docker.io, no mirrors, nothing insecure. */
  public static RegistriesConf empty() {
    return new RegistriesConf(null, null, null, Map.of(), List.of());
  }

  /**
   * Reads and merges every file of {@link #searchPath} that exists, then the aliases of the
   * recorded files ({@link ShortNameAliases#readFiles}).
   */
  public static RegistriesConf load() {
    Map<String, String> env = System.getenv();
    String home = System.getProperty("user.home");
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    return load(searchPath(env, home)).withRecordedAliases(ShortNameAliases.readFiles(env, home, root));
  }

  /** This configuration with the aliases of the given recorded files over its own. */
  public RegistriesConf withRecordedAliases(List<Path> files) {
    RegistriesConf conf = this;
    for (Path p : files) {
      RegistriesConf r = load(List.of(p));
      conf = conf.merge(new RegistriesConf(null, null, null, r.aliases, List.of()));
    }
    return conf;
  }

  /** Reads and merges the given files in order; missing ones are skipped. */
  public static RegistriesConf load(List<Path> files) {
    RegistriesConf conf = empty();
    for (Path p : files) {
      String text;
      try {
        text = SmallFiles.read(p, "`" + p + "`");
      } catch (NoSuchFileException e) {
        continue;
      }
      conf = conf.merge(parse(text, p));
    }
    return conf;
  }

  /**
   * The files jbox reads, in order: the containers system file and its drop-ins, the user's
   * containers file, then jbox's own system and user files, then {@code $JBOX_REGISTRIES_CONF}.
   */
  public static List<Path> searchPath(Map<String, String> env, String home) {
    List<Path> out = new ArrayList<>();
    out.add(Path.of("/etc/containers/registries.conf"));
    out.addAll(dropIns(Path.of("/etc/containers/registries.conf.d")));
    String xdg = env.get("XDG_CONFIG_HOME");
    Path config = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".config");
    out.add(config.resolve("containers/registries.conf"));
    out.add(Path.of("/etc/jbox/registries.conf"));
    out.add(config.resolve("jbox/registries.conf"));
    String own = env.get("JBOX_REGISTRIES_CONF");
    if (own != null && !own.isEmpty()) out.add(Path.of(own));
    return out;
  }

  private static List<Path> dropIns(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.conf")) {
      for (Path p : ds) out.add(p);
    } catch (IOException e) {
      return out;
    }
    out.sort(null);
    return out;
  }

  /** Parses one file's text; {@code source} names it in messages and notes. */
  public static RegistriesConf parse(String toml, Path source) {
    Map<String, Object> m;
    try {
      m = new Toml().read(toml).toMap();
    } catch (RuntimeException e) {
      throw new JboxException(source + ": invalid TOML: " + e.getMessage());
    } catch (StackOverflowError e) { // toml4j parses nested arrays and tables by recursion
      throw new JboxException(source + ": invalid TOML: nested too deeply");
    }
    if (m.containsKey("registries")) return parseV1(m, source);
    List<String> search = null;
    if (m.containsKey("unqualified-search-registries")) {
      search = strings(m.get("unqualified-search-registries"), "unqualified-search-registries", source);
    }
    String mode = null;
    if (m.containsKey("short-name-mode")) {
      mode = str(m.get("short-name-mode"), "short-name-mode", source);
      if (!List.of("enforcing", "permissive", "disabled").contains(mode)) {
        throw new JboxException(source + ": short-name-mode \"" + mode
            + "\" is not one of enforcing, permissive, disabled");
      }
    }
    Map<String, Alias> aliases = new LinkedHashMap<>();
    Object a = m.get("aliases");
    if (a != null) {
      if (!(a instanceof Map<?, ?> am)) throw new JboxException(source + ": [aliases] is not a table");
      for (Map.Entry<?, ?> e : am.entrySet()) {
        String key = unquote((String) e.getKey());
        String value = str(e.getValue(), "aliases." + key, source);
        if (!ImageRef.isShortName(key)) {
          throw new JboxException(source + ": alias \"" + key + "\" must be a short name");
        }
        if (!value.isEmpty()) {
          ImageRef.parse(value); // validates at load time, so a bad alias names its file
        }
        aliases.put(key, new Alias(value, source));
      }
    }
    List<Registry> regs = new ArrayList<>();
    for (Map<?, ?> r : tables(m.get("registry"), "registry", source)) {
      List<Mirror> mirrors = new ArrayList<>();
      for (Map<?, ?> mm : tables(r.get("mirror"), "registry.mirror", source)) {
        mirrors.add(new Mirror(str(mm.get("location"), "mirror.location", source),
            bool(mm.get("insecure"), "mirror.insecure", source)));
      }
      regs.add(new Registry(
          str(r.get("prefix"), "prefix", source),
          str(r.get("location"), "location", source),
          bool(r.get("insecure"), "insecure", source),
          bool(r.get("blocked"), "blocked", source),
          bool(r.get("mirror-by-digest-only"), "mirror-by-digest-only", source),
          mirrors,
          source));
    }
    return new RegistriesConf(search, search == null ? null : source, mode, aliases, regs);
  }

  // Version 1 ([registries.search], [registries.insecure], [registries.block]) still appears on
  // older systems; its three lists map directly onto version 2.
  private static RegistriesConf parseV1(Map<String, Object> m, Path source) {
    if (!(m.get("registries") instanceof Map<?, ?> r)) {
      throw new JboxException(source + ": \"registries\" is not a table");
    }
    List<String> search = v1List(r, "search", source);
    Map<String, Registry> regs = new LinkedHashMap<>();
    for (String host : v1List(r, "insecure", source)) {
      regs.put(host, new Registry(host, host, true, false, false, List.of(), source));
    }
    for (String host : v1List(r, "block", source)) {
      Registry old = regs.get(host);
      regs.put(host, new Registry(host, host, old != null && old.insecure(), true, false, List.of(), source));
    }
    return new RegistriesConf(search.isEmpty() ? null : search, search.isEmpty() ? null : source, null,
        Map.of(), new ArrayList<>(regs.values()));
  }

  private static List<String> v1List(Map<?, ?> r, String table, Path source) {
    Object t = r.get(table);
    if (t == null) return List.of();
    if (!(t instanceof Map<?, ?> tm)) throw new JboxException(source + ": [registries." + table + "] is not a table");
    Object l = tm.get("registries");
    return l == null ? List.of() : strings(l, "registries." + table + ".registries", source);
  }

  /**
   * This configuration overridden by a later one: search registries and short-name mode are
   * replaced when the later one sets them, aliases per key, registries per prefix.
   */
  public RegistriesConf merge(RegistriesConf later) {
    Map<String, Alias> al = new LinkedHashMap<>(aliases);
    al.putAll(later.aliases);
    Map<String, Registry> regs = new LinkedHashMap<>();
    for (Registry r : registries) regs.put(r.prefix(), r);
    for (Registry r : later.registries) {
      regs.remove(r.prefix());
      regs.put(r.prefix(), r);
    }
    boolean laterSearch = later.searchRegistries != null;
    return new RegistriesConf(
        laterSearch ? later.searchRegistries : searchRegistries,
        laterSearch ? later.searchSource : searchSource,
        later.shortNameMode != null ? later.shortNameMode : shortNameMode,
        al,
        new ArrayList<>(regs.values()));
  }

  /** The configured search registries; null when no file sets them. */
  public List<String> searchRegistries() {
    return searchRegistries;
  }

  /** The short-name mode; {@code permissive} when no file sets one. */
  public String shortNameMode() {
    return shortNameMode == null ? "permissive" : shortNameMode;
  }

  /** The {@code [[registry]]} entries after merging. */
  public List<Registry> registries() {
    return registries;
  }

  /** The alias for a short name (without tag or digest), or null. */
  public String alias(String shortName) {
    Alias a = aliases.get(shortName);
    return a == null || a.value().isEmpty() ? null : a.value();
  }

  /** {@link #resolve(String, Prompter)} without a terminal to ask on. */
  public Resolution resolve(String input) {
    return resolve(input, null);
  }

  /**
   * The references an input may mean, as containers-registries.conf(5) resolves short names: a
   * fully qualified input itself; a short name's alias (in every mode); docker.io when no file
   * configures search registries (jbox's fallback); else one candidate per search registry. Several
   * candidates are all tried in order in {@code disabled} mode; otherwise {@code prompter} (null:
   * no terminal) picks one, to be recorded as an alias, and without it {@code permissive} tries
   * all while {@code enforcing} is an error.
   */
  public Resolution resolve(String input, Prompter prompter) {
    if (input == null || input.isEmpty()) throw new JboxException("image name: empty");
    if (!ImageRef.isShortName(input)) return new Resolution(List.of(ImageRef.parse(input)), null);
    ImageRef asGiven = ImageRef.parseIn("localhost", input); // validates the syntax once
    String bare = asGiven.repository();
    String beforeDigest = input.split("@", 2)[0];
    boolean hasTag = beforeDigest.lastIndexOf(':') > beforeDigest.lastIndexOf('/');
    Alias alias = aliases.get(bare);
    if (alias != null && !alias.value().isEmpty()) {
      ImageRef target = ImageRef.parse(alias.value());
      if (hasTag || asGiven.digest() != null) {
        target = new ImageRef(target.registry(), target.repository(), hasTag ? asGiven.tag() : null,
            asGiven.digest());
      }
      return new Resolution(List.of(target),
          "Resolved \"" + bare + "\" as an alias (" + alias.source() + ")");
    }
    if (searchRegistries == null) {
      return new Resolution(List.of(ImageRef.parseIn(ImageRef.DOCKER_HUB, input)),
          "Resolved \"" + bare + "\" to docker.io (no unqualified-search-registries configured)");
    }
    if (searchRegistries.isEmpty()) {
      throw new JboxException("short name \"" + input + "\" cannot be resolved: unqualified-search-registries is"
          + " empty in " + searchSource + "; use a fully qualified name");
    }
    List<ImageRef> candidates = new ArrayList<>();
    for (String reg : searchRegistries) candidates.add(ImageRef.parseIn(reg, input));
    String mode = shortNameMode();
    if (candidates.size() == 1 || mode.equals("disabled")) return new Resolution(candidates, null);
    if (prompter != null && prompter.available()) {
      ImageRef chosen = prompter.choose(bare, candidates);
      if (!candidates.contains(chosen)) throw new IllegalStateException("not a candidate: " + chosen);
      return new Resolution(List.of(chosen), null, bare);
    }
    if (mode.equals("enforcing")) {
      throw new JboxException("short name \"" + input + "\" is ambiguous: short-name resolution enforced but cannot prompt"
          + " without a TTY (candidates: " + candidates.stream().map(ImageRef::toString).collect(Collectors.joining(", "))
          + "); use a fully qualified name or add an alias");
    }
    return new Resolution(candidates, null);
  }

  /**
   * Where to pull a reference from: the {@code [[registry]]} entry with the longest matching
   * prefix rewrites it to its location and adds its mirrors; a blocked entry is an error.
   */
  public Endpoint endpointFor(ImageRef ref) {
    String s = ref.toString();
    Registry best = null;
    String bestMatch = null;
    for (Registry r : registries) {
      String matched = match(r.prefix(), ref, s);
      if (matched != null && (bestMatch == null || matched.length() > bestMatch.length())) {
        best = r;
        bestMatch = matched;
      }
    }
    if (best == null) return new Endpoint(new Source(ref, false, false), List.of());
    if (best.blocked()) {
      throw new JboxException("registry " + best.prefix() + " is blocked in " + best.source());
    }
    String rest = s.substring(bestMatch.length());
    ImageRef loc = best.prefix().startsWith("*.") ? ref : rewrite(best.location(), rest);
    List<Source> mirrors = new ArrayList<>();
    if (!best.mirrorByDigestOnly() || ref.digest() != null) {
      for (Mirror m : best.mirrors()) mirrors.add(new Source(rewrite(m.location(), rest), m.insecure(), true));
    }
    return new Endpoint(new Source(loc, best.insecure(), false), mirrors);
  }

  /** Whether a registry host (with port) is marked insecure by its entry. */
  public boolean isInsecure(String registry) {
    for (Registry r : registries) {
      if (r.location() != null && (r.location().equals(registry) || r.prefix().equals(registry))) {
        return r.insecure();
      }
    }
    return false;
  }

  // The part of the reference a prefix matches, or null: a plain prefix must end at a component
  // boundary ("example.com/foo" matches "example.com/foo/bar" but not "example.com/foobar"); a
  // wildcard "*.example.com" matches the host of any subdomain.
  private static String match(String prefix, ImageRef ref, String s) {
    if (prefix.startsWith("*.")) {
      String host = ref.registry();
      return host.endsWith(prefix.substring(1)) ? host : null;
    }
    if (!s.startsWith(prefix)) return null;
    if (s.length() == prefix.length()) return prefix;
    char next = s.charAt(prefix.length());
    return next == '/' || next == ':' || next == '@' ? prefix : null;
  }

  private static ImageRef rewrite(String location, String rest) {
    String full = location + rest;
    int slash = full.indexOf('/');
    if (slash < 0) throw new JboxException("registry location \"" + location + "\" leaves no repository");
    return ImageRef.parseIn(full.substring(0, slash), full.substring(slash + 1));
  }

  private static String unquote(String key) {
    if (key.length() >= 2 && (key.startsWith("\"") && key.endsWith("\"") || key.startsWith("'") && key.endsWith("'"))) {
      return key.substring(1, key.length() - 1);
    }
    return key;
  }

  private static String str(Object v, String key, Path source) {
    if (v == null) return null;
    if (!(v instanceof String s)) throw new JboxException(source + ": " + key + " is not a string");
    return s;
  }

  private static boolean bool(Object v, String key, Path source) {
    if (v == null) return false;
    if (!(v instanceof Boolean b)) throw new JboxException(source + ": " + key + " is not a boolean");
    return b;
  }

  private static List<String> strings(Object v, String key, Path source) {
    if (!(v instanceof List<?> l)) throw new JboxException(source + ": " + key + " is not a list");
    List<String> out = new ArrayList<>();
    for (Object o : l) out.add(str(o, key, source));
    return out;
  }

  private static List<Map<?, ?>> tables(Object v, String key, Path source) {
    if (v == null) return List.of();
    if (!(v instanceof List<?> l)) throw new JboxException(source + ": [[" + key + "]] is not an array of tables");
    List<Map<?, ?>> out = new ArrayList<>();
    for (Object o : l) {
      if (!(o instanceof Map<?, ?> mm)) throw new JboxException(source + ": [[" + key + "]] is not an array of tables");
      out.add(mm);
    }
    return out;
  }
}
