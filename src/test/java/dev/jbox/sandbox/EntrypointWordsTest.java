package dev.jbox.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** --entrypoint as podman takes it: a JSON array of strings is the whole entrypoint, else one word. */
class EntrypointWordsTest {
  @Test
  void jsonArray_plainWord_emptyAndNotQuiteJson() {
    assertEquals(List.of("/bin/echo", "x"), SandboxBuilder.entrypointWords("[\"/bin/echo\",\"x\"]"));
    assertEquals(List.of(), SandboxBuilder.entrypointWords("[]"));
    assertEquals(List.of("/bin/echo"), SandboxBuilder.entrypointWords("/bin/echo"));
    assertEquals(List.of(), SandboxBuilder.entrypointWords(""));
    assertEquals(List.of("[not json"), SandboxBuilder.entrypointWords("[not json"));
    assertEquals(List.of("[1,2]"), SandboxBuilder.entrypointWords("[1,2]"));
  }
}
