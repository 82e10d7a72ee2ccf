package dev.jbox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path tmp;

  @Test
  void shippedFile_equalsTheBuiltInDefaults() {
    Config shipped = ConfigLoader.apply(ConfigLoader.builtin(), Jbox.source().resolve("config/jbox.toml"));
    assertEquals(ConfigLoader.builtin(), shipped);
  }

  @Test
  void aFileOfComments_isNotParsed_butASettingAfterCommentsIs() throws Exception {
    Path only = tmp.resolve("only.toml");
    // not TOML at all once uncommented: parsing it would fail
    Files.writeString(only, "# header\n\n  # [run\n\t#init = = true\r\n#");
    assertTrue(ConfigLoader.onlyComments(only));
    assertEquals(ConfigLoader.builtin(), ConfigLoader.apply(ConfigLoader.builtin(), only));
    Path set = tmp.resolve("set.toml");
    Files.writeString(set, "# header\n  # more\n[run]\ninit = true\n");
    assertFalse(ConfigLoader.onlyComments(set));
    assertTrue(ConfigLoader.apply(ConfigLoader.builtin(), set).run().init());
  }

  @Test
  void layers_laterOverridesEarlier_userThenJboxConfig() throws Exception {
    Path home = tmp.resolve("home");
    Files.createDirectories(home.resolve(".config/jbox"));
    Files.writeString(home.resolve(".config/jbox/jbox.toml"), "[run]\ninit = true\nnetwork = \"host\"\n");
    Path explicit = Files.writeString(tmp.resolve("x.toml"), "[run]\nnetwork = \"none\"\nulimits = [\"nofile=10:20\"]\n");
    Config c = ConfigLoader.load(Map.of("HOME", home.toString(), "JBOX_CONFIG", explicit.toString()));
    assertTrue(c.run().init());
    assertEquals("none", c.run().network());
    assertEquals(List.of("nofile=10:20"), c.run().ulimits());
    assertTrue(c.run().seccomp());
  }

  @Test
  void xdgConfigHome_isUsedInsteadOfHome() throws Exception {
    Files.createDirectories(tmp.resolve("xdg/jbox"));
    Files.writeString(tmp.resolve("xdg/jbox/jbox.toml"), "[run]\nseccomp = false\n");
    assertFalse(ConfigLoader.load(Map.of("HOME", "/nonexistent", "XDG_CONFIG_HOME", tmp.resolve("xdg").toString())).run().seccomp());
  }

  @Test
  void typosAndBadValues_areOneLineErrorsNamingTheFile() throws Exception {
    Path f = Files.writeString(tmp.resolve("bad.toml"), "[run]\nsecomp = false\n");
    var e = assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", f.toString())));
    assertTrue(e.getMessage().contains("bad.toml") && e.getMessage().contains("run.secomp"), e.getMessage());
    Path caps = Files.writeString(tmp.resolve("caps.toml"), "[run]\ncapabilities = [\"CAP_NOPE\"]\n");
    assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", caps.toString())));
    assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", tmp.resolve("missing.toml").toString())));
  }

  @Test
  void storageDriver_overlayByDefault_fuseOverlayfsFromAFile_othersRefused() throws Exception {
    assertEquals("overlay", ConfigLoader.builtin().storage().driver());
    Path f = Files.writeString(tmp.resolve("fuse.toml"), "[storage]\ndriver = \"fuse-overlayfs\"\n");
    Config c = ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", f.toString()));
    assertEquals("fuse-overlayfs", c.storage().driver());
    assertEquals("", c.storage().root());
    Path bad = Files.writeString(tmp.resolve("vfs.toml"), "[storage]\ndriver = \"vfs\"\n");
    var e = assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", bad.toString())));
    assertTrue(e.getMessage().contains("vfs.toml") && e.getMessage().contains("storage.driver"), e.getMessage());
  }
}
