package dev.jbox.image.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerIdsTest {
  // /proc/self/uid_map pads its columns
  private static final String PROC = "         0       1001          1\n         1     100000      65536\n";

  @Test
  void procMapText_isNormalisedToOneLineOfRanges() {
    assertEquals("0 1001 1,1 100000 65536", LayerIds.normalize(PROC));
    assertNull(LayerIds.normalize("  \n"));
    assertNull(LayerIds.normalize(null));
  }

  @Test
  void sameMaps_match_otherUidOrGidMaps_areNamed() {
    LayerIds now = LayerIds.of(PROC, PROC);
    assertNull(now.mismatch(Map.of("uidMap", PROC, "gidMap", PROC)));
    assertEquals("uid map 0 1001 1,1 200000 65536, now 0 1001 1,1 100000 65536",
        now.mismatch(Map.of("uidMap", "0 1001 1\n1 200000 65536", "gidMap", PROC)));
    assertEquals("gid map 0 1001 1, now 0 1001 1,1 100000 65536",
        now.mismatch(Map.of("uidMap", PROC, "gidMap", "0 1001 1")));
  }

  @Test
  void aLayerWithoutRecordedMaps_orARootCaller_isNeverStale() {
    assertNull(LayerIds.of(PROC, PROC).mismatch(Map.of()));
    assertNull(LayerIds.of(null, null).mismatch(Map.of("uidMap", "0 1001 1", "gidMap", "0 1001 1")));
  }
}
