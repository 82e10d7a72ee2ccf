package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/**
 * The hand-written parsers beside picocli, checked against picocli itself (issue 14): {@code jbox
 * run}'s {@link RunOptions} against a picocli model generated from the same option table, and
 * {@code jbox pull}'s fast path against the real picocli {@link PullCommand}. Both are fed every
 * single form of every option and thousands of generated command lines (--opt=v, --opt v, -it,
 * -itd, -e=K=V, -eK=V, repeats, --, missing values, unknown options, options after the image...)
 * and must accept the same lines with the same values and reject the same lines.
 *
 * <p>The model is picocli configured as podman's (pflag's) syntax is: options stop at the first
 * positional (the IMAGE, or --rootfs's COMMAND), a repeated single-valued option's last value wins,
 * an option's value may look like an option (--workdir --rm), and a flag takes a value only when
 * attached (--rm=false; in --rm false, "false" is the IMAGE).
 */
class ParsersDifferentialTest {
  /** A parse: option values by long name in the order given (repeats kept), then the positionals. */
  record Parsed(Map<String, List<String>> values, List<String> command) {}

  // ---- run

  static Parsed hand(String[] args) {
    try {
      RunOptions o = RunOptions.parse(args);
      return new Parsed(o.values, o.command);
    } catch (JboxException e) {
      assertEquals(1, e.getMessage().lines().count(), "one-line error: " + e.getMessage());
      return null;
    }
  }

  /** picocli's model of RunOptions.TABLE; parse() fills values through the options' setters. */
  static final class PicoRun {
    final Map<String, List<String>> values = new LinkedHashMap<>();
    final CommandLine cl;

    PicoRun() {
      CommandSpec spec = CommandSpec.create();
      // a flag's value only when attached: --rm=false, never --rm false
      IParameterPreprocessor attachedOnly = (stack, cmd, arg, info) -> {
        if ("=".equals(info.get("separator"))) {
          String v = stack.peek();
          if (!v.equals("true") && !v.equals("false")) throw new ParameterException(cmd.commandLine(), arg + " takes no value");
        } else {
          stack.push("true");
        }
        return false;
      };
      for (RunOptions.Opt o : RunOptions.TABLE) {
        List<String> longNames = new ArrayList<>(List.of("--" + o.longName()));
        if (o.longName().equals("network")) longNames.add("--net");
        ISetter set = new ISetter() {
          @Override
          public <T> T set(T value) {
            if (value != null) record(o, String.valueOf(value));
            return null;
          }
        };
        if (o.takesValue()) {
          List<String> names = new ArrayList<>(longNames);
          if (o.shortName() != null) names.add("-" + o.shortName());
          spec.addOption(OptionSpec.builder(names.toArray(String[]::new)).arity("1").type(String.class)
              .hasInitialValue(false).setter(set).build());
        } else {
          spec.addOption(OptionSpec.builder(longNames.toArray(String[]::new)).arity("0..1").type(String.class)
              .hasInitialValue(false).preprocessor(attachedOnly).setter(set).build());
          if (o.shortName() != null) {
            spec.addOption(OptionSpec.builder("-" + o.shortName()).arity("0").type(Boolean.class)
                .hasInitialValue(false).setter(set).build());
          }
        }
      }
      spec.addPositional(PositionalParamSpec.builder().arity("0..*").type(List.class).auxiliaryTypes(String.class).build());
      cl = new CommandLine(spec);
      cl.setStopAtPositional(true);
      cl.setOverwrittenOptionsAllowed(true);
      cl.setAllowOptionsAsOptionParameters(true);
    }

    private void record(RunOptions.Opt o, String v) {
      List<String> l = values.computeIfAbsent(o.longName(), k -> new ArrayList<>());
      if (!o.repeats()) l.clear();
      l.add(v);
    }

