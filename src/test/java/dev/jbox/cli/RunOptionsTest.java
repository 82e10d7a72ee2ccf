package dev.jbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import dev.jbox.it.Jbox;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunOptionsTest {
  @Test
  void parse_bundledShortsValuesRepeatsAndCommand() {
    RunOptions o = RunOptions.parse(new String[] {"-it", "-e", "A=1", "-eB=2", "--env=C=3", "--rootfs", "/r", "--net=host", "sh", "-c", "-e x"});
    assertTrue(o.flag("tty") && o.flag("interactive"));
    assertEquals(List.of("A=1", "B=2", "C=3"), o.all("env"));
    assertEquals("/r", o.value("rootfs"));
    assertEquals("host", o.value("network"));
    assertEquals(List.of("sh", "-c", "-e x"), o.command);
  }

  @Test
  void parse_doubleDashEndsOptions() {
    RunOptions o = RunOptions.parse(new String[] {"--rootfs", "/r", "--", "--init"});
    assertEquals(List.of("--init"), o.command);
  }

  @Test
  void parse_errors_nameTheOption() {
    assertTrue(assertThrows(JboxException.class, () -> RunOptions.parse(new String[] {"--nope"})).getMessage().contains("`--nope`"));
    assertTrue(assertThrows(JboxException.class, () -> RunOptions.parse(new String[] {"--rootfs"})).getMessage().contains("needs a value"));
    assertTrue(assertThrows(JboxException.class, () -> RunOptions.parse(new String[] {"--init=maybe"})).getMessage().contains("takes no value"));
  }

  @Test
  void manPage_documentsEveryOption() throws Exception {
    String man = Files.readString(Jbox.source().resolve("man/jbox-run.1"));
    for (RunOptions.Opt o : RunOptions.TABLE) {
      assertTrue(man.contains("\\-\\-" + o.longName().replace("-", "\\-")), "man/jbox-run.1 lacks --" + o.longName());
    }
  }
}
