package dev.jbox.sandbox.idmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdMapsTest {
  static final IdMaps.Caller ALICE = new IdMaps.Caller("alice", 1000, 1000,
      List.of(new SubIds.Range(100000, 65536)), List.of(new SubIds.Range(100000, 65536)), true);

  @Test
  void subIds_byNameOrUid_skipsOthersAndComments() {
    var r = SubIds.parse(List.of("# c", "bob:1:2", "alice:100000:65536", "1000:200000:10", "alice:bad:1"), "alice", 1000);
    assertEquals(List.of(new SubIds.Range(100000, 65536), new SubIds.Range(200000, 10)), r);
  }

  @Test
  void keepId_ownIdToItself_subordinatesAround() {
    IdMap m = IdMaps.keepId(ALICE, 1000, 1000);
    assertEquals(List.of(new IdRange(0, 100000, 1000), new IdRange(1000, 1000, 1), new IdRange(1001, 101000, 64536)), m.uids());
    assertEquals(m.uids(), m.gids());
    IdMap zero = IdMaps.keepId(ALICE, 0, 5);
    assertEquals(List.of(new IdRange(0, 1000, 1), new IdRange(1, 100000, 65536)), zero.uids());
    assertEquals(new IdRange(5, 1000, 1), zero.gids().get(1));
    var noSub = new IdMaps.Caller("bob", 1000, 1000, List.of(), List.of(), true);
    assertThrows(JboxException.class, () -> IdMaps.keepId(noSub, 1000, 1000));
  }

  @Test
  void build_withSubIds_ownIdToRootRangeFromOne() {
    IdMap m = IdMaps.build(ALICE, List.of(), List.of());
    assertEquals(List.of(new IdRange(0, 1000, 1), new IdRange(1, 100000, 65536)), m.uids());
    assertEquals(IdMap.Tool.NEWIDMAP, m.tool());
    assertNull(m.warning());
  }

  @Test
  void build_withoutSubIds_singleIdDirectWithActionableWarning() {
    var c = new IdMaps.Caller("bob", 1001, 1001, List.of(), List.of(), true);
    IdMap m = IdMaps.build(c, List.of(), List.of());
    assertEquals(List.of(new IdRange(0, 1001, 1)), m.uids());
    assertEquals(IdMap.Tool.DIRECT, m.tool());
    assertTrue(m.warning().contains("usermod --add-subuids") && m.warning().contains("bob"), m.warning());
  }

  @Test
  void build_withoutNewuidmap_warnsToInstallUidmap() {
    var c = new IdMaps.Caller("alice", 1000, 1000, ALICE.subuids(), ALICE.subgids(), false);
    IdMap m = IdMaps.build(c, List.of(), List.of());
    assertEquals(IdMap.Tool.DIRECT, m.tool());
    assertTrue(m.warning().contains("uidmap package"), m.warning());
  }

  @Test
  void uidmap_podmanSyntax_translatesAcrossIntermediateRanges() {
    IdMap m = IdMaps.build(ALICE, List.of("0:1:1000", "1000:0:1"), List.of("0:0:1"));
    assertEquals(List.of(new IdRange(0, 100000, 1000), new IdRange(1000, 1000, 1)), m.uids());
    IdMap split = IdMaps.build(ALICE, List.of("0:0:3"), List.of("0:0:1"));
    assertEquals(List.of(new IdRange(0, 1000, 1), new IdRange(1, 100000, 2)), split.uids());
  }

  @Test
  void uidmap_beyondRangeOrMalformed_isOneLineError() {
    var e = assertThrows(JboxException.class, () -> IdMaps.build(ALICE, List.of("0:1:70000"), List.of()));
    assertTrue(e.getMessage().contains("outside your 65537 ids"), e.getMessage());
    assertThrows(JboxException.class, () -> IdMaps.build(ALICE, List.of("a:b:c"), List.of()));
    assertThrows(JboxException.class, () -> IdMaps.build(ALICE, List.of("0:0:0"), List.of()));
    var overlap = assertThrows(JboxException.class, () -> IdMaps.build(ALICE, List.of("0:1:100", "500:50:1"), List.of()));
    assertTrue(overlap.getMessage().contains("overlap on the host"), overlap.getMessage());
  }
}
