package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Platform;
import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named and anonymous volumes as podman users expect them: data that outlives its sandbox, the
 * image's content copied up into a new volume, anonymous volumes that go with --rm and rm -v, the
 * volume verbs, and bad input that leaves nothing behind. As the test account, the real helper.
 */
class NamedVolumesTest extends ImageRunFixture {
  static String withVolume;

  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    TestPush p = startRegistry(dir);
    TestImages.push(p, "test/withvolume", "1", List.of(TestImages.busyboxLayer()), "gzip", Platform.host(),
        Map.of("Cmd", List.of("/bin/sh"), "Env", List.of("PATH=/bin"), "Volumes", Map.of("/srv", Map.of())));
    withVolume = reg.host() + "/test/withvolume:1";
  }

  private static long ownUid() {
    return new com.sun.security.auth.module.UnixSystem().getUid();
  }

  /** The entries of storage/volumes (none when it is absent). */
  private static List<String> volumeDirs(Home j) throws Exception {
    Path v = j.storage.resolve("volumes");
    if (!Files.exists(v)) return List.of();
    try (var s = Files.list(v)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void awaitNoVolumes(Home j) throws Exception {
    for (int i = 0; i < 600 && !volumeDirs(j).isEmpty(); i++) Thread.sleep(100);
    assertEquals(List.of(), volumeDirs(j), "the anonymous volume went when the sandbox ended");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> first(String json) {
    return (Map<String, Object>) ((List<Object>) Json.parse(json)).get(0);
  }

  private static void assertOneLine(int code, Home.Run r) {
    assertEquals(code, r.status(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
    assertTrue(r.err().startsWith("jbox: "), r.toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void namedVolume_outlivesItsSandbox_isInUseUntilRemoved_andVolumeRmRemovesItsSubordinateFiles() throws Exception {
    Home j = jbox();
    var w = j.launch("run", "--name", "writer", "--network=none", "-v", "data:/data", busybox, "sh", "-c",
        "echo hi > /data/f; mkdir /data/d; echo x > /data/d/g; chown -R 1000:1000 /data/d");
    assertEquals(0, w.status(), w.toString());
    Path data = j.storage.resolve("volumes/data/_data");
    assertEquals("hi\n", Files.readString(data.resolve("f")));
    long owner = ((Number) Files.getAttribute(data.resolve("d"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    assertNotEquals(ownUid(), owner, "the sandbox's uid 1000 is a subordinate id on the host");

    // inspect shows podman's Mounts shape
    var insp = j.run("inspect", "writer");
    assertEquals(0, insp.status(), insp.toString());
    Map<String, Object> m = (Map<String, Object>) ((List<Object>) first(insp.out()).get("Mounts")).get(0);
    assertEquals("volume", m.get("Type"));
    assertEquals("data", m.get("Name"));
    assertEquals(data.toString(), m.get("Source"));
    assertEquals("/data", m.get("Destination"));
    assertEquals("local", m.get("Driver"));
    assertEquals(true, m.get("RW"));

    // in use by the kept sandbox: refused (podman's exit 2), nothing removed
    var inUse = j.run("volume", "rm", "data");
    assertOneLine(2, inUse);
    assertTrue(inUse.err().contains("writer"), inUse.toString());
    assertTrue(Files.exists(data.resolve("f")));
    var ls = j.run("volume", "ls", "--filter", "dangling=true", "-q");
    assertEquals("", ls.out(), ls.toString());

    // rm of the sandbox (even with -v) keeps a named volume; a second sandbox sees the data
    assertEquals(0, j.run("rm", "-v", "writer").status());
    assertTrue(Files.exists(data.resolve("d/g")));
    var reader = j.launch("run", "--rm", "--network=none", "-v", "data:/mnt:ro", busybox, "sh", "-c",
        "cat /mnt/f /mnt/d/g; stat -c %u /mnt/d/g; (touch /mnt/no) 2>&1 | grep -c Read-only");
    assertEquals(0, reader.status(), reader.toString());
    assertEquals("hi\nx\n1000\n1\n", reader.out());

    var vi = j.run("volume", "inspect", "data");
    assertEquals(0, vi.status(), vi.toString());
    Map<String, Object> v = first(vi.out());
    assertEquals("data", v.get("Name"));
    assertEquals("local", v.get("Driver"));
    assertEquals(data.toString(), v.get("Mountpoint"));
    assertEquals("local", v.get("Scope"));
    assertEquals(Map.of(), v.get("Labels"));
    OffsetDateTime.parse((String) v.get("CreatedAt")); // RFC 3339
    assertEquals("data\n", j.run("volume", "ls", "--filter", "dangling=true", "-q").out());
    assertEquals(0, j.run("volume", "exists", "data").status());

    var rm = j.run("volume", "rm", "data");
    assertEquals(0, rm.status(), rm.toString());
    assertEquals("data\n", rm.out());
    assertEquals(List.of(), volumeDirs(j), "the volume and its subordinate-id files are gone");
    assertEquals(1, j.run("volume", "exists", "data").status());
    assertOneLine(1, j.run("volume", "rm", "data"));
  }

  @Test
  void newVolume_isFilledFromTheImage_unlessNocopy_andOnlyOnce() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", "--network=none", "-v", "cu:/srv", busybox, "sh", "-c",
        "cat /srv/data; stat -c '%u %a' /srv/data; rm /srv/data; echo mine > /srv/own");
    assertEquals(0, r.status(), r.toString());
    assertEquals("shared\n1000 644\n", r.out());
    // the copy happens once: what the first sandbox changed is what the second sees
    var again = j.launch("run", "--rm", "--network=none", "-v", "cu:/srv", busybox, "sh", "-c", "ls /srv");
    assertEquals("own\n", again.out(), again.toString());
    var nc = j.launch("run", "--rm", "--network=none", "-v", "nc:/srv:nocopy", busybox, "sh", "-c", "ls -A /srv");
    assertEquals(0, nc.status(), nc.toString());
    assertEquals("", nc.out());
    // layers merged as overlay merges them: /srv is opaque in the upper layer of `layered`
    var lay = j.launch("run", "--rm", "--network=none", "--mount", "type=volume,source=lay,target=/srv", layered, "sh", "-c", "ls -A /srv");
    assertEquals("new\n", lay.out(), lay.toString());
    assertEquals(0, j.run("volume", "rm", "cu", "nc", "lay").status());
    assertEquals(List.of(), volumeDirs(j));
  }

  @Test
  void anonymousVolumes_goWithRm_andWithRmV_andTheImagesVolumeIsOne() throws Exception {
    Home j = jbox();
    var r = j.launch("run", "--rm", "--network=none", "-v", "/scratch", "--mount", "type=volume,target=/m", busybox, "sh", "-c",
        "echo x > /scratch/x; chown 1000 /scratch/x; echo y > /m/y; grep -cE ' /(scratch|m) ' /proc/self/mountinfo");
    assertEquals(0, r.status(), r.toString());
    assertEquals("2\n", r.out());
    assertEquals(List.of(), volumeDirs(j), "--rm took its anonymous volumes (and their subordinate-id files)");

    var kept = j.launch("run", "--name", "k", "--network=none", "-v", "/scratch", busybox, "sh", "-c", "echo x > /scratch/x");
    assertEquals(0, kept.status(), kept.toString());
    String anon = j.run("volume", "ls", "-q").out().strip();
    assertEquals(64, anon.length(), anon);
    assertEquals("true\n", j.run("volume", "inspect", "--format", "{{.Anonymous}}", anon).out());
    assertEquals(0, j.run("rm", "-v", "k").status());
    assertEquals(List.of(), volumeDirs(j), "rm -v took the anonymous volume");

    // detached --rm, and a created --rm sandbox started later: the cleaner takes the volume when it ends
    var d = j.launch("run", "--rm", "-d", "--network=none", "-v", "/scratch", busybox, "sh", "-c", "echo x > /scratch/x; sleep 0.3");
    assertEquals(0, d.status(), d.toString());
    awaitNoVolumes(j);
    var c = j.launch("create", "--rm", "--name", "c", "--network=none", "-v", "/scratch", busybox, "sh", "-c", "echo x > /scratch/x");
    assertEquals(0, c.status(), c.toString());
    assertEquals(1, volumeDirs(j).size(), volumeDirs(j).toString());
    assertEquals(0, j.launch("start", "c").status());
    awaitNoVolumes(j);

    // the image's VOLUME /srv: a new anonymous volume, filled from the image, gone with --rm
    var iv = j.launch("run", "--rm", "--network=none", withVolume, "sh", "-c", "cat /srv/data; grep -c ' /srv ' /proc/self/mountinfo");
    assertEquals("shared\n1\n", iv.out(), iv.toString());
    assertEquals(List.of(), volumeDirs(j));
  }

  @Test
  void volumeVerbs_createLabelsFiltersFormatPrune() throws Exception {
    Home j = jbox();
    assertEquals("alpha\n", j.run("volume", "create", "--label", "team=x", "alpha").out());
    assertEquals("beta\n", j.run("volume", "create", "beta").out());
    String random = j.run("volume", "create").out().strip();
    assertEquals(64, random.length(), random);
    assertOneLine(125, j.run("volume", "create", "alpha"));
    assertEquals(0, j.run("volume", "create", "--ignore", "alpha").status());
    assertEquals("alpha\n", j.run("volume", "ls", "-q", "--filter", "label=team=x").out());
    assertEquals("alpha\nbeta\n", j.run("volume", "ls", "--format", "{{.Name}}", "--filter", "name=alpha", "--filter", "name=beta").out());
    // ^bet, not ^b: the random volume's 64 hex digits may start with b, never with t
    assertEquals("beta\n", j.run("volume", "ls", "-q", "--filter", "name=^bet").out());
    var table = j.run("volume", "ls");
    assertTrue(table.out().startsWith("DRIVER") && table.out().contains("local") && table.out().contains(" beta\n"), table.out());
    assertEquals("x\n", j.run("volume", "inspect", "--format", "{{.Labels.team}}", "alpha").out());
    // without -f prune asks; no answer (stdin is /dev/null) removes nothing
    var asked = j.run("volume", "prune");
    assertEquals(0, asked.status(), asked.toString());
    assertTrue(asked.err().contains("Are you sure you want to continue? [y/N]"), asked.toString());
    assertEquals(List.of(random, "alpha", "beta").stream().sorted().toList(), volumeDirs(j));
    // beta is in use by a kept sandbox: prune keeps it
    assertEquals(0, j.launch("run", "--name", "user", "--network=none", "-v", "beta:/b", busybox, "sh", "-c", "true").status());
    var prune = j.run("volume", "prune", "-f");
    assertEquals(0, prune.status(), prune.toString());
    assertEquals(List.of(random, "alpha").stream().sorted().toList(), prune.out().lines().sorted().toList(), prune.out());
    assertEquals(List.of("beta"), volumeDirs(j));
    // -f removes the sandboxes that use it first, as podman's
    var force = j.run("volume", "rm", "-f", "beta");
    assertEquals(0, force.status(), force.toString());
    assertEquals("", j.run("ps", "-aq").out());
    assertEquals(List.of(), volumeDirs(j));
  }

  @Test
  void volumeCreateOptions_tmpfsAndBind_psFilterVolumeExitedSince_andSystemDfsVolumesRow() throws Exception {
    Home j = jbox();
    // -o type=tmpfs: a tmpfs of the sandbox's own, with the size and mode given
    assertEquals("tv\n", j.run("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=2m,mode=1777", "tv").out());
    var tr = j.launch("run", "--rm", "--network=none", "-v", "tv:/t", busybox, "sh", "-c",
        "stat -c %a /t; grep ' /t ' /proc/mounts");
    assertEquals(0, tr.status(), tr.toString());
    assertTrue(tr.out().startsWith("1777\ntmpfs /t tmpfs ") && tr.out().contains("size=2048k"), tr.out());
    assertEquals("tmpfs", first(j.run("volume", "inspect", "tv").out()).get("Options") instanceof Map<?, ?> o ? o.get("type") : null);
    assertEquals("tv\n", j.run("volume", "ls", "-q", "--filter", "opt=type=tmpfs", "--filter", "scope=local").out());

    // -o o=bind -o device=DIR: that host directory in place of the volume's own
    Path hd = Files.createDirectories(t.resolve("device"));
    Files.writeString(hd.resolve("hello"), "from the host\n");
    assertEquals(0, j.run("volume", "create", "--opt", "o=bind", "--opt", "device=" + hd, "bv").status());
    var b = j.launch("run", "--name", "vu", "--network=none", "-v", "bv:/b", busybox, "sh", "-c", "cat /b/hello; echo w > /b/w");
    assertEquals(0, b.status(), b.toString());
    assertEquals("from the host\n", b.out());
    assertEquals("w\n", Files.readString(hd.resolve("w")), "written to the host directory");

    // bad options: one line, 125, no volume
    for (List<String> bad : List.of(List.of("-o", "type=ext4", "-o", "device=/dev/vda"), List.of("-o", "o=bind"),
        List.of("-o", "type=tmpfs", "-o", "o=size=lots"), List.of("-o", "color=red"), List.of("-o", "o=bind", "-o", "device=/no/such/dir"))) {
      List<String> args = new java.util.ArrayList<>(List.of("volume", "create"));
      args.addAll(bad);
      args.add("badopt");
      assertOneLine(125, j.run(args.toArray(String[]::new)));
      assertFalse(Files.exists(j.storage.resolve("volumes/badopt")), bad.toString());
    }

    // ps --filter volume= (by name or by where it is mounted), exited=, since=, before=
    assertEquals(3, j.launch("run", "--name", "e3", "--network=none", busybox, "sh", "-c", "exit 3").status());
    assertEquals("vu\n", j.run("ps", "-a", "--filter", "volume=bv", "--format", "{{.Names}}").out());
    assertEquals("vu\n", j.run("ps", "-a", "--filter", "volume=/b", "--format", "{{.Names}}").out());
    assertEquals("", j.run("ps", "-a", "--filter", "volume=tv", "--format", "{{.Names}}").out());
    assertEquals("e3\n", j.run("ps", "--filter", "exited=3", "--format", "{{.Names}}").out());
    assertEquals("e3\n", j.run("ps", "-a", "--filter", "since=vu", "--format", "{{.Names}}").out());
    assertEquals("vu\n", j.run("ps", "-a", "--filter", "before=e3", "--format", "{{.Names}}").out());
    assertOneLine(125, j.run("ps", "-a", "--filter", "since=nosuch"));
    assertOneLine(125, j.run("ps", "-a", "--filter", "exited=x"));

    // system df: the volumes row, podman's columns; sz's 5000 bytes belong to a subordinate id
    assertEquals(0, j.launch("run", "--rm", "--network=none", "-v", "sz:/s", busybox, "sh", "-c",
        "head -c 5000 /dev/zero > /s/f; chown 1000 /s/f").status());
    var df = j.run("system", "df");
    assertEquals(0, df.status(), df.toString());
    List<String> row = df.out().lines().filter(l -> l.startsWith("Local Volumes")).map(l -> List.of(l.split("  +"))).findFirst()
        .orElseThrow(() -> new AssertionError(df.out()));
    assertEquals(List.of("Local Volumes", "3", "1", "5.0 kB", "5.0 kB"), row, "tv, bv (used by vu), sz: " + df.out());
  }

  /** The first subordinate uid of the test account (the sandbox's uid 1 maps to it). */
  private static long subUidStart() throws Exception {
    String user = System.getProperty("user.name");
    for (String l : Files.readAllLines(Path.of("/etc/subuid"))) {
      String[] f = l.split(":");
      if (f.length == 3 && (f[0].equals(user) || f[0].equals(Long.toString(ownUid())))) return Long.parseLong(f[1]);
    }
    throw new AssertionError("no /etc/subuid range for " + user);
  }

  @Test
  void chownU_givesTheTreeToTheSandboxsUser_asItsSubordinateIdOutside() throws Exception {
    Home j = jbox();
    Path host = Files.createDirectories(t.resolve("hostdir/sub"));
    Files.writeString(host.resolve("f"), "mine\n");
    try {
      var r = j.launch("run", "--rm", "--network=none", "-u", "1000:1000", "-v", host.getParent() + ":/h:U",
          "--mount", "type=volume,source=uv,target=/u,U", busybox, "sh", "-c",
          "stat -c '%u %g' /h /h/sub /h/sub/f /u; echo x > /h/sub/new && stat -c %u /h/sub/new");
      assertEquals(0, r.status(), r.toString());
      assertEquals("1000 1000\n1000 1000\n1000 1000\n1000 1000\n1000\n", r.out());
      long expected = subUidStart() + 999; // uid 0 is the caller, 1.. the subordinate range
      for (Path p : List.of(host.getParent(), host, host.resolve("f"), j.storage.resolve("volumes/uv/_data"))) {
        assertEquals(expected, ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue(), p.toString());
      }
      // without U nothing changes owner
      Path plain = Files.createDirectories(t.resolve("plain"));
      var r2 = j.launch("run", "--rm", "--network=none", "-u", "1000:1000", "-v", plain + ":/p", busybox, "sh", "-c", "stat -c %u /p");
      assertEquals("0\n", r2.out(), r2.toString());
      assertEquals(ownUid(), ((Number) Files.getAttribute(plain, "unix:uid")).longValue());
      var bad = j.launch("run", "--rm", "--network=none", "-v", plain + ":/p:U,ro", busybox, "sh", "-c", "true");
      assertOneLine(125, bad);
    } finally {
      Process w = j.builder(StoreWipe.class.getName(), host.getParent().toString()).inheritIO().start();
      assertEquals(0, w.waitFor());
    }
  }

  @Test
  void badInput_oneLine125_nothingCreated() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("pull", busybox).status()); // the runs below say one line, not the pull's progress
    for (List<String> bad : List.of(
        List.of("-v", "bad name:/x"),
        List.of("-v", "_x:/x"),
        List.of("-v", "good:/x:bogus"),
        List.of("-v", "good:relative"),
        List.of("-v", "good:/proc/x"),
        List.of("-v", "/x", "-v", "good:/y:nope"),
        List.of("--mount", "type=volume,source=good,target=/x,bogus=1"),
        List.of("--mount", "type=volume,source=bad!,target=/x"),
        List.of("--mount", "type=volume,source=good,target=/x", "--ulimit", "nonsense=1"))) {
      List<String> args = new java.util.ArrayList<>(List.of("run", "--rm", "--network=none"));
      args.addAll(bad);
      args.addAll(List.of(busybox, "sh", "-c", "true"));
      var r = j.launch(args.toArray(String[]::new));
      assertOneLine(125, r);
      assertEquals(List.of(), volumeDirs(j), bad + ": " + r);
      assertEquals(List.of(), containers(j), bad + ": " + r);
    }
    assertOneLine(125, j.run("volume", "create", "bad/name"));
    assertOneLine(125, j.run("volume", "create", "-l", "=x", "v"));
    assertOneLine(125, j.run("volume", "ls", "--filter", "color=red"));
    assertOneLine(125, j.run("volume", "ls", "--filter", "name=("));
    assertOneLine(1, j.run("volume", "rm", "nosuch"));
    assertEquals(125, j.run("volume", "inspect", "nosuch").status());
    assertEquals(List.of(), volumeDirs(j));
    assertFalse(Files.exists(j.storage.resolve("volumes/v")));
  }
  /**
   * volume inspect's CreatedAt is the creation time in the caller's time zone (TZ), as podman
   * prints it: what `date` prints for the recorded time in that zone, the fraction without its
   * trailing zeros and Z for UTC (ISO_OFFSET_DATE_TIME's form, now written out by hand).
   */
  @Test
  void volumeInspect_createdAtIsTheTimeInTz_asDatePrintsIt() throws Exception {
    Home j = jbox();
    assertEquals(0, j.run("volume", "create", "tz").status());
    long created = ((Number) ((Map<?, ?>) Json.parse(Files.readString(j.storage.resolve("volumes/tz/volume.json")))).get("created")).longValue();
    for (String tz : List.of("UTC", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "Europe/Berlin", "Pacific/Chatham")) {
      ProcessBuilder pb = j.builder("dev.jbox.cli.Main", "volume", "inspect", "-f", "{{.CreatedAt}}", "tz");
      pb.environment().put("TZ", tz);
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Home.Run r = Home.finish(pb.start());
      assertEquals(0, r.status(), r.toString());
      ProcessBuilder date = new ProcessBuilder("date", "-d", "@" + created / 1000 + "." + String.format("%03d", created % 1000),
          "+%Y-%m-%dT%H:%M:%S.%3N%:z");
      date.environment().put("TZ", tz);
      date.redirectErrorStream(true);
      Process d = date.start();
      String want = new String(d.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
      assertEquals(0, d.waitFor());
      int dot = want.indexOf('.');
      String fraction = want.substring(dot + 1, dot + 4).replaceAll("0+$", "");
      String offset = want.substring(dot + 4);
      want = want.substring(0, dot) + (fraction.isEmpty() ? "" : "." + fraction) + (offset.equals("+00:00") ? "Z" : offset);
      assertEquals(want + "\n", r.out(), tz);
    }
    assertEquals(0, j.run("volume", "rm", "tz").status());
  }
}
