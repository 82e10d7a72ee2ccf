package dev.jbox.cli;

import dev.jbox.JboxException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The fast path of the everyday read-only commands ({@code ps}, {@code images}, {@code inspect},
 * {@code logs}) and of the lifecycle commands ({@code stop}, {@code kill}, {@code rm},
 * {@code start}, {@code restart}, {@code wait}, {@code port}, {@code top}, {@code rename}) and of
 * {@code tag} and {@code rmi}, of {@code volume create|ls|inspect|rm}, {@code system df},
 * {@code image inspect}, {@code version} and {@code info}: their
 * usual forms are parsed here, into the fields of the same picocli command
 * object, and the command's {@code call()} runs without picocli. Building picocli's model of one
 * command (annotation proxies generated at run time, its converters, its interpolator) took 60 ms
 * of a 110 ms {@code jbox ps}; everything else a user types (help, errors, --, clustered values,
 * an {@code @file}) returns null here and goes to picocli as before.
 *
 * <p>Each command's table repeats its picocli options (field, kind, names) and positionals;
 * ParsersDifferentialTest checks every table against the command's picocli model (same names,
 * same kinds, same positional arity) and feeds both parsers thousands of generated lines: whatever
 * the fast path accepts, picocli must accept with the same field values. A changed option in a
 * command without its table changed fails that test.
 *
 * <p>The fields are set by reflection, which resolves the type of every field the command's own
 * class declares: picocli's {@code @Spec} lives in a superclass (StateCommand,
 * ImagesSpec), where a field of a table is never looked for.
 *
 * <p>No picocli class is loaded on this path, so these four commands use {@code run}'s small CDS
 * archive (the launcher picks it by the command word) and CdsTraining trains that archive on them.
 */
final class FastArgs {
  private FastArgs() {}

  enum Kind { FLAG, STRING, INT, LIST }

  /** An option: the command's field it sets, its kind, its names (long and short). */
  record Opt(String field, Kind kind, List<String> names) {
    Opt(String field, Kind kind, String... names) {
      this(field, kind, List.of(names));
    }
  }

  /**
   * A command's table: its options, the field of its positionals (a String for at most one, a
   * List otherwise; or the fields of picocli's indexed positionals, space-separated, in order,
   * the last of which takes what is left), and how many positionals it takes in all.
   */
  record Table(String command, List<Opt> opts, String positional, int minPositionals, int maxPositionals) {
    Opt byName(String name) {
      for (Opt o : opts) {
        if (o.names.contains(name)) return o;
      }
      return null;
    }
  }

  static final Table PS = new Table("ps", List.of(
      new Opt("all", Kind.FLAG, "-a", "--all"),
      new Opt("quiet", Kind.FLAG, "-q", "--quiet"),
      new Opt("format", Kind.STRING, "--format"),
      new Opt("filters", Kind.LIST, "-f", "--filter"),
      new Opt("last", Kind.INT, "-n", "--last"),
      new Opt("latest", Kind.FLAG, "-l", "--latest"),
      new Opt("noTrunc", Kind.FLAG, "--no-trunc")), null, 0, 0);

  static final Table IMAGES = new Table("images", List.of(
      new Opt("quiet", Kind.FLAG, "-q", "--quiet"),
      new Opt("format", Kind.STRING, "--format"),
      new Opt("filters", Kind.LIST, "-f", "--filter"),
      new Opt("noTrunc", Kind.FLAG, "--no-trunc")), "repository", 0, 1);

  static final Table INSPECT = new Table("inspect", List.of(
      new Opt("format", Kind.STRING, "-f", "--format"),
      new Opt("type", Kind.STRING, "-t", "--type")), "refs", 1, Integer.MAX_VALUE);

  static final Table LOGS = new Table("logs", List.of(
      new Opt("follow", Kind.FLAG, "-f", "--follow"),
      new Opt("tail", Kind.INT, "--tail"),
      new Opt("timestamps", Kind.FLAG, "-t", "--timestamps"),
      new Opt("since", Kind.STRING, "--since"),
      new Opt("until", Kind.STRING, "--until"),
      new Opt("names", Kind.FLAG, "-n", "--names")), "refs", 1, Integer.MAX_VALUE);

  // the lifecycle commands (StateCommand)
  static final Table STOP = new Table("stop", List.of(
      new Opt("seconds", Kind.INT, "-t", "--time")), "refs", 1, Integer.MAX_VALUE);

  static final Table KILL = new Table("kill", List.of(
      new Opt("signal", Kind.STRING, "-s", "--signal")), "refs", 1, Integer.MAX_VALUE);

  static final Table RM = new Table("rm", List.of(
      new Opt("force", Kind.FLAG, "-f", "--force"),
      new Opt("volumes", Kind.FLAG, "-v", "--volumes")), "refs", 1, Integer.MAX_VALUE);

  static final Table START = new Table("start", List.of(
      new Opt("attach", Kind.FLAG, "-a", "--attach"),
      new Opt("detachKeys", Kind.STRING, "--detach-keys")), "ref", 1, 1);