    Parsed parse(String[] args) {
      values.clear();
      try {
        CommandLine.ParseResult pr = cl.parseArgs(args);
        List<String> command = pr.matchedPositionalValue(0, List.of());
        return new Parsed(new LinkedHashMap<>(values), new ArrayList<>(command));
      } catch (ParameterException e) {
        return null;
      }
    }
  }

  /** Every form of one option: its long and short spellings, values attached and apart, a missing value. */
  static List<List<String>> forms(RunOptions.Opt o) {
    List<List<String>> f = new ArrayList<>();
    String l = "--" + o.longName();
    if (o.takesValue()) {
      for (String v : List.of("v", "K=V", "-v", "--rm", "", "a=b=c")) {
        f.add(List.of(l + "=" + v));
        f.add(List.of(l, v));
        if (o.shortName() != null) {
          f.add(List.of("-" + o.shortName(), v));
          f.add(List.of("-" + o.shortName() + v));
          f.add(List.of("-" + o.shortName() + "=" + v));
        }
      }
      f.add(List.of(l));
      if (o.shortName() != null) f.add(List.of("-" + o.shortName()));
    } else {
      for (String s : List.of("", "=true", "=false", "=maybe", "=", "=TRUE")) f.add(List.of(l + s));
      f.add(List.of(l, "false"));
      if (o.shortName() != null) {
        f.add(List.of("-" + o.shortName()));
        f.add(List.of("-" + o.shortName() + "=true"));
      }
    }
    return f;
  }

  static final List<List<String>> EXTRA = List.of(
      List.of("-it"), List.of("-itd"), List.of("-ti"), List.of("-dit"), List.of("-ite", "K=V"), List.of("-iteK=V"),
      List.of("-ite=K=V"), List.of("-itw/x"), List.of("-ix"), List.of("-xi"), List.of("-e=K=V"), List.of("-eK=V"),
      List.of("-h", "host"), List.of("-hhost"), List.of("-ith", "host"), List.of("--net=host"), List.of("--net", "host"),
      List.of("--nope"), List.of("--nope=1"), List.of("-x"), List.of("---"), List.of("--"), List.of("-"), List.of(""),
      List.of("--env"), List.of("-e"), List.of("--=x"), List.of("-="));

  static List<List<String>> allForms() {
    List<List<String>> all = new ArrayList<>();
    for (RunOptions.Opt o : RunOptions.TABLE) all.addAll(forms(o));
    all.addAll(EXTRA);
    return all;
  }

  static void compareRun(PicoRun pico, List<String> line, List<String> mismatches) {
    String[] args = line.toArray(String[]::new);
    Parsed h = hand(args);
    Parsed p = pico.parse(args);
    if (h == null ? p != null : !h.equals(p)) {
      mismatches.add(line + ": run's parser " + (h == null ? "rejects" : h) + ", picocli " + (p == null ? "rejects" : p));
    }
  }

  @Test
  void run_everyFormOfEveryOption_aloneAndBeforeAnImage() {
    PicoRun pico = new PicoRun();
    List<String> mismatches = new ArrayList<>();
    int accepted = 0;
    for (List<String> f : allForms()) {
      for (List<String> tail : List.of(List.<String>of(), List.of("img"), List.of("img", "--rm", "-it", "--", "x"),
          List.of("--", "-img", "sh"))) {
        List<String> line = new ArrayList<>(f);
        line.addAll(tail);
        compareRun(pico, line, mismatches);
        if (hand(line.toArray(String[]::new)) != null) accepted++;
      }
    }
    assertEquals(List.of(), mismatches.subList(0, Math.min(30, mismatches.size())), mismatches.size() + " mismatches");
    assertTrue(accepted > 500, "the forms are mostly valid lines: " + accepted);
  }

