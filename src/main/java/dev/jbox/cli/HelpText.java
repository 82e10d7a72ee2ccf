package dev.jbox.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Writes, at build time, what {@code jbox --help}, {@code jbox --version} and {@code jbox CMD
 * --help} print, one file per command line, so that the launcher (helpers/main.c) answers them
 * without starting a JVM: {@code DIR/--help.txt}, {@code DIR/images+--help.txt}, {@code
 * DIR/image+inspect+--help.txt}... (the words joined by '+'). Each text is the output of {@link
 * Main#run} for that very command line, so it cannot drift from what the JVM would print; a test
 * checks the files against the JVM's answer. Usage: {@code HelpText DIR} (Maven runs it into
 * target/help, next to the jar).
 */
public final class HelpText {
  private HelpText() {}

  /** The command lines answered from text: the top level's help and version, every command's help. */
  static List<List<String>> lines() {
    List<List<String>> out = new ArrayList<>();
    for (String s : List.of("--help", "-h", "--version", "-V")) out.add(List.of(s));
    walk(PicoMain.tree(), new ArrayList<>(), out);
    return out;
  }

  private static void walk(CommandLine c, List<String> path, List<List<String>> out) {
    for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
      List<String> p = new ArrayList<>(path);
      p.add(e.getKey()); // aliases too: `jbox ALIAS --help` is the same command
      List<String> help = new ArrayList<>(p);
      help.add("--help");
      out.add(help);
      // -h is help for picocli's commands; for run (and create, which takes run's options) it is
      // --hostname, as in podman
      if (!p.get(0).equals("run") && !p.get(0).equals("create")) {
        List<String> h = new ArrayList<>(p);
        h.add("-h");
        out.add(h);
      }
      walk(e.getValue(), p, out);
    }
  }

  /** The file that answers a command line. */
  static String fileName(List<String> line) {
    return String.join("+", line) + ".txt";
  }

  /** What the JVM prints for a command line, or null when it does not just print and exit 0. */
  static byte[] answer(List<String> line) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(line.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return status == 0 && err.size() == 0 ? out.toByteArray() : null;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) throw new IllegalArgumentException("usage: HelpText DIR");
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    try (var old = Files.list(dir)) {
      for (Path p : old.toList()) if (p.toString().endsWith(".txt")) Files.delete(p);
    }
    int n = 0;
    for (List<String> line : lines()) {
      byte[] text = answer(line);
      if (text == null) throw new IllegalStateException("jbox " + String.join(" ", line) + " does not just print text");
      Files.write(dir.resolve(fileName(line)), text);
      n++;
    }
    System.out.println("HelpText: " + n + " answers in " + dir);
  }
}
