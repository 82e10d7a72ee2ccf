package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbox.JboxException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** podman's --detach-keys syntax as AttachPlan parses it. */
class AttachPlanTest {
  @Test
  void parseKeys_ctrlLettersPunctuationAndSingleCharacters() {
    assertEquals(List.of(16, 17), AttachPlan.parseKeys("ctrl-p,ctrl-q"));
    assertEquals(List.of(0, 27, 28, 29, 30, 31), AttachPlan.parseKeys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"));
    assertEquals(List.of(1, (int) 'x'), AttachPlan.parseKeys("CTRL-A,x"));
    assertEquals(List.of(), AttachPlan.parseKeys(""));
  }

  @Test
  void parseKeys_refusesWordsEmptyKeysAndDigitsAfterCtrl() {
    for (String bad : List.of("ctrl-", "ctrl-1", "ctrl-p,", "abc", "ctrl-p,,ctrl-q", " ")) {
      assertThrows(JboxException.class, () -> AttachPlan.parseKeys(bad), bad);
    }
  }
}