  static final Table RESTART = new Table("restart", List.of(
      new Opt("seconds", Kind.INT, "-t", "--time")), "ref", 1, 1);

  static final Table WAIT = new Table("wait", List.of(
      new Opt("condition", Kind.STRING, "--condition")), "refs", 1, Integer.MAX_VALUE);

  static final Table PORT = new Table("port", List.of(), "ref port", 1, 2);

  static final Table TOP = new Table("top", List.of(), "ref", 1, 1);

  static final Table RENAME = new Table("rename", List.of(), "ref name", 2, 2);

  // the image commands beside images
  static final Table TAG = new Table("tag", List.of(), "source targets", 2, Integer.MAX_VALUE);

  static final Table RMI = new Table("rmi", List.of(
      new Opt("force", Kind.FLAG, "-f", "--force")), "images", 1, Integer.MAX_VALUE);

  // two words: a subcommand's (volume, system, image)
  static final Table VOLUME_CREATE = new Table("volume create", List.of(
      new Opt("labels", Kind.LIST, "-l", "--label"),
      new Opt("driver", Kind.STRING, "-d", "--driver"),
      new Opt("options", Kind.LIST, "-o", "--opt"),
      new Opt("ignore", Kind.FLAG, "--ignore")), "name", 0, 1);

  static final Table VOLUME_LS = new Table("volume ls", List.of(
      new Opt("filters", Kind.LIST, "-f", "--filter"),
      new Opt("format", Kind.STRING, "--format"),
      new Opt("quiet", Kind.FLAG, "-q", "--quiet")), null, 0, 0);

  static final Table VOLUME_INSPECT = new Table("volume inspect", List.of(
      new Opt("format", Kind.STRING, "-f", "--format"),
      new Opt("all", Kind.FLAG, "-a", "--all")), "names", 0, Integer.MAX_VALUE);

  static final Table VOLUME_RM = new Table("volume rm", List.of(
      new Opt("force", Kind.FLAG, "-f", "--force"),
      new Opt("all", Kind.FLAG, "-a", "--all")), "names", 0, Integer.MAX_VALUE);

  static final Table SYSTEM_DF = new Table("system df", List.of(), null, 0, 0);

  static final Table IMAGE_INSPECT = new Table("image inspect", List.of(), "images", 1, Integer.MAX_VALUE);

  static final Table VERSION = new Table("version", List.of(
      new Opt("format", Kind.STRING, "-f", "--format")), null, 0, 0);

  static final Table INFO = new Table("info", List.of(
      new Opt("format", Kind.STRING, "-f", "--format")), null, 0, 0);

  static final List<Table> TABLES = List.of(PS, IMAGES, INSPECT, LOGS, STOP, KILL, RM, START, RESTART, WAIT, PORT, TOP, RENAME,
      TAG, RMI, VOLUME_CREATE, VOLUME_LS, VOLUME_INSPECT, VOLUME_RM, SYSTEM_DF, IMAGE_INSPECT, VERSION, INFO);

  /** The command object behind a table, as picocli would make it. */
  static Callable<Integer> newCommand(String command) {
    switch (command) {
      case "ps": return new PsCommand();
      case "images": return new ImagesCommand();
      case "inspect": return new InspectCommand();
      case "logs": return new LogsCommand();
      case "stop": return new StopCommand();
      case "kill": return new KillCommand();
      case "rm": return new RmCommand();
      case "start": return new StartCommand();
      case "restart": return new RestartCommand();
      case "wait": return new WaitCommand();
      case "port": return new PortCommand();
      case "top": return new TopCommand();
      case "rename": return new RenameCommand();
      case "tag": return new TagCommand();
      case "rmi": return new RmiCommand();
      case "volume create": return new VolumeCommand.Create();
      case "volume ls": return new VolumeCommand.Ls();
      case "volume inspect": return new VolumeCommand.Inspect();
      case "volume rm": return new VolumeCommand.Rm();
      case "system df": return new SystemCommand.Df();
      case "image inspect": return new ImageCommand.Inspect();
      case "version": return new VersionCommand();
      case "info": return new InfoCommand();
      default: throw new IllegalArgumentException(command);
    }
  }

  /** The table of the command line's command (args[0], or args[0] and args[1] for a subcommand), or null. */
  static Table tableOf(String[] args) {
    Table t = args.length > 1 ? table(args[0] + " " + args[1]) : null;
    return t == null && args.length > 0 && !args[0].equals("volume") && !args[0].equals("system") && !args[0].equals("image")
        ? table(args[0]) : t;
  }

  static Table table(String command) {
    for (Table t : TABLES) {
      if (t.command.equals(command)) return t;
    }
    return null;
  }

