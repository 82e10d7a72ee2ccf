package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands a podman user types that jbox lacked (issue 14): {@code version}, {@code info},
 * {@code help CMD}, and {@code inspect} of an image or a volume; and volume rm of a tree the
 * sandbox wrote (links, subordinate-id directories). Through the real launcher, as the test
 * account, in a home of its own.
 */
class CliInfoTest extends ImageRunFixture {
  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  private static void assertOneLine(int code, Home.Run r) {
    assertEquals(code, r.status(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
    assertTrue(r.err().startsWith("jbox: "), r.toString());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  private static long ownUid() {
    return new com.sun.security.auth.module.UnixSystem().getUid();
  }

  /** The test account's first /etc/subuid (or subgid) range: start and count. */
  private static long[] subRange(String file) throws Exception {
    String user = System.getProperty("user.name");
    for (String l : Files.readAllLines(Path.of(file))) {
      String[] f = l.split(":");
      if (f.length == 3 && (f[0].equals(user) || f[0].equals(Long.toString(ownUid())))) {
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
      }
    }
    throw new AssertionError("no " + file + " range for " + user);
  }

  @Test
  void version_printsJboxJavaHelperAndArch_asTextJsonAndTemplate() throws Exception {
    Home j = jbox();
    var v = j.launch("version");
    assertEquals(0, v.status(), v.toString());
    var json = j.launch("version", "--format", "json");
    assertEquals(0, json.status(), json.toString());
    Map<String, Object> c = map(Json.parseObject(json.out()).get("Client"));
    String own = j.launch("--version").out().trim(); // "jbox VERSION", from the build's text
    assertEquals("jbox " + c.get("Version"), own);
    assertEquals(Home.helper().toString(), c.get("Helper"));
    String arch = System.getProperty("os.arch").equals("aarch64") ? "arm64" : System.getProperty("os.arch");
    assertEquals("linux/" + arch, c.get("OsArch"));
    assertTrue(((String) c.get("JavaVersion")).matches("[0-9][0-9.]*.*"), c.toString());
    assertEquals(List.of("Client:        jbox", "Version:       " + c.get("Version"), "Java Version:  " + c.get("JavaVersion"),
        "Java VM:       " + c.get("JavaVM"), "Helper:        " + c.get("Helper"), "OS/Arch:       " + c.get("OsArch")),
        v.out().lines().toList());
    assertEquals(c.get("Version") + "\n", j.launch("version", "-f", "{{.Client.Version}}").out());
    assertOneLine(125, j.launch("version", "--format", "{{.Client.Nosuch}}"));
    assertOneLine(125, j.launch("version", "extra"));
  }

  @Test
  void info_reportsTheStoreIdMapsAndCounts_andCreatesNothing() throws Exception {
    Home j = jbox();
    var fresh = j.launch("info", "--format", "json");
    assertEquals(0, fresh.status(), fresh.toString());
    assertFalse(Files.exists(j.storage), "info made the store");
    Map<String, Object> info = Json.parseObject(fresh.out());
    Map<String, Object> host = map(info.get("host"));
    Map<String, Object> store = map(info.get("store"));
    assertEquals(j.storage.toString(), store.get("graphRoot"));
    assertEquals(j.home.resolve("run/jbox").toString(), store.get("runRoot"));
    assertEquals(j.storage.resolve("volumes").toString(), store.get("volumePath"));
    assertEquals("overlay", store.get("graphDriverName"));
    assertEquals(0L, map(store.get("imageStore")).get("number"));
    assertEquals(0L, map(store.get("containerStore")).get("number"));
    assertEquals(0L, map(store.get("volumeStore")).get("number"));
    // the maps run writes: the caller's own id as root, then the subordinate range
    long[] subuid = subRange("/etc/subuid");
    long[] subgid = subRange("/etc/subgid");
    Map<String, Object> maps = map(host.get("idMappings"));
    assertEquals(List.of(Map.of("container_id", 0L, "host_id", ownUid(), "size", 1L),
        Map.of("container_id", 1L, "host_id", subuid[0], "size", subuid[1])), maps.get("uidmap"));
    assertEquals(1L, map(list(maps.get("gidmap")).get(1)).get("container_id"));
    assertEquals(subgid[0], map(list(maps.get("gidmap")).get(1)).get("host_id"));
    assertEquals(true, map(host.get("security")).get("rootless"));
    assertEquals(Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "v2" : "v1", host.get("cgroupVersion"));
    assertEquals(System.getProperty("os.version"), host.get("kernel"));
    String pasta = (String) map(host.get("pasta")).get("executable");
    if (!pasta.isEmpty()) assertEquals("pasta", host.get("networkBackend"), "what --network=auto picks");
    assertEquals(Home.helper().toString(), host.get("helper"));
    assertEquals(j.launch("version", "--format", "json").out().trim(), Json.pretty(Map.of("Client", info.get("version"))));

    // an image, a kept sandbox that exited, a running one and a volume are counted
    assertEquals(0, j.run("pull", "-q", busybox).status());
    assertEquals(0, j.launch("run", "--name", "ended", "--network=none", busybox, "sh", "-c", "true").status());
    assertEquals(0, j.launch("volume", "create", "counted").status());
    var up = j.launch("run", "-d", "--name", "up", "--network=none", busybox, "sh", "-c", "sleep 300");
    assertEquals(0, up.status(), up.toString());
    try {
      var after = j.launch("info", "--format", "json");
      assertEquals(0, after.status(), after.toString());
      Map<String, Object> s2 = map(Json.parseObject(after.out()).get("store"));
      assertEquals(1L, map(s2.get("imageStore")).get("number"));
      assertEquals(Map.of("number", 2L, "running", 1L, "stopped", 1L, "created", 0L), s2.get("containerStore"));
      assertEquals(1L, map(s2.get("volumeStore")).get("number"));
      // podman's default layout (YAML) and its Go field names in a template
      var yaml = j.launch("info");
      assertEquals(0, yaml.status(), yaml.toString());
      assertTrue(yaml.out().startsWith("host:\n  arch: "), yaml.out());
      assertTrue(yaml.out().contains("\nstore:\n") && yaml.out().contains("\n  graphRoot: " + j.storage + "\n"), yaml.out());
      assertTrue(yaml.out().contains("\n    uidmap:\n    - container_id: 0\n      host_id: " + ownUid() + "\n      size: 1\n"), yaml.out());
      assertEquals(j.storage + " 2\n", j.launch("info", "-f", "{{.Store.GraphRoot}} {{.store.containerStore.number}}").out());
    } finally {
      j.launch("rm", "-f", "up");
    }
    assertOneLine(125, j.launch("info", "--format", "{{.Nosuch}}"));
  }

  @Test
  void help_isTheCommandsOwnHelp_fromTheLauncherAndTheJvm() throws Exception {
    Home j = jbox();
    for (List<String> cmd : List.of(List.<String>of(), List.of("ps"), List.of("run"), List.of("volume", "ls"), List.of("info"),
        List.of("help"))) {
      List<String> help = new ArrayList<>(List.of("help"));
      help.addAll(cmd);
      List<String> dashed = new ArrayList<>(cmd);
      dashed.add("--help");
      var want = j.launch(dashed.toArray(String[]::new));
      assertEquals(0, want.status(), want.toString());
      assertTrue(want.out().startsWith("Usage: jbox"), want.toString());
      var launcher = j.launch(help.toArray(String[]::new));
      assertEquals(want, launcher, "jbox " + help);
      var jvm = j.run(help.toArray(String[]::new)); // dev.jbox.cli.Main, no launcher text
      assertEquals(want, jvm, "jbox " + help + " through the JVM");
    }
    assertOneLine(125, j.launch("help", "nosuch"));
    assertTrue(j.launch("help", "nosuch").err().contains("unknown command `nosuch`"));
  }

  @Test
  void inspect_fallsBackToAnImageThenAVolume_andTypePicksOne() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", "-q", busybox).status());
    assertEquals(0, j.launch("volume", "create", "vol1").status());
    assertEquals(0, j.launch("run", "--name", "sb", "--network=none", busybox, "sh", "-c", "true").status());
    // a volume named as the sandbox: the sandbox comes first, as podman's container does
    assertEquals(0, j.launch("volume", "create", "sb").status());

    var image = j.launch("inspect", busybox);
    assertEquals(0, image.status(), image.toString());
    var imageInspect = j.launch("image", "inspect", busybox);
    assertEquals(imageInspect.out(), image.out(), "inspect IMAGE is image inspect IMAGE");
    var vol = j.launch("inspect", "vol1");
    assertEquals(0, vol.status(), vol.toString());
    assertEquals(j.launch("volume", "inspect", "vol1").out(), vol.out(), "inspect VOLUME is volume inspect VOLUME");
    var both = j.launch("inspect", "-f", "{{.Name}}", "sb", "vol1");
    assertEquals("sb\nvol1\n", both.out(), both.toString());
    var sb = j.launch("inspect", "--format", "{{.State.Status}}", "sb");
    assertEquals("exited\n", sb.out(), sb.toString());
    assertEquals(j.storage.resolve("volumes/sb/_data") + "\n", j.launch("inspect", "--type", "volume", "-f", "{{.Mountpoint}}", "sb").out());
    String id = (String) map(list(Json.parse(imageInspect.out())).get(0)).get("Id");
    assertEquals(id + "\n", j.launch("inspect", "-t", "image", "-f", "{{.Id}}", busybox).out());

    // one kind only, and a name none of them has: one line, 125
    assertOneLine(125, j.launch("inspect", "--type", "image", "vol1"));
    assertOneLine(125, j.launch("inspect", "--type", "volume", busybox));
    var notSandbox = j.launch("inspect", "--type", "container", "vol1");
    assertOneLine(125, notSandbox);
    assertTrue(notSandbox.err().contains("no such sandbox"), notSandbox.toString());
    var none = j.launch("inspect", "nosuch");
    assertOneLine(125, none);
    assertTrue(none.err().contains("`nosuch`"), none.toString());
    assertEquals("", none.out());
    var mixed = j.launch("inspect", "vol1", "nosuch");
    assertOneLine(125, mixed);
    assertEquals("", mixed.out(), "nothing printed when a name is unknown");
    assertOneLine(125, j.launch("inspect", "--type", "network", "vol1"));
  }

  @Test
  void volumeRm_removesLinksNotTheirTargets_andSubordinateDirectories_andDfCountsBoth() throws Exception {
    Home j = jbox();
    Path victim = Files.createDirectories(t.resolve("victim"));
    Files.writeString(victim.resolve("keep"), "host file\n");
    // a link to a host directory, a subordinate-id directory nobody else may read, a file of ours
    var w = j.launch("run", "--rm", "--network=none", "-v", "tree:/v", busybox, "sh", "-c",
        "ln -s " + victim + " /v/link; ln -s " + victim.resolve("keep") + " /v/filelink; mkdir /v/sub /v/own; "
            + "head -c 3000 /dev/zero > /v/sub/f; chown -R 1000:1000 /v/sub; chmod 700 /v/sub; head -c 2000 /dev/zero > /v/own/g");
    assertEquals(0, w.status(), w.toString());
    // readable only in the user namespace: df asks its worker, and counts 5000 bytes
    var df = j.launch("system", "df");
    assertEquals(0, df.status(), df.toString());
    assertTrue(df.out().lines().anyMatch(l -> l.matches("Local Volumes +1 +0 +5\\.0 kB +5\\.0 kB")), df.out());
    var rm = j.launch("volume", "rm", "tree");
    assertEquals(0, rm.status(), rm.toString());
    assertEquals("tree\n", rm.out());
    try (var s = Files.list(j.storage.resolve("volumes"))) {
      assertEquals(List.of(), s.toList(), "the volume, its subordinate files and its links are gone");
    }
    assertEquals("host file\n", Files.readString(victim.resolve("keep")), "what the links named is untouched");

    // a tree jbox itself may read and delete: the same answers without the worker
    var w2 = j.launch("run", "--rm", "--network=none", "-v", "mine:/v", busybox, "sh", "-c",
        "mkdir -p /v/a/b; head -c 1500 /dev/zero > /v/a/b/f; ln -s " + victim + " /v/a/link");
    assertEquals(0, w2.status(), w2.toString());
    var df2 = j.launch("system", "df");
    assertTrue(df2.out().lines().anyMatch(l -> l.matches("Local Volumes +1 +0 +1\\.5 kB +1\\.5 kB")), df2.out());
    assertEquals("mine\n", j.launch("volume", "rm", "mine").out());
    try (var s = Files.list(j.storage.resolve("volumes"))) {
      assertEquals(List.of(), s.toList());
    }
    assertEquals("host file\n", Files.readString(victim.resolve("keep")));
  }
}