  @Test
  void run_generatedCommandLines_parseAlikeOrFailAlike() {
    PicoRun pico = new PicoRun();
    List<List<String>> forms = allForms();
    List<String> words = List.of("img", "sh", "-c", "--rm", "-it", "--", "-e", "x=y", "--net=host", "-");
    Random rnd = new Random(14);
    List<String> mismatches = new ArrayList<>();
    int accepted = 0;
    for (int n = 0; n < 20000; n++) {
      List<String> line = new ArrayList<>();
      int options = rnd.nextInt(6);
      for (int i = 0; i < options; i++) line.addAll(forms.get(rnd.nextInt(forms.size())));
      if (rnd.nextInt(4) == 0) line.add("--");
      int rest = rnd.nextInt(4);
      for (int i = 0; i < rest; i++) line.add(words.get(rnd.nextInt(words.size())));
      compareRun(pico, line, mismatches);
      if (hand(line.toArray(String[]::new)) != null) accepted++;
    }
    assertEquals(List.of(), mismatches.subList(0, Math.min(30, mismatches.size())), mismatches.size() + " mismatches");
    assertTrue(accepted > 2000 && accepted < 19000, "both valid and invalid lines were tried: " + accepted);
  }

  @Test
  void theModelIsNotTrivial() {
    // a test of the test: the model sees what the table says, and rejects what it must
    PicoRun pico = new PicoRun();
    Parsed p = pico.parse(new String[] {"-it", "-e", "A=1", "--env=B=2", "-w", "/d", "--rm=false", "img", "-x"});
    assertEquals(Map.of("interactive", List.of("true"), "tty", List.of("true"), "env", List.of("A=1", "B=2"),
        "workdir", List.of("/d"), "rm", List.of("false")), p.values());
    assertEquals(List.of("img", "-x"), p.command());
    assertEquals(null, pico.parse(new String[] {"--workdir"}));
    assertEquals(null, pico.parse(new String[] {"--rm=yes", "img"}));
    assertEquals(null, pico.parse(new String[] {"--bogus", "img"}));
  }

  // ---- pull

  static final List<String> PULL_WORDS = List.of("-q", "--quiet", "--tls-verify", "--tls-verify=true", "--tls-verify=false",
      "--tls-verify=maybe", "false", "--platform", "--platform=linux/arm64", "--platform=", "linux/amd64", "img", "reg:5000/a/b:1",
      "img@sha256:" + "a".repeat(64), "-h", "--help", "-V", "--version", "-qx", "--bogus", "", "-", "--", "-q=true");

  @Test
  void pull_fastPathAcceptsOnlyWhatPicocliAccepts_withTheSameValues() {
    PullCommand cmd = new PullCommand();
    CommandLine cl = PicoMain.configure(new CommandLine(cmd)); // as PicoMain parses it
    Random rnd = new Random(14);
    List<String> mismatches = new ArrayList<>();
    int fast = 0;
    int picocliOnly = 0;
    List<List<String>> lines = new ArrayList<>();
    for (String a : PULL_WORDS) {
      lines.add(List.of(a));
      for (String b : PULL_WORDS) lines.add(List.of(a, b));
    }
    for (int n = 0; n < 20000; n++) {
      List<String> line = new ArrayList<>();
      int k = 1 + rnd.nextInt(5);
      for (int i = 0; i < k; i++) line.add(PULL_WORDS.get(rnd.nextInt(PULL_WORDS.size())));
      lines.add(line);
    }
    for (List<String> line : lines) {
      List<String> withPull = new ArrayList<>(List.of("pull"));
      withPull.addAll(line);
      PullCommand.Fast f = PullCommand.parseFast(withPull.toArray(String[]::new));
      PullCommand.Fast p;
      try {
        CommandLine.ParseResult pr = cl.parseArgs(line.toArray(String[]::new));
        p = pr.isUsageHelpRequested() || pr.isVersionHelpRequested() ? null
            : new PullCommand.Fast(cmd.image, cmd.platform, cmd.tlsVerify, cmd.quiet);
      } catch (ParameterException e) {
        p = null;
      }
      if (f != null) {
        fast++;
        if (!f.equals(p)) mismatches.add(line + ": fast path " + f + ", picocli " + (p == null ? "rejects (or help)" : p));
      } else if (p != null) {
        picocliOnly++; // a form the fast path leaves to picocli (e.g. --tls-verify false)
      }
    }
    assertEquals(List.of(), mismatches.subList(0, Math.min(30, mismatches.size())), mismatches.size() + " mismatches");
    assertTrue(fast > 1000, "the fast path took many lines: " + fast + " (picocli only: " + picocliOnly + ")");
  }

