package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.it.Jbox;
import dev.jbox.sandbox.ShellSettings;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellOptionsTest {
  @Test
  void manPage_documentsEveryOptionAndKey() throws Exception {
    String man = Files.readString(Jbox.source().resolve("man/jbox-shell.1"));
    for (RunOptions.Opt o : ShellCommand.TABLE) {
      assertTrue(man.contains("\\-\\-" + o.longName().replace("-", "\\-")), "man/jbox-shell.1 lacks --" + o.longName());
    }
    for (String k : ShellSettings.LIST_KEYS) assertTrue(man.contains("\\fB" + k.replace("-", "\\-") + "\\fR"), "man/jbox-shell.1 lacks key " + k);
    for (String k : ShellSettings.VALUE_KEYS) assertTrue(man.contains("\\fB" + k.replace("-", "\\-") + "\\fR"), "man/jbox-shell.1 lacks key " + k);
  }

  @Test
  void everyPolicyKeyIsAFlag() {
    for (String k : ShellSettings.LIST_KEYS) assertTrue(ShellCommand.names().contains(k), k);
    for (String k : ShellSettings.VALUE_KEYS) assertTrue(ShellCommand.names().contains(k), k);
  }

  @Test
  void parse_commandAfterDashes_errorsNameShell() {
    RunOptions o = RunOptions.parse(new String[] {"--hide", "~/.x", "--hide=y", "--", "make", "-j4"}, ShellCommand.TABLE, "shell");
    assertEquals(List.of("~/.x", "y"), o.all("hide"));
    assertEquals(List.of("make", "-j4"), o.command);
    JboxException e = assertThrows(JboxException.class, () -> RunOptions.parse(new String[] {"--rootfs", "x"}, ShellCommand.TABLE, "shell"));
    assertTrue(e.getMessage().startsWith("shell: unknown option `--rootfs`"), e.getMessage());
  }
}
