package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.it.PsRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The launcher's parser of `jbox ps` (helpers/ps_fast.c, ps_call_parse) against picocli's
 * PsCommand (issue 14): every command line of up to three words over the flag spellings (-a,
 * --all, -q, --quiet, --no-trunc, -aq, -qa) and a few others (-A, --all=true, --) goes
 * to the launcher, with no jar to fall back on, so a line it leaves to the JVM ends in the
 * launcher's 125 at once. Every line it answers, picocli must take too, and the launcher's
 * answer must be the real JVM's answer for the flags picocli parsed from that line (the eight
 * answers differ, so one answer names one parse). The lines the launcher takes are exactly those
 * with each flag at most once and nothing else; the rest (and what picocli refuses) are the
 * JVM's, whose answers PsFastPathTest compares.
 */
class PsFastArgsTest {
  @TempDir Path tmp;

  static final List<String> WORDS = List.of("-a", "--all", "-q", "--quiet", "--no-trunc", "-aq", "-qa", "-A", "--all=true", "--");

  /** picocli's parse of ps ARGS as the JVM configures it: {all, quiet, noTrunc}, or null if refused. */
  static boolean[] picocli(List<String> args) {
    PsCommand cmd = new PsCommand();
    CommandLine cl = PicoMain.configure(new CommandLine(cmd));
    try {
      CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
      if (r.isUsageHelpRequested() || r.isVersionHelpRequested() || cmd.format != null || cmd.last != null
          || !cmd.filters.isEmpty() || cmd.latest) {
        return null; // not one of the eight answers
      }
      return new boolean[] {cmd.all, cmd.quiet, cmd.noTrunc};
    } catch (CommandLine.ParameterException e) {
      return null;
    }
  }

  static String key(boolean[] f) {
    return (f[0] ? "a" : "-") + (f[1] ? "q" : "-") + (f[2] ? "n" : "-");
  }