  // ---- ps, images, inspect, logs (FastArgs)

  /** The field of a picocli option or positional, as FastArgs's tables name them. */
  static String fieldOf(picocli.CommandLine.Model.ArgSpec a) {
    return ((java.lang.reflect.Field) a.userObject()).getName();
  }

  static Object get(Object cmd, String field) throws ReflectiveOperationException {
    for (Class<?> k = cmd.getClass(); k != null; k = k.getSuperclass()) {
      try {
        java.lang.reflect.Field f = k.getDeclaredField(field);
        f.setAccessible(true);
        return f.get(cmd);
      } catch (NoSuchFieldException e) {
        // a superclass's
      }
    }
    throw new NoSuchFieldException(field);
  }

  @Test
  void fastArgs_tablesAreTheCommandsPicocliModels() {
    for (FastArgs.Table t : FastArgs.TABLES) {
      CommandSpec spec = new CommandLine(FastArgs.newCommand(t.command())).getCommandSpec();
      // a subcommand's table ("volume ls") is its picocli command's ("ls")
      assertEquals(t.command().substring(t.command().lastIndexOf(' ') + 1), spec.name());
      List<String> pico = new ArrayList<>();
      for (OptionSpec o : spec.options()) {
        if (o.usageHelp() || o.versionHelp()) continue;
        Class<?> type = o.type();
        FastArgs.Kind kind = type == boolean.class || type == Boolean.class ? FastArgs.Kind.FLAG
            : List.class.isAssignableFrom(type) ? FastArgs.Kind.LIST
            : type == Integer.class || type == int.class || type == long.class ? FastArgs.Kind.INT
            : type == String.class ? FastArgs.Kind.STRING : null;
        assertTrue(kind != FastArgs.Kind.FLAG || o.arity().max() == 0, t.command() + " " + o.longestName() + ": a flag of arity 0");
        assertTrue(kind == FastArgs.Kind.FLAG || o.arity().min() == 1 && o.arity().max() == 1, t.command() + " " + o.longestName() + ": one value");
        assertTrue(o.splitRegex().isEmpty(), t.command() + " " + o.longestName() + ": no split");
        pico.add(fieldOf(o) + " " + kind + " " + List.of(o.names()));
      }
      List<String> table = new ArrayList<>();
      for (FastArgs.Opt o : t.opts()) table.add(o.field() + " " + o.kind() + " " + o.names());
      assertEquals(pico.stream().sorted().toList(), table.stream().sorted().toList(), t.command() + ": options");
      List<PositionalParamSpec> ps = spec.positionalParameters();
      if (t.positional() == null) {
        assertEquals(List.of(), ps, t.command());
      } else {
        // one positional field, or picocli's indexed ones in order (port: SANDBOX [PORT])
        List<String> names = List.of(t.positional().split(" "));
        assertEquals(names.size(), ps.size(), t.command());
        long min = 0;
        long max = 0;
        for (int i = 0; i < ps.size(); i++) {
          PositionalParamSpec p = ps.get(i);
          assertEquals(names.get(i), fieldOf(p), t.command());
          if (i < ps.size() - 1) assertEquals(List.of(1, 1), List.of(p.arity().min(), p.arity().max()), t.command() + ": " + names.get(i) + " is one word");
          if (ps.size() > 1) assertEquals(i, p.index().min(), t.command() + ": index of " + names.get(i));
          min += p.arity().min();
          max += p.arity().max();
          assertEquals(p.arity().max() > 1 ? List.class : String.class, p.type(), t.command());
        }
        assertEquals(List.of((long) t.minPositionals(), Math.min(max, Integer.MAX_VALUE)), List.of(min, (long) t.maxPositionals()), t.command() + ": positional arity");
      }
    }
  }

