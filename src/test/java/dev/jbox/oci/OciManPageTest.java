package dev.jbox.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every jbox-oci command and visible option is in man/jbox-oci.1 (podman checks its --help the same way). */
class OciManPageTest {
  @Test
  void everyCommandAndOption_isInTheManPage() throws Exception {
    String man = Files.readString(Jbox.source().resolve("man/jbox-oci.1")).replace("\\-", "-");
    CommandLine cl = new CommandLine(new Main());
    List<String> missing = new ArrayList<>();
    for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) check(man, o, missing);
    for (var e : cl.getSubcommands().entrySet()) {
      if (!e.getKey().equals(e.getValue().getCommandName())) continue; // an alias
      if (!man.contains(".BR " + e.getKey()) && !man.contains(".BI " + e.getKey()) && !man.contains(".B " + e.getKey())) {
        missing.add("command " + e.getKey());
      }
      for (CommandLine.Model.OptionSpec o : e.getValue().getCommandSpec().options()) check(man, o, missing);
    }
    assertEquals(List.of(), missing);
  }

  private static void check(String man, CommandLine.Model.OptionSpec o, List<String> missing) {
    if (o.hidden() || o.usageHelp() || o.versionHelp()) return;
    if (!man.contains(o.longestName())) missing.add(o.longestName());
  }
}