  @Test
  void everyLineTheLauncherTakes_picocliTakesWithTheSameFlags() throws Exception {
    Path xdg = tmp.resolve("xdg");
    Path root = Files.createDirectories(xdg.resolve("jbox"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Path storage = tmp.resolve("storage");
    Files.createDirectories(tmp.resolve("config"));
    PsRecords rec = new PsRecords(root, storage.resolve("containers"));
    try {
      // one running sandbox and one exited: the eight flag sets print eight different answers
      long[] live = rec.sleeper();
      String up = PsRecords.id(0xc1);
      String down = PsRecords.id(0xc2);
      rec.ages(rec.record(up, true, "up", "alpine", List.of("sleep", "a very long command line"), List.of(), false, Map.of()),
          "created", 3 * PsRecords.D + 12 * PsRecords.H);
      rec.ages(rec.state(up, "running", live[0], live[1], live[0], live[1], null, false), "started", 2 * PsRecords.H + 30 * PsRecords.M);
      rec.ages(rec.record(down, false, "down", null, List.of("true"), List.of(), false, Map.of()), "created", 5 * PsRecords.D + 12 * PsRecords.H);
      rec.ages(rec.state(down, "exited", 1, 1, 1, 1, 0, true), "started", 4 * PsRecords.D + 12 * PsRecords.H, "finished", 3 * PsRecords.H + 30 * PsRecords.M);
      rec.retime();
      Map<String, String> env = new HashMap<>(Map.of("XDG_RUNTIME_DIR", xdg.toString(), "JBOX_STORAGE", storage.toString(),
          "XDG_CONFIG_HOME", tmp.resolve("config").toString(), "JBOX_TRACE", "1"));

      // the JVM's answer for each flag set
      Map<String, String> jvm = new HashMap<>();
      Map<String, String> jvmEnv = new HashMap<>(env);
      jvmEnv.put("JBOX_PS_NO_FAST", "1");
      for (int bits = 0; bits < 8; bits++) {
        List<String> a = new ArrayList<>(List.of("ps"));
        if ((bits & 1) != 0) a.add("--all");
        if ((bits & 2) != 0) a.add("--quiet");
        if ((bits & 4) != 0) a.add("--no-trunc");
        Jbox.Result r = Jbox.run(a, jvmEnv);
        assertEquals(0, r.code(), r.toString());
        jvm.put(key(new boolean[] {(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0}), r.out());
      }
      assertEquals(8, new HashSet<>(jvm.values()).size(), "eight different answers: " + jvm);

      // every line of up to three words, to the launcher with no JVM behind it
      Map<String, String> noJar = new HashMap<>(env);
      noJar.put("JBOX_CLASSPATH", tmp.resolve("no.jar").toString());
      List<List<String>> lines = new ArrayList<>();
      lines.add(List.of());
      for (String a : WORDS) {
        lines.add(List.of(a));
        for (String b : WORDS) {
          lines.add(List.of(a, b));
          for (String c : WORDS) lines.add(List.of(a, b, c));
        }
      }
      int taken = 0;
      for (List<String> line : lines) {
        List<String> args = new ArrayList<>(List.of("ps"));
        args.addAll(line);
        Jbox.Result r = Jbox.run(args, noJar);
        boolean fast = r.err().contains("jbox-trace ps-fast ");
        assertEquals(expectTaken(line), fast, args + ": " + r);
        if (!fast) {
          assertEquals(125, r.code(), "left to the JVM (here: no jar): " + args + ": " + r);
          continue;
        }
        taken++;
        boolean[] p = picocli(line);
        assertTrue(p != null, "picocli takes what the launcher takes: " + args);
        assertEquals(0, r.code(), args.toString());
        assertEquals(jvm.get(key(p)), r.out(), args + " parsed by picocli as " + key(p));
      }
      assertTrue(taken > 50, "lines taken: " + taken);
    } finally {
      rec.close();
    }
  }

  /** picocli's parse of images ARGS: {quiet, noTrunc}, or null if refused or another answer. */
  static boolean[] picocliImages(List<String> args) {
    ImagesCommand cmd = new ImagesCommand();
    CommandLine cl = PicoMain.configure(new CommandLine(cmd));
    try {
      CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
      if (r.isUsageHelpRequested() || r.isVersionHelpRequested() || !cmd.format.equals("table") || !cmd.filters.isEmpty()
          || cmd.repository != null) {
        return null;
      }
      return new boolean[] {false, cmd.quiet, cmd.noTrunc};
    } catch (CommandLine.ParameterException e) {
      return null;
    }
  }

  static final List<String> IMAGE_WORDS = List.of("-q", "--quiet", "--no-trunc", "-Q", "--", "alpine", "-qq");

  @Test
  void everyImagesLineTheLauncherTakes_picocliTakesWithTheSameFlags() throws Exception {
    Path xdg = tmp.resolve("xdg");
    Path root = Files.createDirectories(xdg.resolve("jbox"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Path store = tmp.resolve("storage");
    for (String d : List.of("images", "blobs/sha256", "layers", "locks")) Files.createDirectories(store.resolve(d));
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(tmp.resolve("config"));
    String hex = "ab".repeat(32);
    Files.writeString(store.resolve("images").resolve(hex + ".json"), "{\"manifestDigest\": \"sha256:" + hex + "\", \"id\": \"sha256:"
        + "cd".repeat(32) + "\", \"created\": \"2020-01-01T00:00:00Z\", \"pulled\": \"2020-01-01T00:00:00Z\", \"size\": 5, \"layers\": []}");
    Files.writeString(store.resolve("tags.json"), "{\"alpine:latest\": \"sha256:" + hex + "\"}");
    Map<String, String> env = new HashMap<>(Map.of("XDG_RUNTIME_DIR", xdg.toString(), "JBOX_STORAGE", store.toString(),
        "XDG_CONFIG_HOME", tmp.resolve("config").toString(), "JBOX_TRACE", "1"));
    Map<String, String> jvm = new HashMap<>();
    Map<String, String> jvmEnv = new HashMap<>(env);
    jvmEnv.put("JBOX_IMAGES_NO_FAST", "1");
    for (int bits = 0; bits < 4; bits++) {
      List<String> a = new ArrayList<>(List.of("images"));
      if ((bits & 1) != 0) a.add("--quiet");
      if ((bits & 2) != 0) a.add("--no-trunc");
      Jbox.Result r = Jbox.run(a, jvmEnv);
      assertEquals(0, r.code(), r.toString());
      jvm.put(key(new boolean[] {false, (bits & 1) != 0, (bits & 2) != 0}), r.out());
    }
    assertEquals(4, new HashSet<>(jvm.values()).size(), "four different answers: " + jvm);
    Map<String, String> noJar = new HashMap<>(env);
    noJar.put("JBOX_CLASSPATH", tmp.resolve("no.jar").toString());
    List<List<String>> lines = new ArrayList<>();
    lines.add(List.of());
    for (String a : IMAGE_WORDS) {
      lines.add(List.of(a));
      for (String b : IMAGE_WORDS) {
        lines.add(List.of(a, b));
        for (String c : IMAGE_WORDS) lines.add(List.of(a, b, c));
      }
    }
    int taken = 0;
    for (List<String> line : lines) {
      List<String> args = new ArrayList<>(List.of("images"));
      args.addAll(line);
      Jbox.Result r = Jbox.run(args, noJar);
      boolean fast = r.err().contains("jbox-trace images-fast ");
      long q = line.stream().filter(w -> w.equals("-q") || w.equals("--quiet")).count();
      long n = line.stream().filter(w -> w.equals("--no-trunc")).count();
      assertEquals(q + n == line.size() && q <= 1 && n <= 1, fast, args + ": " + r);
      if (!fast) {
        assertEquals(125, r.code(), args + ": " + r);
        continue;
      }
      taken++;
      boolean[] p = picocliImages(line);
      assertTrue(p != null, "picocli takes what the launcher takes: " + args);
      assertEquals(jvm.get(key(p)), r.out(), args + " parsed by picocli as " + key(p));
    }
    assertEquals(8, taken); // none; one of -q, --quiet, --no-trunc; a quiet spelling and --no-trunc in either order
  }

  /** The launcher's rule: only the flag spellings, each of the three flags at most once. */
  static boolean expectTaken(List<String> line) {
    Set<Character> seen = new HashSet<>();
    for (String w : line) {
      String flags = switch (w) {
        case "-a", "--all" -> "a";
        case "-q", "--quiet" -> "q";
        case "--no-trunc" -> "n";
        case "-aq", "-qa" -> "aq";
        default -> null;
      };
      if (flags == null) return false;
      for (char c : flags.toCharArray()) if (!seen.add(c)) return false;
    }
    return true;
  }

  // ---- stop and rm (helpers/change_fast.c): what the launcher takes, picocli takes the same way ----

  static final List<String> STOP_WORDS = List.of("-t", "0", "5", "--time", "--time=3", "-t0", "-t=0", "x", "y", "--", "-h", "010", "@f");

  /** picocli's parse of stop ARGS: {seconds, refs...}, or null if it refuses them or asks for help. */
  static List<String> picocliStop(List<String> args) {
    StopCommand cmd = new StopCommand();
    CommandLine cl = PicoMain.configure(new CommandLine(cmd));
    try {
      CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
      if (r.isUsageHelpRequested() || r.isVersionHelpRequested()) return null;
      List<String> out = new ArrayList<>(List.of(String.valueOf(cmd.seconds)));
      out.addAll(cmd.refs);
      return out;
    } catch (CommandLine.ParameterException e) {
      return null;
    }
  }

  /** The launcher's rule for stop: -t/--time with a plain number, --time=N, and names (x, y). */
  static boolean expectStopTaken(List<String> line) {
    int refs = 0;
    for (int i = 0; i < line.size(); i++) {
      String w = line.get(i);
      if (w.equals("-t") || w.equals("--time")) {
        if (i + 1 >= line.size() || !line.get(i + 1).matches("0|[1-9][0-9]{0,8}")) return false;
        i++;
      } else if (w.equals("--time=3")) {
        continue;
      } else if (w.equals("x") || w.equals("y")) {
        refs++;
      } else {
        return false;
      }
    }
    return refs > 0;
  }

  /** Two created sandboxes, x and y, as records (neither runs: stop has nothing to signal). */
  static Map<String, String> twoSandboxes(Path tmp) throws Exception {
    Path xdg = tmp.resolve("xdg");
    Path root = Files.createDirectories(xdg.resolve("jbox"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Path storage = tmp.resolve("storage");
    Files.createDirectories(storage.resolve("containers"));
    Files.createDirectories(tmp.resolve("config"));
    PsRecords rec = new PsRecords(root, storage.resolve("containers"));
    rec.record(PsRecords.id(0xd1), false, "x", null, List.of("true"), List.of(), false, Map.of());
    rec.record(PsRecords.id(0xd2), false, "y", null, List.of("true"), List.of(), false, Map.of());
    return new HashMap<>(Map.of("XDG_RUNTIME_DIR", xdg.toString(), "JBOX_STORAGE", storage.toString(),
        "XDG_CONFIG_HOME", tmp.resolve("config").toString()));
  }

  @Test
  void everyStopLineTheLauncherTakes_picocliTakesWithTheSameSecondsAndSandboxes() throws Exception {
    Map<String, String> env = twoSandboxes(tmp);
    env.put("JBOX_TRACE", "2");
    env.put("JBOX_CLASSPATH", tmp.resolve("no.jar").toString());
    List<List<String>> lines = new ArrayList<>();
    for (String a : STOP_WORDS) {
      lines.add(List.of(a));
      for (String b : STOP_WORDS) {
        lines.add(List.of(a, b));
        for (String c : STOP_WORDS) lines.add(List.of(a, b, c));
      }
    }
    int taken = 0;
    java.util.regex.Pattern traced = java.util.regex.Pattern.compile("jbox-trace stop-fast t=([0-9]+) ");
    for (List<String> line : lines) {
      List<String> args = new ArrayList<>(List.of("stop"));
      args.addAll(line);
      Jbox.Result r = Jbox.run(args, env);
      java.util.regex.Matcher m = traced.matcher(r.err());
      boolean fast = m.find();
      assertEquals(expectStopTaken(line), fast, args + ": " + r);
      if (!fast) {
        assertEquals(125, r.code(), "left to the JVM (here: no jar): " + args + ": " + r);
        continue;
      }
      taken++;
      List<String> p = picocliStop(line);
      assertTrue(p != null, "picocli takes what the launcher takes: " + args);
      assertEquals(0, r.code(), args.toString());
      // the seconds it read, and the sandboxes it printed (each stopped: none runs), are picocli's
      assertEquals(p.get(0), m.group(1), args + ": -t");
      assertEquals(String.join("", p.subList(1, p.size()).stream().map(w -> w + "\n").toList()), r.out(), args.toString());
    }
    assertTrue(taken > 40, "lines taken: " + taken);
  }

  static final List<String> RM_WORDS = List.of("x", "y", "-f", "-v", "--force", "--", "@f", "-", "-fv");

  @Test
  void everyRmLineTheLauncherTakes_picocliTakesAsThoseSandboxesWithoutOptions() throws Exception {
    Path first = tmp.resolve("first");
    Files.createDirectories(first);
    Map<String, String> env = twoSandboxes(first);
    int taken = 0;
    List<List<String>> lines = new ArrayList<>();
    for (String a : RM_WORDS) {
      lines.add(List.of(a));
      for (String b : RM_WORDS) lines.add(List.of(a, b));
    }
    for (List<String> line : lines) {
      // each line on a fresh copy of the two records
      Path copy = tmp.resolve("rm-" + System.nanoTime());
      Process cp = new ProcessBuilder("cp", "-a", first.toString(), copy.toString()).start();
      assertEquals(0, cp.waitFor());
      Map<String, String> e = new HashMap<>(Map.of("XDG_RUNTIME_DIR", copy.resolve("xdg").toString(), "JBOX_STORAGE",
          copy.resolve("storage").toString(), "XDG_CONFIG_HOME", copy.resolve("config").toString(), "JBOX_TRACE", "1",
          "JBOX_CLASSPATH", tmp.resolve("no.jar").toString()));
      List<String> args = new ArrayList<>(List.of("rm"));
      args.addAll(line);
      Jbox.Result r = Jbox.run(args, e);
      boolean fast = r.err().contains("jbox-trace rm-fast ");
      boolean expect = line.stream().allMatch(w -> w.equals("x") || w.equals("y")) && new HashSet<>(line).size() == line.size();
      assertEquals(expect, fast, args + ": " + r);
      if (!fast) {
        assertEquals(125, r.code(), "left to the JVM (here: no jar): " + args + ": " + r);
        continue;
      }
      taken++;
      RmCommand cmd = new RmCommand();
      CommandLine.ParseResult pr = PicoMain.configure(new CommandLine(cmd)).parseArgs(line.toArray(String[]::new));
      assertTrue(!pr.isUsageHelpRequested() && !cmd.force && !cmd.volumes, args.toString());
      assertEquals(String.join("", cmd.refs.stream().map(w -> w + "\n").toList()), r.out(), args.toString());
      for (String n : cmd.refs) {
        String id = PsRecords.id(n.equals("x") ? 0xd1 : 0xd2);
        assertTrue(!Files.exists(copy.resolve("xdg/jbox").resolve(id)), n + " removed: " + args);
      }
    }
    assertEquals(4, taken); // x, y, x y, y x
  }
}
