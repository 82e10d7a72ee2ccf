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
    assertTrue(ConfigLoader.onlyComments(Files.readString(only)));
    assertEquals(ConfigLoader.builtin(), ConfigLoader.apply(ConfigLoader.builtin(), only));
    Path set = tmp.resolve("set.toml");
    Files.writeString(set, "# header\n  # more\n[run]\ninit = true\n");
    assertFalse(ConfigLoader.onlyComments(Files.readString(set)));
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

  @Test
  void maxLayerSize_32GiBByDefault_bytesOrSuffixedSizes_badOnesRefused() throws Exception {
    assertEquals(32L << 30, ConfigLoader.builtin().storage().maxLayerSize());
    for (var e : Map.of("1048576", 1L << 20, "\"512M\"", 512L << 20, "\"20G\"", 20L << 30, "\"2t\"", 2L << 40, "\"64k\"", 64L << 10).entrySet()) {
      Path f = Files.writeString(tmp.resolve("m.toml"), "[storage]\nmax_layer_size = " + e.getKey() + "\n");
      assertEquals(e.getValue(), ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", f.toString())).storage().maxLayerSize(), e.getKey());
    }
    for (String bad : List.of("0", "-5", "\"\"", "\"lots\"", "\"12X\"", "\"99999999999999T\"", "true")) {
      Path f = Files.writeString(tmp.resolve("m.toml"), "[storage]\nmax_layer_size = " + bad + "\n");
      var x = assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", f.toString())), bad);
      assertTrue(x.getMessage().contains("m.toml") && x.getMessage().contains("storage.max_layer_size"), x.getMessage());
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
  void nestedTenThousandDeep_devZero_fifo_oneLineErrors() throws Exception {
    Path deep = Files.writeString(tmp.resolve("deep.toml"), "[run]\nenv = " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
    var e = assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", deep.toString())));
    assertTrue(e.getMessage().contains("deep.toml"), e.getMessage());
    var z = assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", "/dev/zero")));
    assertEquals("config `/dev/zero`: not a regular file", z.getMessage());
    Path fifo = tmp.resolve("fifo.toml");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    var f = assertThrows(JboxException.class, () -> ConfigLoader.load(Map.of("HOME", "/nonexistent", "JBOX_CONFIG", fifo.toString())));
    assertTrue(f.getMessage().contains("not a regular file"), f.getMessage());
  }
}