  /**
   * Runs {@code args} (args[0] is the command) on the fast path and returns the exit status, or
   * null when the line is not one of the forms parsed here (picocli then takes it).
   */
  static Integer execute(String[] args, PrintStream out, PrintStream err) {
    Table t = tableOf(args);
    if (t == null) return null;
    Callable<Integer> cmd = newCommand(t.command);
    if (!parse(t, args, cmd)) return null;
    PrintWriter o = new PrintWriter(out, true); // as PicoMain gives them to picocli
    PrintWriter e = new PrintWriter(err, true);
    if (cmd instanceof StateCommand s) s.streams(o, e, err);
    else if (cmd instanceof ImagesCommand i) i.streams(out, err);
    else if (cmd instanceof TagCommand g) g.streams(err);
    else if (cmd instanceof RmiCommand r) r.streams(out, err);
    else if (cmd instanceof SpecCommand c) c.streams(out, err);
    try {
      Integer status = cmd.call();
      return status == null ? 0 : status;
    } catch (RuntimeException ex) {
      throw ex; // Main prints it (JboxException: its one line and status)
    } catch (IOException ex) {
      throw new JboxException(t.command + ": " + ex.getMessage());
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    } finally {
      o.flush();
      e.flush();
    }
  }

  /**
   * Fills the fields of {@code cmd} from {@code args} (args[0] is the command) as picocli would,
   * and returns true; or returns false, having set nothing that matters, for any form left to
   * picocli: help and version options, {@code --}, an unknown option, a flag with a value
   * ({@code --all=true}), a value attached to a short option ({@code -n5}) or one that starts with
   * {@code -} or {@code @} or is empty, a number with a sign or leading zero, an {@code @file},
   * the wrong number of positionals.
   */
  static boolean parse(Table t, String[] args, Object cmd) {
    List<String> positionals = new ArrayList<>();
    List<Object[]> sets = new ArrayList<>(); // field, value: applied only once the whole line parsed
    for (int i = words(t); i < args.length; i++) {
      String a = args[i];
      if (a.isEmpty() || a.charAt(0) == '@') return false;
      if (a.charAt(0) != '-') {
        positionals.add(a);
        continue;
      }
      if (a.length() == 1) return false; // "-"
      int eq = a.indexOf('=');
      boolean attached = a.startsWith("--") && eq > 0; // --format=VALUE
      String name = attached ? a.substring(0, eq) : a;
      Opt o = t.byName(name);
      if (o == null) {
        // a cluster of short flags: -aq
        if (a.startsWith("--") || eq >= 0) return false;
        for (int k = 1; k < a.length(); k++) {
          Opt f = t.byName("-" + a.charAt(k));
          if (f == null || f.kind != Kind.FLAG) return false;
          sets.add(new Object[] {f, Boolean.TRUE});
        }
        continue;
      }
      if (o.kind == Kind.FLAG) {
        if (attached) return false; // --all=true: picocli's
        sets.add(new Object[] {o, Boolean.TRUE});
        continue;
      }
      String v;
      if (attached) {
        v = a.substring(eq + 1);
      } else {
        if (i + 1 >= args.length) return false;
        v = args[++i];
      }
      if (v.isEmpty() || v.charAt(0) == '-' || v.charAt(0) == '@') return false;
      if (o.kind == Kind.INT) {
        if (v.length() > 9 || (v.length() > 1 && v.charAt(0) == '0')) return false;
        for (int k = 0; k < v.length(); k++) {
          if (v.charAt(k) < '0' || v.charAt(k) > '9') return false;
        }
        sets.add(new Object[] {o, Integer.valueOf(v)}); // widened to a long field by Field.set
      } else {
        sets.add(new Object[] {o, v});
      }
    }
    if (positionals.size() < t.minPositionals || positionals.size() > t.maxPositionals) return false;
    try {
      for (Object[] s : sets) {
        Opt o = (Opt) s[0];
        Field f = field(cmd.getClass(), o.field);
        if (o.kind == Kind.LIST) {
          @SuppressWarnings("unchecked")
          List<String> l = (List<String>) f.get(cmd);
          if (l == null) {
            l = new ArrayList<>();
            f.set(cmd, l);
          }
          l.add((String) s[1]);
        } else {
          f.set(cmd, s[1]);
        }
      }
      // the positionals' fields in order (String.split would be a regex); the last takes the rest
      String names = t.positional;
      for (int k = 0; k < positionals.size() && names != null; k++) {
        int sp = names.indexOf(' ');
        Field f = field(cmd.getClass(), sp < 0 ? names : names.substring(0, sp));
        if (sp < 0) {
          f.set(cmd, f.getType() == List.class ? positionals.subList(k, positionals.size()) : positionals.get(k));
          break;
        }
        f.set(cmd, positionals.get(k));
        names = names.substring(sp + 1);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    return true;
  }

  /** How many words name the table's command: 1, or 2 for a subcommand ("volume ls"). */
  static int words(Table t) {
    return t.command.indexOf(' ') < 0 ? 1 : 2;
  }

  private static Field field(Class<?> c, String name) throws NoSuchFieldException {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      try {
        Field f = k.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // a superclass's
      }
    }
    throw new NoSuchFieldException(c.getName() + "." + name);
  }
}
