package dev.jbox.image.it;

import dev.jbox.image.Platform;
import java.nio.file.Path;
import java.util.List;

/**
 * For tests outside Maven (tests/system/packages.sh): serves the loopback test registry with the
 * busybox test image pushed as {@code jbox-pkg/busybox:1}, prints the image reference on one line,
 * and stops the registry when its standard input closes.
 * Usage: {@code java -cp test-classes:classes:libs dev.jbox.image.it.ServeTestImage DIR}.
 */
public final class ServeTestImage {
  private ServeTestImage() {}

  public static void main(String[] args) throws Exception {
    try (TestRegistry reg = new TestRegistry(Path.of(args[0]), null, null)) {
      TestImages.push(new TestPush(reg), "jbox-pkg/busybox", "1", List.of(TestImages.busyboxLayer()), "gzip", Platform.host());
      System.out.println(reg.host() + "/jbox-pkg/busybox:1");
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the caller closes the pipe
      }
    }
  }
}
