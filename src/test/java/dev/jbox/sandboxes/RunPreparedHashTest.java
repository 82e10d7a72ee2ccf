package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * RunPrepared.argvHash against the golden values helpers/tests/test_run_prepared.c checks of the
 * launcher's run_argv_hash: the two sides must name a run's KEY the same way.
 */
class RunPreparedHashTest {
  @Test
  void theLaunchersHashOfTheSameWords() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", RunPrepared.argvHash(new String[0]));
    assertEquals("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", RunPrepared.argvHash(new String[] {""}));
    String[] words = {"--rm", "--network=none", "docker.io/library/alpine:latest", "sh", "-c", "echo \"\u00e9\" $x"};
    assertEquals("6a2b3f16326002fa50a956d558edc30e9809a9a9b49078c6eec8bacd2d0c4d47", RunPrepared.argvHash(words));
    assertNotEquals(RunPrepared.argvHash(words),
        RunPrepared.argvHash(new String[] {"--rm --network=none", "docker.io/library/alpine:latest", "sh", "-c", "echo \"\u00e9\" $x"}));
  }
}
