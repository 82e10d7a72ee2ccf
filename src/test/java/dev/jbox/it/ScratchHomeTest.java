package dev.jbox.it;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests each start `jbox shell` as the unprivileged test account in a fresh
 * {@link ScratchHome}: rootless is required once, and a new scratch home is made before each test
 * (JUnit runs this class's @BeforeEach before a subclass's, which adds its scenario's files).
 */
abstract class ScratchHomeTest {
  @TempDir Path tmp;
  ScratchHome scratch;
  Path home;
  Path project;

  @BeforeAll
  static void rootless() {
    Jbox.requireRootless();
  }

  @BeforeEach
  void scratchHome() throws IOException {
    scratch = new ScratchHome(tmp);
    home = scratch.home;
    project = scratch.project;
  }
}
