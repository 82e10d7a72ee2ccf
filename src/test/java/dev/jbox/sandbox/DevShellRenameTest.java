package dev.jbox.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.config.ConfigLoader;
import dev.jbox.sandbox.idmap.IdMaps;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A shell sandbox whose project name another sandbox has is renamed after its plan is built
 * ({@link DevShell#renamed}): its environment must be the one {@code env} makes for the new name,
 * entry for entry and in place, whatever the host's environment holds.
 */
class DevShellRenameTest {
  @Test
  void renamed_isTheEnvironmentOfTheNewName() {
    Map<String, String> host = new LinkedHashMap<>();
    for (String e : List.of("PATH=/usr/bin:/bin", "PS1=host$ ", "debian_chroot=host", "JBOX_SANDBOX=outer", "A=1",
        "Z=JBOX_SANDBOX=x", "TERM=xterm")) {
      host.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    }
    IdMaps.Caller caller = new IdMaps.Caller("dev", 1000, 1000, List.of(), List.of(), true);
    DevShell shell = new DevShell(ConfigLoader.builtin(), caller, host);
    ShellSettings s = ShellSettings.defaults();
    Plan p = new Plan(List.of("true"), shell.env(s, "app"), "/", "1000:1000", null, null, Map.of(), null, List.of(),
        List.of(), 0, java.util.EnumSet.noneOf(Plan.Flag.class), null, List.of(), null, null);
    Plan r = DevShell.renamed(p, "app-0a1b2c");
    assertEquals(shell.env(s, "app-0a1b2c"), r.env());
    assertEquals(p.argv(), r.argv());
    assertEquals(p.user(), r.user());
    assertEquals(true, r.env().contains("PS1=(jbox:app-0a1b2c) \\u@\\h:\\w\\$ "), r.env().toString());
  }
}
