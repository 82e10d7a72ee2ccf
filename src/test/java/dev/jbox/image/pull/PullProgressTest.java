package dev.jbox.image.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.image.Descriptor;
import dev.jbox.image.Digest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress output: bars on a terminal, one line per blob otherwise, nothing when quiet. */
class PullProgressTest {
  static final Descriptor D = Descriptor.of("application/vnd.oci.image.layer.v1.tar+gzip",
      Digest.sha256Of("x".getBytes(StandardCharsets.UTF_8)), 2048);

  static String render(boolean tty, boolean quiet) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ProgressView v = new ProgressView(new PrintStream(b, true, StandardCharsets.UTF_8), tty,
        quiet);
    v.update(D, 1024, 2048);
    v.done(D);
    return b.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tty_drawsBarsToCompletion() {
    String s = render(true, false);
    assertTrue(s.contains(D.digest().toString().substring(0, 19)), s);
    assertTrue(s.contains("2.0 KiB / 2.0 KiB [" + "=".repeat(30) + "]"), s);
  }

  @Test
  void plain_oneLinePerBlob_quiet_nothing() {
    assertEquals("Copying blob " + D.digest().encoded().substring(0, 12) + " done\n",
        render(false, false));
    assertEquals("", render(false, true));
  }
}
