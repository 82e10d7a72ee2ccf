package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moandjiezana.toml.Toml;
import dev.jbox.JboxException;
import dev.jbox.config.ConfigLoader;
import dev.jbox.it.Jbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The man pages against the code, in both directions (as podman's build checks its own): every
 * command has a page and a line in jbox(1), every option of a command is in its page, and every
 * option a page documents (its SYNOPSIS and the items of its OPTIONS section) is one the command
 * takes. The command tree is picocli's model of every command present, so a command added later
 * needs its page; {@code run}'s options come from its own table ({@link RunOptions#TABLE}). The
 * keys of jbox.toml(5) and config/jbox.toml are checked against what {@link ConfigLoader} accepts.
 *
 * <p>A page documents the commands its NAME line lists ({@code jbox\-stop, jbox\-kill, ...}) and
 * their subcommands; a subcommand without a page of its own ({@code jbox-image-inspect}) is
 * documented in its parent's.
 */
class ManPagesTest {
  private static final Path MAN = Jbox.source().resolve("man");
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--?[A-Za-z][\\w-]*)");

  /** One page: the commands its NAME line lists and its text with roff's escapes undone. */
  record Page(String file, List<String> names, String text, Set<String> documented) {}

  /** Roff to plain text: \- to -, font changes and \& dropped. */
  static String plain(String roff) {
    return roff.replace("\\-", "-").replaceAll("\\\\f[BIRP]", "").replaceAll("\\\\f\\(..", "")
        .replace("\\&", "").replace("\\(dq", "\"");
  }

  static Set<String> options(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = OPTION.matcher(text);
    while (m.find()) out.add(m.group(1));
    return out;
  }

  static List<Page> pages() throws IOException {
    List<Page> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(MAN)) {
      // jbox-oci(1) is the page of another program, the OCI runtime (OciManPageTest checks it
      // against dev.jbox.oci.Main's commands), not of a jbox command
      for (Path f : s.filter(p -> p.toString().endsWith(".1") && !p.getFileName().toString().equals("jbox-oci.1")).sorted().toList()) {
        List<String> lines = Files.readAllLines(f);
        List<String> names = new ArrayList<>();
        Set<String> documented = new TreeSet<>();
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if (l.startsWith(".SH ")) {
            section = l.substring(4).trim().replace("\"", "");
            if (section.equals("NAME")) {
              String n = plain(lines.get(i + 1));
              for (String w : n.substring(0, n.indexOf(" - ")).split(",")) names.add(w.trim());
            }
            continue;
          }
          if (section.equals("SYNOPSIS")) documented.addAll(options(plain(l)));
          if (section.equals("OPTIONS") && l.startsWith(".TP") && i + 1 < lines.size()) documented.addAll(options(plain(lines.get(i + 1))));
        }
        assertTrue(!names.isEmpty(), f + " has no NAME line");
        out.add(new Page(f.getFileName().toString(), names, plain(String.join("\n", lines)), documented));
      }
    }
    return out;
  }

  /** Every command of the tree by its path ("image inspect"), the root as "". */
  static Map<String, CommandLine> commands() {
    Map<String, CommandLine> out = new TreeMap<>();
    walk(PicoMain.tree(), "", out);
    return out;
  }

  private static void walk(CommandLine c, String path, Map<String, CommandLine> out) {
    out.put(path, c);
    for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
      if (!e.getKey().equals(e.getValue().getCommandName())) continue; // an alias
      walk(e.getValue(), (path.isEmpty() ? "" : path + " ") + e.getKey(), out);
    }
  }

  /** A command's option names; run's and shell's from their tables (RunHelpCommand, ShellHelpCommand only list them). */
  static Set<String> optionNames(String path, CommandLine c) {
    Set<String> out = new TreeSet<>();
    if (path.equals("shell")) {
      for (RunOptions.Opt o : ShellCommand.TABLE) {
        out.add("--" + o.longName());
        if (o.shortName() != null) out.add("-" + o.shortName());
      }
      return out;
    }
    if (path.equals("run") || path.equals("create")) { // create takes run's options (Main, RunOptions)
      for (RunOptions.Opt o : RunOptions.TABLE) {
        out.add("--" + o.longName());
        if (o.shortName() != null) out.add("-" + o.shortName());
      }
      out.add("--net");
      return out;
    }
    for (OptionSpec o : c.getCommandSpec().options()) out.addAll(List.of(o.names()));
    return out;
  }

  /** Options every picocli command has through mixinStandardHelpOptions: documented once, in jbox(1). */
  static boolean standard(String path, CommandLine c, String name) {
    if (path.equals("run")) return name.equals("--help");
    OptionSpec o = c.getCommandSpec().findOption(name);
    return o != null && (o.usageHelp() || o.versionHelp());
  }

  /** The page documenting the command at path: its own, else its parent's. */
  static Page pageOf(String path, List<Page> pages) {
    String name = path.isEmpty() ? "jbox" : "jbox-" + path.replace(' ', '-');
    for (Page p : pages) if (p.names().contains(name)) return p;
    int sp = path.lastIndexOf(' ');
    return sp < 0 ? null : pageOf(path.substring(0, sp), pages);
  }

  @Test
  void everyCommand_hasAPage_andEveryTopLevelCommandIsInJbox1() throws IOException {
    List<Page> pages = pages();
    String jbox1 = pages.stream().filter(p -> p.file().equals("jbox.1")).findFirst().orElseThrow().text();
    String commandsSection = jbox1.substring(jbox1.indexOf(".SH COMMANDS"), jbox1.indexOf(".SH", jbox1.indexOf(".SH COMMANDS") + 4));
    List<String> missing = new ArrayList<>();
    for (String path : commands().keySet()) {
      if (pageOf(path, pages) == null) missing.add("no page lists jbox-" + path.replace(' ', '-') + " in its NAME");
      if (!path.isEmpty() && !Pattern.compile("(?m)^\\.B .*(?<![\\w-])" + Pattern.quote(path) + "(?![\\w-])").matcher(commandsSection).find()) {
        missing.add("jbox.1 COMMANDS lacks `" + path + "`");
      }
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void everyPage_namesCommandsThatExist() throws IOException {
    Set<String> known = new LinkedHashSet<>();
    for (String path : commands().keySet()) known.add(path.isEmpty() ? "jbox" : "jbox-" + path.replace(' ', '-'));
    List<String> stale = new ArrayList<>();
    for (Page p : pages()) for (String n : p.names()) if (!known.contains(n)) stale.add(p.file() + ": " + n);
    assertEquals(List.of(), stale, "pages of commands jbox does not have");
  }

  @Test
  void everyOptionOfEveryCommand_isInItsPage() throws IOException {
    List<Page> pages = pages();
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
      Page page = pageOf(e.getKey(), pages);
      if (page == null) continue; // the test above
      if (e.getKey().equals("create")) {
        // run's options, each documented in jbox-run(1), to which jbox-create(1) points for them
        if (!page.text().contains("Every option of jbox run is accepted")) missing.add(page.file() + " does not point to jbox run's options");
        continue;
      }
      Set<String> inText = options(page.text());
      for (String o : optionNames(e.getKey(), e.getValue())) {
        if (standard(e.getKey(), e.getValue(), o) && !e.getKey().isEmpty()) continue;
        if (!inText.contains(o)) missing.add(page.file() + " lacks " + o + " of `jbox " + e.getKey() + "`");
      }
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void everyOptionAPageDocuments_isTakenByItsCommand() throws IOException {
    List<Page> pages = pages();
    Map<String, CommandLine> commands = commands();
    List<String> unknown = new ArrayList<>();
    for (Page p : pages) {
      // the options of the page's commands and of their subcommands that have no page of their own
      Set<String> taken = new TreeSet<>();
      for (Map.Entry<String, CommandLine> e : commands.entrySet()) {
        if (pageOf(e.getKey(), pages) == p) taken.addAll(optionNames(e.getKey(), e.getValue()));
      }
      for (String o : p.documented()) if (!taken.contains(o)) unknown.add(p.file() + " documents " + o + ", which no command of it takes");
    }
    assertEquals(List.of(), unknown);
  }

  @Test
  void theCheckSeesAMissingAndAStaleOption() {
    // the parsing above finds options in roff: a test of the test
    assertEquals(Set.of("--tls-verify", "-q"), options(plain(".RB [ \\-q ] .RB [ \\-\\-tls\\-verify [= \\fIBOOL\\fR]] docker\\-archive")));
    assertEquals(Set.of("--rootfs", "-e"), options(plain("\\fB\\-\\-rootfs\\fR \\fIDIR\\fR, \\-e=K=V")));
  }

  // ---- jbox.toml

  /** Table → keys of the TOML-like items of jbox.toml(5): ".SH [table]" then ".B key" after each ".TP". */
  static Map<String, List<String>> manKeys() throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    List<String> lines = Files.readAllLines(MAN.resolve("jbox.toml.5"));
    String table = null;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith(".SH ")) {
        String h = l.substring(4).trim();
        table = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : null;
        if (table != null) out.put(table, new ArrayList<>());
      } else if (table != null && l.startsWith(".TP") && i + 1 < lines.size()) {
        String item = lines.get(i + 1);
        assertTrue(item.startsWith(".B "), "jbox.toml.5 item under [" + table + "] is not `.B key`: " + item);
        out.get(table).add(plain(item.substring(3).trim()));
      }
    }
    return out;
  }

  static Map<String, List<String>> sorted(Map<String, List<String>> m) {
    Map<String, List<String>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.stream().sorted().toList()));
    return out;
  }

  @Test
  void configKeys_manPageShippedFileAndLoaderAgree() throws IOException {
    Map<String, List<String>> loader = sorted(ConfigLoader.KEYS);
    assertEquals(loader, sorted(manKeys()), "man/jbox.toml.5 vs ConfigLoader.KEYS");
    Toml shipped = new Toml().read(Jbox.source().resolve("config/jbox.toml").toFile());
    Map<String, List<String>> file = new LinkedHashMap<>();
    for (Map.Entry<String, Object> t : shipped.toMap().entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> keys = (Map<String, Object>) t.getValue();
      file.put(t.getKey(), new ArrayList<>(keys.keySet()));
    }
    assertEquals(loader, sorted(file), "config/jbox.toml vs ConfigLoader.KEYS");
  }

  @Test
  void configKeys_eachChangesWhatTheLoaderReturns() {
    // a documented key the loader accepts but drops on the floor fails here: each, set to a value
    // unlike its default, changes the merged configuration (a key added to KEYS needs a value here)
    Map<String, String> values = Map.of("run.capabilities", "[\"CHOWN\"]", "run.seccomp", "false",
        "run.no_new_privileges", "false", "run.init", "true", "run.network", "\"none\"", "run.env", "[\"A=1\"]",
        "run.ulimits", "[\"nofile=64:64\"]", "storage.root", "\"/var/tmp/jbox-elsewhere\"",
        "storage.driver", "\"fuse-overlayfs\"", "storage.max_layer_size", "12345");
    List<String> dropped = new ArrayList<>();
    for (Map.Entry<String, List<String>> t : ConfigLoader.KEYS.entrySet()) {
      for (String k : t.getValue()) {
        String v = values.get(t.getKey() + "." + k);
        assertTrue(v != null, "give " + t.getKey() + "." + k + " a non-default value in this test");
        var merged = ConfigLoader.merge(ConfigLoader.builtin(), new Toml().read("[" + t.getKey() + "]\n" + k + " = " + v + "\n"), "x");
        if (merged.equals(ConfigLoader.builtin())) dropped.add(t.getKey() + "." + k);
      }
    }
    assertEquals(List.of(), dropped, "keys accepted but without effect on the configuration");
  }

  @Test
  void configKeys_theLoaderAcceptsEveryListedKeyAndNoOther() {
    // KEYS is what merge checks: each key listed passes the key check, a neighbour of it does not
    for (Map.Entry<String, List<String>> t : ConfigLoader.KEYS.entrySet()) {
      for (String k : t.getValue()) {
        String toml = "[" + t.getKey() + "]\n" + k + " = 12345\n";
        // 12345 is a wrong type for most keys and a valid size for storage.max_layer_size: either
        // way a listed key must never be refused as unknown
        try {
          ConfigLoader.merge(ConfigLoader.builtin(), new Toml().read(toml), "x");
        } catch (JboxException e) {
          assertTrue(!e.getMessage().contains("unknown"), "a listed key is refused as unknown: " + e.getMessage());
        }
        JboxException u = Assertions.assertThrows(JboxException.class,
            () -> ConfigLoader.merge(ConfigLoader.builtin(), new Toml().read("[" + t.getKey() + "]\n" + k + "x = 1\n"), "x"));
        assertTrue(u.getMessage().contains("unknown key"), u.getMessage());
      }
    }
  }
}
