package dev.jbox.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short-name resolution by mode, terminal, search registries and aliases; the prompt; recording. */
class ShortNameResolutionTest {
  @TempDir Path dir;

  /** A terminal whose user always picks the last candidate; counts the questions. */
  static final class PickLast implements RegistriesConf.Prompter {
    final List<List<ImageRef>> asked = new ArrayList<>();

    @Override
    public ImageRef choose(String shortName, List<ImageRef> candidates) {
      asked.add(candidates);
      return candidates.get(candidates.size() - 1);
    }
  }

  private static final ImageRef QUAY = ImageRef.parse("quay.io/alpine:3.20");
  private static final ImageRef HUB = ImageRef.parse("docker.io/library/alpine:3.20");
  private static final ImageRef ALIASED = ImageRef.parse("example.com/mirror/alpine:3.20");

  @Test
  void resolve_everyModeTerminalRegistryCountAndAlias() {
    for (String mode : new String[] {null, "enforcing", "permissive", "disabled"}) {
      for (boolean tty : new boolean[] {false, true}) {
        for (int registries : new int[] {1, 2}) {
          for (boolean alias : new boolean[] {false, true}) {
            String toml = "unqualified-search-registries = " + (registries == 1 ? "['quay.io']" : "['quay.io', 'docker.io']")
                + "\n" + (mode == null ? "" : "short-name-mode = '" + mode + "'\n")
                + (alias ? "[aliases]\n\"alpine\" = 'example.com/mirror/alpine'\n" : "");
            String what = "mode=" + mode + " tty=" + tty + " registries=" + registries + " alias=" + alias;
            RegistriesConf c = RegistriesConf.parse(toml, Path.of("/test.conf"));
            PickLast p = new PickLast();
            RegistriesConf.Prompter prompter = tty ? p : null;
            if (alias) {
              RegistriesConf.Resolution r = c.resolve("alpine:3.20", prompter);
              assertEquals(List.of(ALIASED), r.candidates(), what);
              assertNull(r.recordAs(), what);
            } else if (registries == 1) {
              RegistriesConf.Resolution r = c.resolve("alpine:3.20", prompter);
              assertEquals(List.of(QUAY), r.candidates(), what);
              assertNull(r.recordAs(), what);
            } else if ("disabled".equals(mode)) {
              assertEquals(List.of(QUAY, HUB), c.resolve("alpine:3.20", prompter).candidates(), what);
            } else if (tty) {
              RegistriesConf.Resolution r = c.resolve("alpine:3.20", prompter);
              assertEquals(List.of(HUB), r.candidates(), what);
              assertEquals("alpine", r.recordAs(), what);
              assertEquals(List.of(List.of(QUAY, HUB)), p.asked, what);
            } else if ("enforcing".equals(mode)) {
              JboxException e = assertThrows(JboxException.class, () -> c.resolve("alpine:3.20", null), what);
              assertTrue(e.getMessage().contains("short-name resolution enforced but cannot prompt without a TTY"),
                  e.getMessage());
              assertTrue(e.getMessage().contains("quay.io/alpine:3.20, docker.io/library/alpine:3.20"), e.getMessage());
            } else {
              assertEquals(List.of(QUAY, HUB), c.resolve("alpine:3.20", null).candidates(), what + " (permissive)");
            }
            if (!tty || alias || registries == 1 || "disabled".equals(mode)) {
              assertTrue(p.asked.isEmpty(), what + ": no question");
            }
          }
        }
      }
    }
  }

  @Test
  void prompt_listsCandidates_readsNumber_asksAgainOnBadAnswer() {
    StringWriter screen = new StringWriter();
    ShortNamePrompt p = new ShortNamePrompt(new BufferedReader(new StringReader("x\n3\n 2 \n")), new PrintWriter(screen));
    assertEquals(HUB, p.choose("alpine", List.of(QUAY, HUB)));
    assertEquals("? Please select an image:\n  1. quay.io/alpine:3.20\n  2. docker.io/library/alpine:3.20\n"
        + "Enter a number (1-2): \"x\" is not a number from 1 to 2\n"
        + "Enter a number (1-2): \"3\" is not a number from 1 to 2\n"
        + "Enter a number (1-2): ", screen.toString());
  }

