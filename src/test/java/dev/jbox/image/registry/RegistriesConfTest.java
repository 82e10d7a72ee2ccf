package dev.jbox.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistriesConfTest {
  private static final Path SRC = Path.of("/test/registries.conf");

  private static RegistriesConf conf(String toml) {
    return RegistriesConf.parse(toml, SRC);
  }

  @Test
  void resolve_noConfig_fallsBackToDockerHub() {
    RegistriesConf.Resolution r = RegistriesConf.empty().resolve("alpine");
    assertEquals(List.of(ImageRef.parse("docker.io/library/alpine:latest")), r.candidates());
    assertTrue(r.note().contains("docker.io"));
  }

  @Test
  void resolve_fullyQualified_givesItselfWithoutNote() {
    RegistriesConf.Resolution r = conf("unqualified-search-registries = ['quay.io']").resolve("example.com/a/b:1");
    assertEquals(List.of(ImageRef.parse("example.com/a/b:1")), r.candidates());
    assertNull(r.note());
  }

  @Test
  void resolve_alias_usedWithNoteNamingFile() {
    RegistriesConf c = conf("unqualified-search-registries = ['quay.io', 'docker.io']\n"
        + "[aliases]\n\"alpine\" = \"docker.io/library/alpine\"\n\"my/tool\" = \"quay.io/me/tool\"\n");
    RegistriesConf.Resolution r = c.resolve("alpine:3.19");
    assertEquals(List.of(ImageRef.parse("docker.io/library/alpine:3.19")), r.candidates());
    assertEquals("Resolved \"alpine\" as an alias (/test/registries.conf)", r.note());
    assertEquals("quay.io/me/tool:latest", c.resolve("my/tool").candidates().get(0).toString());
  }

  @Test
  void resolve_searchRegistries_inOrder() {
    RegistriesConf c = conf("unqualified-search-registries = ['quay.io', 'docker.io']\nshort-name-mode = 'permissive'");
    List<ImageRef> cands = c.resolve("alpine").candidates();
    assertEquals(List.of(ImageRef.parse("quay.io/alpine:latest"), ImageRef.parse("docker.io/library/alpine:latest")), cands);
  }

  @Test
  void resolve_enforcingAmbiguous_errors_singleCandidateWorks() {
    RegistriesConf amb = conf("unqualified-search-registries = ['quay.io', 'docker.io']\nshort-name-mode = 'enforcing'");
    JboxException e = assertThrows(JboxException.class, () -> amb.resolve("alpine"));
    assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
    RegistriesConf one = conf("unqualified-search-registries = ['docker.io']\nshort-name-mode = 'enforcing'");
    assertEquals(1, one.resolve("alpine").candidates().size());
  }

  @Test
  void resolve_emptySearchList_errors() {
    assertThrows(JboxException.class, () -> conf("unqualified-search-registries = []").resolve("alpine"));
  }

  @Test
  void merge_laterOverrides() {
    RegistriesConf a = conf("unqualified-search-registries = ['quay.io']\n[aliases]\nx = 'quay.io/x'\ny = 'quay.io/y'\n"
        + "[[registry]]\nprefix = 'docker.io'\nlocation = 'one.example.com'\n");
    RegistriesConf b = RegistriesConf.parse("[aliases]\ny = 'docker.io/y'\n[[registry]]\nprefix = 'docker.io'\n"
        + "location = 'two.example.com'\n", Path.of("/later.conf"));
    RegistriesConf m = a.merge(b);
    assertEquals(List.of("quay.io"), m.searchRegistries());
    assertEquals("quay.io/x", m.alias("x"));
    assertEquals("docker.io/y", m.alias("y"));
    assertEquals(1, m.registries().size());
    assertEquals("two.example.com/library/alpine:latest",
        m.endpointFor(ImageRef.parse("docker.io/alpine")).location().ref().toString());
  }

  @Test
  void endpointFor_prefixRewriteAndMirrorsFirst() {
    RegistriesConf c = conf("[[registry]]\nprefix = 'docker.io/library'\nlocation = 'mirror.example.com/hub'\n"
        + "[[registry.mirror]]\nlocation = 'm1.example.com:5000/cache'\ninsecure = true\n"
        + "[[registry.mirror]]\nlocation = 'm2.example.com'\n");
    RegistriesConf.Endpoint e = c.endpointFor(ImageRef.parse("docker.io/library/alpine:3"));
    List<RegistriesConf.Source> s = e.sources();
    assertEquals(3, s.size());
    assertEquals("m1.example.com:5000/cache/alpine:3", s.get(0).ref().toString());
    assertTrue(s.get(0).insecure());
    assertTrue(s.get(0).mirror());
    assertEquals("m2.example.com/alpine:3", s.get(1).ref().toString());
    assertFalse(s.get(1).insecure());
    assertEquals("mirror.example.com/hub/alpine:3", s.get(2).ref().toString());
    assertFalse(s.get(2).mirror());
    // "docker.io/library" must not match "docker.io/libraryx"
    assertEquals("docker.io/libraryx/a:latest",
        c.endpointFor(ImageRef.parse("docker.io/libraryx/a")).location().ref().toString());
  }

  @Test
  void endpointFor_longestPrefixWins_andNoMatchIsItself() {
    RegistriesConf c = conf("[[registry]]\nprefix = 'example.com'\nlocation = 'a.example.net'\n"
        + "[[registry]]\nprefix = 'example.com/team'\nlocation = 'b.example.net/t'\n");
    assertEquals("b.example.net/t/app:latest", c.endpointFor(ImageRef.parse("example.com/team/app")).location().ref().toString());
    assertEquals("a.example.net/other:latest", c.endpointFor(ImageRef.parse("example.com/other")).location().ref().toString());
    ImageRef q = ImageRef.parse("quay.io/x");
    assertEquals(q, c.endpointFor(q).location().ref());
  }

  @Test
  void endpointFor_mirrorByDigestOnly_skipsMirrorsForTags() {
    RegistriesConf c = conf("[[registry]]\nlocation = 'docker.io'\nmirror-by-digest-only = true\n"
        + "[[registry.mirror]]\nlocation = 'm.example.com'\n");
    assertEquals(1, c.endpointFor(ImageRef.parse("docker.io/alpine:3")).sources().size());
    assertEquals(2, c.endpointFor(ImageRef.parse("docker.io/alpine@sha256:" + "a".repeat(64))).sources().size());
  }

  @Test
  void endpointFor_blocked_errorNamesFile() {
    RegistriesConf c = conf("[[registry]]\nlocation = 'evil.example.com'\nblocked = true\n");
    JboxException e = assertThrows(JboxException.class, () -> c.endpointFor(ImageRef.parse("evil.example.com/x")));
    assertEquals("registry evil.example.com is blocked in /test/registries.conf", e.getMessage());
    c.endpointFor(ImageRef.parse("good.example.com/x"));
  }

  @Test
  void endpointFor_insecureAndWildcard() {
    RegistriesConf c = conf("[[registry]]\nlocation = '127.0.0.1:5000'\ninsecure = true\n"
        + "[[registry]]\nprefix = '*.corp.example'\ninsecure = true\n");
    assertTrue(c.endpointFor(ImageRef.parse("127.0.0.1:5000/x")).location().insecure());
    assertTrue(c.isInsecure("127.0.0.1:5000"));
    assertTrue(c.endpointFor(ImageRef.parse("reg.corp.example/x")).location().insecure());
    assertFalse(c.endpointFor(ImageRef.parse("corp.example/x")).location().insecure());
    assertFalse(c.endpointFor(ImageRef.parse("127.0.0.1:5001/x")).location().insecure());
  }

  @Test
  void parse_v1Format_mapped() {
    RegistriesConf c = conf("[registries.search]\nregistries = ['quay.io']\n[registries.insecure]\nregistries = ['r.local:5000']\n"
        + "[registries.block]\nregistries = ['bad.io']\n");
    assertEquals(List.of("quay.io"), c.searchRegistries());
    assertTrue(c.isInsecure("r.local:5000"));
    assertThrows(JboxException.class, () -> c.endpointFor(ImageRef.parse("bad.io/x")));
  }

  @Test
  void parse_invalid_errorsNameSource() {
    assertTrue(assertThrows(JboxException.class, () -> conf("short-name-mode = 'loose'")).getMessage().startsWith("/test/registries.conf"));
    assertThrows(JboxException.class, () -> conf("[aliases]\n'alpine' = 'not a ref'"));
    assertThrows(JboxException.class, () -> conf("[[registry]]\ninsecure = true\n"));
    assertThrows(JboxException.class, () -> conf("this is = = not toml"));
  }

  @Test
  void load_filesInOrder_laterWins(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.conf");
    Path b = dir.resolve("b.conf");
    Files.writeString(a, "unqualified-search-registries = ['quay.io']\n");
    Files.writeString(b, "unqualified-search-registries = ['example.com']\n");
    RegistriesConf c = RegistriesConf.load(List.of(a, dir.resolve("missing.conf"), b));
    assertEquals(List.of("example.com"), c.searchRegistries());
  }

  @Test
  void searchPath_orderAndEnvFileLast() {
    List<Path> p = RegistriesConf.searchPath(Map.of("JBOX_REGISTRIES_CONF", "/t/r.conf", "XDG_CONFIG_HOME", "/x"), "/home/u");
    assertEquals(Path.of("/etc/containers/registries.conf"), p.get(0));
    assertTrue(p.contains(Path.of("/x/containers/registries.conf")));
    assertTrue(p.indexOf(Path.of("/etc/jbox/registries.conf")) < p.indexOf(Path.of("/x/jbox/registries.conf")));
    assertEquals(Path.of("/t/r.conf"), p.get(p.size() - 1));
  }
}
