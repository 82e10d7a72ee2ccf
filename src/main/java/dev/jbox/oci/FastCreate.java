package dev.jbox.oci;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code create}'s command line read without picocli, whose model of eleven commands costs more
 * of a {@code create} than reading and translating config.json (JBOX_TRACE=1: oci-jvm-main to
 * oci-parsed-args). Only the forms engines use: the global options, then {@code create} with its
 * options (separate or {@code --opt=value}) and one ID. Anything else, a repeated option, a bad
 * number or --help, gives null and picocli parses as before, with its messages.
 * FastCreateTest checks that both read the same.
 */
final class FastCreate {
  private FastCreate() {}

  record Parsed(Path root, Path log, String logFormat, boolean debug, Path bundle, Path pidFile, Path consoleSocket,
      int preserveFds, String id) {}

  static Parsed parse(String[] args) {
    Path root = null, log = null, bundle = null, pidFile = null, console = null;
    String logFormat = "text", id = null;
    boolean debug = false;
    int preserveFds = 0;
    Set<String> seen = new HashSet<>();
    int i = 0;
    for (; i < args.length && args[i].startsWith("-"); i++) {
      String a = args[i], name = a, value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (!seen.add(name)) return null;
      switch (name) {
        case "--debug", "--systemd-cgroup" -> {
          if (value != null) return null;
          if (name.equals("--debug")) debug = true;
        }
        case "--root", "--log", "--log-format", "--rootless" -> {
          if (value == null) {
            if (i + 1 >= args.length) return null;
            value = args[++i];
          }
          switch (name) {
            case "--root" -> root = Path.of(value);
            case "--log" -> log = Path.of(value);
            case "--log-format" -> logFormat = value;
            default -> { }
          }
        }
        default -> {
          return null;
        }
      }
    }
    if (i >= args.length || !args[i].equals("create")) return null;
    seen.clear();
    for (i++; i < args.length; i++) {
      String a = args[i], name = a, value = null;
      if (!a.startsWith("-")) {
        if (id != null) return null;
        id = a;
        continue;
      }
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (name.equals("-b")) name = "--bundle";
      if (!seen.add(name)) return null;
      switch (name) {
        case "--no-pivot", "--no-new-keyring" -> {
          if (value != null) return null;
        }
        case "--bundle", "--pid-file", "--console-socket", "--preserve-fds" -> {
          if (value == null) {
            if (i + 1 >= args.length) return null;
            value = args[++i];
          }
          switch (name) {
            case "--bundle" -> bundle = Path.of(value);
            case "--pid-file" -> pidFile = Path.of(value);
            case "--console-socket" -> console = Path.of(value);
            default -> {
              if (!value.matches("[0-9]{1,9}")) return null;
              preserveFds = Integer.parseInt(value);
            }
          }
        }
        default -> {
          return null;
        }
      }
    }
    if (id == null) return null;
    return new Parsed(root, log, logFormat, debug, bundle, pidFile, console, preserveFds, id);
  }
}