  @Test
  void prompt_endOfInput_isAnError() {
    ShortNamePrompt p = new ShortNamePrompt(new BufferedReader(new StringReader("")), new PrintWriter(new StringWriter()));
    JboxException e = assertThrows(JboxException.class, () -> p.choose("alpine", List.of(QUAY, HUB)));
    assertEquals("short name \"alpine\": no image selected", e.getMessage());
  }

  @Test
  void record_newFile0644_thenKeepsOthersAndReplacesSameName() throws Exception {
    Path f = dir.resolve("config/jbox/short-name-aliases.conf");
    ShortNameAliases.record(f, "alpine", HUB);
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    ShortNameAliases.record(f, "my/tool", ImageRef.parse("quay.io/me/tool@sha256:" + "a".repeat(64)));
    ShortNameAliases.record(f, "alpine", QUAY);
    RegistriesConf c = RegistriesConf.empty().withRecordedAliases(List.of(f));
    assertEquals("quay.io/alpine", c.alias("alpine"), "name only, no tag; the newer choice replaces");
    assertEquals("quay.io/me/tool", c.alias("my/tool"));
    try (var s = Files.list(f.getParent())) {
      assertEquals(List.of("short-name-aliases.conf", "short-name-aliases.conf.lock"),
          s.map(x -> x.getFileName().toString()).sorted().toList(), "no temporary file left");
    }
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
  }

  @Test
  void record_existingHandWrittenFile_aliasesKept() throws Exception {
    Path f = dir.resolve("short-name-aliases.conf");
    Files.writeString(f, "[aliases]\n  \"fedora\" = \"registry.fedoraproject.org/fedora\"\n");
    ShortNameAliases.record(f, "alpine", HUB);
    RegistriesConf c = RegistriesConf.empty().withRecordedAliases(List.of(f));
    assertEquals("registry.fedoraproject.org/fedora", c.alias("fedora"));
    assertEquals("docker.io/library/alpine", c.alias("alpine"));
  }

  @Test
  void recordedAliases_winOverRegistriesConf_laterRecordedFileWins() throws Exception {
    Path podman = dir.resolve("podman.conf");
    Path jbox = dir.resolve("jbox.conf");
    Files.writeString(podman, "[aliases]\n\"alpine\" = \"quay.io/alpine\"\n\"busybox\" = \"quay.io/busybox\"\n");
    ShortNameAliases.record(jbox, "alpine", HUB);
    RegistriesConf c = RegistriesConf.parse("unqualified-search-registries = ['quay.io', 'docker.io']\n"
        + "[aliases]\n\"alpine\" = \"example.com/alpine\"\n\"busybox\" = \"example.com/busybox\"\n", Path.of("/r.conf"))
        .withRecordedAliases(List.of(podman, jbox, dir.resolve("missing.conf")));
    RegistriesConf.Resolution r = c.resolve("alpine", null);
    assertEquals(List.of(ImageRef.parse("docker.io/library/alpine:latest")), r.candidates());
    assertEquals("Resolved \"alpine\" as an alias (" + jbox + ")", r.note());
    assertEquals("quay.io/busybox", c.alias("busybox"));
    assertEquals(List.of("quay.io", "docker.io"), c.searchRegistries(), "recorded files only bring aliases");
  }

  @Test
  void aliasFiles_podmansCacheThenJboxsConfig() {
    Map<String, String> env = Map.of("XDG_CONFIG_HOME", "/c", "XDG_CACHE_HOME", "/k");
    assertEquals(List.of(Path.of("/k/containers/short-name-aliases.conf"), Path.of("/c/jbox/short-name-aliases.conf")),
        ShortNameAliases.readFiles(env, "/h", false));
    assertEquals(List.of(Path.of("/h/.cache/containers/short-name-aliases.conf"),
        Path.of("/h/.config/jbox/short-name-aliases.conf")), ShortNameAliases.readFiles(Map.of(), "/h", false));
    assertEquals(Path.of("/var/cache/containers/short-name-aliases.conf"),
        ShortNameAliases.readFiles(Map.of(), "/root", true).get(0));
    assertFalse(ShortNameAliases.readFiles(Map.of(), "/root", true).contains(Path.of("/h")));
  }
}