  static List<String> fastWords(FastArgs.Table t) {
    List<String> w = new ArrayList<>(List.of("-h", "--help", "-V", "--version", "--", "-", "", "@f", "--bogus", "-x",
        "name", "a=b", "x y", "5", "0", "007", "-1", "+3", "99999999999", "json", "{{.ID}}", "table {{.ID}}\t{{.Names}}"));
    StringBuilder cluster = new StringBuilder("-");
    for (FastArgs.Opt o : t.opts()) {
      for (String n : o.names()) {
        w.add(n);
        w.add(n + "=");
        w.add(n + "=true");
        w.add(n + "=3");
        w.add(n + "=name=x");
        w.add(n + "=-1");
        if (n.length() == 2) {
          w.add(n + "3");
          w.add(n + "=x");
          cluster.append(n.charAt(1));
          w.add("-" + n.charAt(1) + "a");
          w.add("-q" + n.charAt(1));
        }
      }
    }
    w.add(cluster.toString());
    return w;
  }

  @Test
  void fastArgs_acceptOnlyWhatPicocliAccepts_withTheSameValues() throws Exception {
    for (FastArgs.Table t : FastArgs.TABLES) {
      List<String> words = fastWords(t);
      Random rnd = new Random(54);
      List<List<String>> lines = new ArrayList<>();
      lines.add(List.of());
      for (String a : words) {
        lines.add(List.of(a));
        for (String b : words) lines.add(List.of(a, b));
      }
      for (int n = 0; n < 20000; n++) {
        List<String> line = new ArrayList<>();
        int k = 1 + rnd.nextInt(6);
        for (int i = 0; i < k; i++) line.add(words.get(rnd.nextInt(words.size())));
        if (n % 2 == 1 && t.positional() != null) line.add(rnd.nextInt(line.size() + 1), "name"); // logs needs its SANDBOX
        if (n % 4 == 1 && t.minPositionals() > 1) line.add(rnd.nextInt(line.size() + 1), "other"); // rename: SANDBOX NAME
        lines.add(line);
      }
      List<String> fields = new ArrayList<>();
      for (FastArgs.Opt o : t.opts()) fields.add(o.field());
      if (t.positional() != null) fields.addAll(List.of(t.positional().split(" ")));
      List<String> mismatches = new ArrayList<>();
      int fast = 0;
      for (List<String> line : lines) {
        List<String> withCommand = new ArrayList<>(List.of(t.command().split(" ")));
        withCommand.addAll(line);
        Object f = FastArgs.newCommand(t.command());
        if (!FastArgs.parse(t, withCommand.toArray(String[]::new), f)) continue;
        fast++;
        Object p = FastArgs.newCommand(t.command()); // a fresh object and model, as one jbox run has
        String picocli;
        try {
          CommandLine.ParseResult pr = PicoMain.configure(new CommandLine(p)).parseArgs(line.toArray(String[]::new));
          picocli = pr.isUsageHelpRequested() || pr.isVersionHelpRequested() ? "help" : null;
        } catch (ParameterException e) {
          picocli = "rejects: " + e.getMessage();
        }
        if (picocli != null) {
          mismatches.add(t.command() + " " + line + ": fast path accepts, picocli " + picocli);
          continue;
        }
        for (String field : fields) {
          Object fv = get(f, field);
          Object pv = get(p, field);
          if (!java.util.Objects.equals(fv, pv)) mismatches.add(t.command() + " " + line + ": " + field + " fast " + fv + ", picocli " + pv);
        }
      }
      assertEquals(List.of(), mismatches.subList(0, Math.min(30, mismatches.size())), mismatches.size() + " mismatches");
      if (t.opts().isEmpty() && t.positional() == null) {
        assertEquals(1, fast, t.command() + ": the one form without arguments"); // system df
      } else {
        assertTrue(fast > 300, t.command() + ": the fast path took many lines: " + fast);
      }
    }
  }

