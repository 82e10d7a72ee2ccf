package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

/**
 * The shell completions are generated from the CLI's own model: every command and every option of
 * run's table is in them, and bash's completion function, driven as bash drives it
 * (tests/system/completion-check.sh), completes commands, options and option values.
 */
class CompletionsTest {
  @TempDir Path tmp;

  @Test
  void bashCompletion_completesCommandsOptionsAndValues() throws Exception {
    Completions.main(new String[] {tmp.toString()});
    Path check = Path.of(System.getenv().getOrDefault("JBOX_SOURCE_DIR", "."), "tests/system/completion-check.sh");
    Process p = new ProcessBuilder("bash", check.toString(), tmp.resolve("jbox.bash").toString(), "/nonexistent/jbox")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("completion: 9 passed, 0 failed"), out);
  }

  @Test
  void zshAndFishCompletion_loadedByTheRealShells() throws Exception {
    Completions.main(new String[] {tmp.toString()});
    Path check = Path.of(System.getenv().getOrDefault("JBOX_SOURCE_DIR", "."), "tests/system/completion-shells.sh");
    Process p = new ProcessBuilder("bash", check.toString(), tmp.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("completion-shells: 9 passed, 0 failed"), out);
  }

  @Test
  void everyCommandAndRunOption_isInEveryShellsCompletion() throws Exception {
    Completions.main(new String[] {tmp.toString()});
    String bash = Files.readString(tmp.resolve("jbox.bash"));
    String zsh = Files.readString(tmp.resolve("_jbox"));
    String fish = Files.readString(tmp.resolve("jbox.fish"));
    for (Class<?> c : PicoMain.SUBCOMMANDS) {
      String name = c.getAnnotation(Command.class).name();
      assertTrue(bash.matches("(?s).*\\['@'\\]='[^']*\\b" + name + "\\b.*"), name + " missing from bash");
      assertTrue(zsh.contains(name), name + " missing from zsh");
      assertTrue(fish.contains("-n __fish_use_subcommand -a '" + name + "'"), name + " missing from fish");
    }
    for (RunOptions.Opt o : RunOptions.TABLE) {
      assertTrue(bash.matches("(?s).*\\['run'\\]='[^']*--" + o.longName() + "\\b.*"), o.longName() + " missing from bash");
      assertTrue(fish.contains("__fish_seen_subcommand_from run' -l " + o.longName())
          || fish.matches("(?s).*__fish_seen_subcommand_from run' -s \\w -l " + o.longName() + "\\b.*"), o.longName() + " missing from fish");
    }
    // the fixed values belong to options of run's table that take a value
    for (String k : Completions.VALUES.keySet()) {
      assertTrue(RunOptions.TABLE.stream().anyMatch(o -> o.longName().equals(k)), k + " is not an option of run");
    }
    assertTrue(List.of(zsh.split("\n")).get(0).equals("#compdef jbox"));
  }
}
