package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** PicoMain finds the named subcommand by its table of names, not by parsing every annotation. */
class PicoMainTest {
  @Test
  void theNameTable_isTheAnnotations_inOrder() {
    List<String> annotated = new ArrayList<>();
    for (Class<?> c : PicoMain.SUBCOMMANDS) {
      Command a = c.getAnnotation(Command.class);
      assertEquals(0, a.aliases().length, c + ": an alias (add it to PicoMain.named)");
      annotated.add(a.name());
    }
    assertEquals(annotated, PicoMain.NAMES);
    for (Class<?> c : PicoMain.SUBCOMMANDS) assertEquals(c, PicoMain.named(c.getAnnotation(Command.class).name()));
    assertEquals(null, PicoMain.named("nosuch"));
    assertEquals(null, PicoMain.named("-h"));
  }
}