  @Test
  void fastArgs_theUsualFormsAreFast_andTheRestGoToPicocli() {
    for (String line : List.of("ps", "ps -a", "ps -aq", "ps --all --quiet", "ps -a --format json", "ps --format={{.ID}}",
        "ps -f name=x -f status=exited", "ps --filter=id=1", "ps -n 3", "ps --last=3", "ps -l --no-trunc",
        "images", "images -q", "images alpine", "images --format json -f dangling=true", "images --no-trunc alpine:3",
        "inspect a", "inspect a b", "inspect -f {{.State.Pid}} a", "inspect --format=json a",
        "logs a", "logs a b", "logs -f a", "logs -n a b", "logs --tail 5 a", "logs --tail=0 --follow a",
        "logs -t --since 10m --until=2026-12-03 a", "stop a", "stop -t 0 a b", "stop --time=3 a", "kill a", "kill -s TERM a",
        "kill --signal=9 a b", "rm a", "rm -f a b", "rm -fv a", "rm --force --volumes a", "start a", "start -a a",
        "start --detach-keys ctrl-x a", "restart a", "restart -t 0 a", "wait a b", "wait --condition running a", "port a",
        "port a 80/tcp", "top a", "rename a b", "tag a b", "tag a b c", "rmi a", "rmi -f a b", "inspect -t image a",
        "inspect --type=volume -f {{.Name}} a", "volume create", "volume create v", "volume create -l a=b --label c -o type=tmpfs v",
        "volume create --ignore -d local v", "volume ls", "volume ls -q", "volume ls --format json -f name=x", "volume inspect v",
        "volume inspect -a", "volume inspect --format {{.Name}} v w", "volume rm v", "volume rm -fa", "volume rm --force v w",
        "system df", "image inspect a", "image inspect a b", "version", "version -f json", "version --format={{.Client.Version}}",
        "info", "info -f json", "info --format {{.Store.GraphRoot}}")) {
      String[] args = line.split(" ");
      FastArgs.Table t = FastArgs.tableOf(args);
      assertTrue(FastArgs.parse(t, args, FastArgs.newCommand(t.command())), line);
    }
    for (String line : List.of("ps --help", "ps -h", "ps x", "ps -n5", "ps -n -1", "ps --all=true", "ps -- ", "ps -az",
        "images a b", "images @args", "inspect", "inspect -- a", "inspect --format", "logs", "logs --tail 007 a",
        "logs --tail= a", "logs --since", "stop", "stop -t -1 a", "stop --help", "kill -s", "rm -x a", "start a b", "start",
        "restart a b", "wait", "port", "port a b c", "top", "top a b", "rename a", "rename a b c", "rename -h", "tag a", "rmi", "rmi --force=true a",
        "inspect -t", "volume create a b", "volume create --help", "volume ls x", "volume ls -h", "volume rm -x v", "system df x",
        "system df --help", "image inspect", "image inspect -h a", "version x", "version -f", "version --help", "info x", "info -h")) {
      String[] args = line.split(" ");
      FastArgs.Table t = FastArgs.tableOf(args);
      assertTrue(!FastArgs.parse(t, args, FastArgs.newCommand(t.command())), line);
    }
    // a subcommand without a table (or an alias) is not taken for its parent's: picocli's
    for (String line : List.of("volume", "volume prune", "volume list", "volume remove v", "system prune -f", "image prune",
        "image tag a b", "system", "image")) {
      String[] args = line.split(" ");
      assertEquals(null, FastArgs.tableOf(args), line);
    }
  }
}
