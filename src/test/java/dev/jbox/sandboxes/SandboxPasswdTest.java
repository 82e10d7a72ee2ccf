package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox top`'s read of a sandbox's /etc/passwd against what a sandbox can put there: a FIFO, a file
 * past the limit, a link; and the open that a FIFO swapped in after the check would block forever
 * (the JDK opens without O_NONBLOCK), which must give up at its deadline. Host directories stand in
 * for the root here; HostileImageTest does the same through a real sandbox.
 */
class SandboxPasswdTest {
  @TempDir Path root;

  static void mkfifo(Path p) throws Exception {
    Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertEquals(0, mk.waitFor());
  }

  @SuppressWarnings("unchecked")
  static SecureDirectoryStream<Path> secure(Path dir) throws IOException {
    DirectoryStream<Path> d = Files.newDirectoryStream(dir);
    assertTrue(d instanceof SecureDirectoryStream, "this JDK has SecureDirectoryStream on Linux");
    return (SecureDirectoryStream<Path>) d;
  }

  @Test
  void readBounded_openOfAFifoThatWouldBlock_givesUpAtTheDeadline() throws Exception {
    Path etc = Files.createDirectories(root.resolve("etc"));
    mkfifo(etc.resolve("passwd"));
    IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(IOException.class, () -> SandboxPasswd.readBounded(secure(etc), Path.of("passwd"), SandboxPasswd.MAX, 300)));
    assertTrue(e.getMessage().contains("could not be read within 300 ms"), e.getMessage());
  }

  @Test
  void readBounded_regularFile_readWhole_andPastTheLimit_refused() throws Exception {
    Path etc = Files.createDirectories(root.resolve("etc"));
    byte[] text = "root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n".getBytes(StandardCharsets.UTF_8);
    Files.write(etc.resolve("passwd"), text);
    assertArrayEquals(text, SandboxPasswd.readBounded(secure(etc), Path.of("passwd"), SandboxPasswd.MAX, 10_000));
    IOException e = assertThrows(IOException.class, () -> SandboxPasswd.readBounded(secure(etc), Path.of("passwd"), 20, 10_000));
    assertTrue(e.getMessage().contains("larger than 20 bytes"), e.getMessage());
  }

  @Test
  void read_fifoHugeFileAndLink_refusedOrLeftToOpenat2_withoutWaiting() throws Exception {
    Path etc = Files.createDirectories(root.resolve("etc"));
    mkfifo(etc.resolve("passwd"));
    IOException fifo = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(IOException.class, () -> SandboxPasswd.read(root)));
    assertTrue(fifo.getMessage().contains("is not a regular file"), fifo.getMessage());

    Files.delete(etc.resolve("passwd"));
    Files.write(etc.resolve("passwd"), new byte[SandboxPasswd.MAX + 1]);
    IOException big = assertThrows(IOException.class, () -> SandboxPasswd.read(root));
    assertTrue(big.getMessage().contains("is larger than " + SandboxPasswd.MAX + " bytes"), big.getMessage());

    Files.delete(etc.resolve("passwd"));
    Files.createSymbolicLink(etc.resolve("passwd"), Path.of("/etc/passwd"));
    assertNull(SandboxPasswd.read(root), "a link is resolved inside the root by FsCalls.readInRoot, not here");

    // benign twin: a passwd of normal size is read as it is
    Files.delete(etc.resolve("passwd"));
    Files.writeString(etc.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
    assertEquals("root:x:0:0::/root:/bin/sh\n", new String(SandboxPasswd.read(root), StandardCharsets.UTF_8));
  }
}
