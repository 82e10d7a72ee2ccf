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
}
