package dev.jbox.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The written-out checks of Volumes answer as the regexes they replaced (see dev.jbox.Text). */
class VolumeChecksTest {
  @Test
  void sizeAndMode_areTheirRegexes() {
    Random rnd = new Random(9);
    String alphabet = "0179kMg%x";
    for (int i = 0; i < 100_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = rnd.nextInt(6); k > 0; k--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      String s = b.toString();
      assertEquals(s.matches("\\d+[kKmMgG%]?"), Volumes.isSize(s), s);
      assertEquals(s.matches("[0-7]{3,4}"), Volumes.isMode(s), s);
    }
  }

  @Test
  void publishAddress_isItsRegex() {
    Random rnd = new Random(10);
    String alphabet = "19.af:[]gx";
    for (int i = 0; i < 100_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = rnd.nextInt(7); k > 0; k--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      String s = b.toString();
      assertEquals(s.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?"), Network.Port.isAddress(s), s);
    }
  }

  @Test
  void targets_collapseRepeatedSlashes_andDropATrailingOne() {
    for (String[] c : List.of(new String[] {"/a//b///c/", "/a/b/c"}, new String[] {"//x", "/x"}, new String[] {"/y", "/y"})) {
      assertEquals(c[1], Volumes.tmpfs(c[0]).target(), c[0]);
    }
  }

  @Test
  void clean_isLexicalLikeFilepathClean() {
    assertEquals("/proc", Volumes.clean("//proc"));
    assertEquals("/proc/sys", Volumes.clean("/x/../proc/./sys/"));
    assertEquals("/", Volumes.clean("/../.."));
    assertEquals("/a/c", Volumes.clean("/a/b/../c//"));
  }

  @Test
  void kernelFs_procAndSysAndBelow_notTheirNamesakes() {
    for (String p : List.of("/proc", "/proc/sys/kernel", "/sys", "/sys/fs/cgroup")) assertEquals(true, Volumes.isKernelFs(p), p);
    for (String p : List.of("/procfs", "/system", "/srv/proc", "/", "/data/sys")) assertEquals(false, Volumes.isKernelFs(p), p);
  }

  @Test
  void volumeName_isPodmansRegex() {
    Random rnd = new Random(11);
    String alphabet = "aZ09_.-/ :!";
    for (int i = 0; i < 100_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = rnd.nextInt(6); k > 0; k--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      String s = b.toString();
      assertEquals(s.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*"), Volumes.isName(s), s);
    }
  }

  @Test
  void volumeSpecs_hostPathsStartWithSlashOrDot_elseANameOrAnAnonymousVolume() {
    assertEquals(new Volumes.VolumeSpec("data", "/d", List.of("ro")), Volumes.parseVolume("data:/d:ro"));
    assertEquals(new Volumes.VolumeSpec(null, "/scratch", List.of()), Volumes.parseVolume("/scratch/"));
    assertEquals(false, Volumes.parseVolume("./rel:/d").isVolume());
    assertEquals(false, Volumes.parseVolume("/abs:/d:O,upperdir=/u,workdir=/w").isVolume());
    assertEquals(true, Volumes.parseVolume("v:/d:U").chown());
    assertEquals(true, Volumes.parseVolume("v:/d:nocopy").noCopy());
    for (String bad : List.of("rel", "v:/d:bogus", "v:/d:O", "/h:/d:nocopy", "/h:/d:U,ro", "/h:/d:upperdir=/u,workdir=/w",
        "/h:/d:O,upperdir=/u", "_v:/d", "v:d", "v:/proc/x", "a:b:c:d")) {
      org.junit.jupiter.api.Assertions.assertThrows(dev.jbox.JboxException.class, () -> Volumes.parseVolume(bad), bad);
    }
    Volumes.MountSpec m = Volumes.parseMount("type=volume,target=/m,volume-nocopy,U");
    assertEquals(null, m.source());
    assertEquals(true, m.noCopy() && m.chown());
    for (String bad : List.of("type=volume,source=bad!,target=/m", "type=bind,source=/h,target=/m,volume-nocopy",
        "type=tmpfs,target=/t,U", "type=volume,source=v,target=/m,readonly,U", "type=overlay,target=/m")) {
      org.junit.jupiter.api.Assertions.assertThrows(dev.jbox.JboxException.class, () -> Volumes.parseMount(bad), bad);
    }
  }
}
