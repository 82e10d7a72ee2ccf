package dev.jbox.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellSettingsTest {
  @Test
  void glob_starMatchesAnyRun() {
    assertTrue(ShellSettings.glob("*_TOKEN", "FOO_TOKEN"));
    assertTrue(ShellSettings.glob("*_SECRET*", "MY_SECRET_KEY"));
    assertTrue(ShellSettings.glob("AWS_*", "AWS_PROFILE"));
    assertFalse(ShellSettings.glob("*_TOKEN", "TOKENIZER"));
    assertFalse(ShellSettings.glob("AWS_*", "XAWS_"));
    assertTrue(ShellSettings.glob("SSH_AUTH_SOCK", "SSH_AUTH_SOCK"));
  }

  @Test
  void defaults_denyTheAgentsAndTokens() {
    List<String> deny = ShellSettings.defaults().strings("env-deny");
    for (String n : List.of("SSH_AUTH_SOCK", "GPG_AGENT_INFO", "GITHUB_TOKEN", "NPM_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY")) {
      assertTrue(DevShell.denied(deny, n), n);
    }
    for (String n : List.of("PATH", "TERM", "LANG", "EDITOR", "HOME")) assertFalse(DevShell.denied(deny, n), n);
  }

  @Test
  void path_homeProjectAbsolute_dotDotRefused() {
    DevShell.Request r = new DevShell.Request(ShellSettings.defaults(), Path.of("/h/u/src/app"), Path.of("/h/u/src/app"),
        Path.of("/h/u"), Path.of("/h/u/.local/share/jbox/shells/x/upper"), Path.of("/h/u/.local/share/jbox/shells/x/work"),
        Path.of("/run/r"), List.of(), false, false, true, "app", null, null);
    assertEquals(Path.of("/h/u/.ssh"), DevShell.path("~/.ssh", r, "hide"));
    assertEquals(Path.of("/h/u/src/app/secrets"), DevShell.path("secrets", r, "hide"));
    assertEquals(Path.of("/etc/x"), DevShell.path("/etc/x", r, "ro"));
    assertTrue(assertThrows(JboxException.class, () -> DevShell.path("~/../other", r, "hide")).getMessage().contains("`..`"));
    assertThrows(JboxException.class, () -> DevShell.path("a/./b", r, "rw"));
    assertThrows(JboxException.class, () -> DevShell.path("~other/x", r, "rw"));
  }

  @Test
  void settings_unknownKeyNamesItsSource() {
    ShellSettings s = ShellSettings.defaults();
    JboxException e = assertThrows(JboxException.class, () -> s.add("hyde", "x", "/p/.jbox/shell.toml"));
    assertEquals("/p/.jbox/shell.toml: unknown key `hyde`", e.getMessage());
  }
}
