package dev.jbox.image.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The deferred owners list a user's pull hands to {@code jbox-helper owners}. */
class OwnerListTest {
  private static String text(OwnerList l) {
    return new String(l.encode(), StandardCharsets.UTF_8).replace('\0', '|');
  }

  @Test
  void encode_recordsAsTheHelperReadsThem_rootAsDot_symlinkWithoutMode() {
    OwnerList l = new OwnerList(65537, 65537);
    l.set("", 0, 5, 0755);
    l.set("usr/bin/chage", 0, 42, 02755);
    l.set("lnk", 7, 7, -1);
    l.set("café ☕", 1000, 1000, 0600);
    l.set("rootowned", 0, 0, 0644);
    assertEquals("0 5 755 .|1000 1000 600 café ☕|7 7 - lnk|0 42 2755 usr/bin/chage|", text(l));
    assertEquals(4, l.size());
  }

  @Test
  void aPathSetBackToRoot_orRemoved_listsNothing_aRemovedDirectoryTakesItsTree() {
    OwnerList l = new OwnerList(10, 10);
    l.set("a", 1, 1, 0644);
    l.set("a", 0, 0, 0644);
    l.set("d", 1, 1, 0755);
    l.set("d/x", 1, 1, 0644);
    l.set("d/y/z", 1, 1, 0644);
    l.set("d.other", 2, 2, 0644);
    l.set("d0", 2, 2, 0644);
    l.forget("d");
    assertEquals("2 2 644 d.other|2 2 644 d0|", text(l));
  }

  @Test
  void aHardLinkTakesItsTargetsOwner_andKeepsItWhenTheTargetPathIsReplaced() {
    OwnerList l = new OwnerList(10, 10);
    l.set("orig", 3, 4, 0640);
    l.link("link", "orig");
    l.link("link2", "rootfile");
    l.forget("orig");
    assertEquals("3 4 640 link|", text(l));
  }
}
