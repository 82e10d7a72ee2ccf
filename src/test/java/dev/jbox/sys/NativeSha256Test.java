package dev.jbox.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** libcrypto's SHA-256 gives the JDK's answer for every chunking, and is used only for big inputs. */
class NativeSha256Test {
  @Test
  void nativeDigest_equalsTheJdks_acrossChunkSizesAndResets() throws Exception {
    assertTrue(NativeSha256.available(), "libcrypto.so.3 (libssl3) should be installed on the test machines");
    MessageDigest n = NativeSha256.forSize(NativeSha256.THRESHOLD);
    assertEquals(NativeSha256.class, n.getClass());
    Random rnd = new Random(7);
    for (int size : new int[] {0, 1, 63, 64, 65, 65535, 65536, 65537, 1 << 20}) {
      byte[] data = new byte[size];
      rnd.nextBytes(data);
      MessageDigest jdk = MessageDigest.getInstance("SHA-256");
      for (int off = 0; off < size; ) {
        int len = Math.min(size - off, 1 + rnd.nextInt(100_000));
        n.update(data, off, len);
        jdk.update(data, off, len);
        off += len;
      }
      assertArrayEquals(jdk.digest(), n.digest(), "size " + size);
    }
    n.update((byte) 'a');
    n.reset();
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest("abc".getBytes()), n.digest("abc".getBytes()));
  }

  @Test
  void directBuffers_areHashedFromTheirPosition_toTheirLimit_andConsumed() throws Exception {
    MessageDigest n = NativeSha256.forSize(NativeSha256.THRESHOLD);
    assertEquals(NativeSha256.class, n.getClass());
    Random rnd = new Random(11);
    byte[] data = new byte[(1 << 18) + 4099];
    rnd.nextBytes(data);
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length + 10);
    direct.position(5);
    direct.put(data);
    MessageDigest jdk = MessageDigest.getInstance("SHA-256");
    // slices that start inside the buffer and stop before its end, a heap buffer between them
    for (int off = 0; off < data.length; ) {
      int len = Math.min(data.length - off, 1 + rnd.nextInt(70_000));
      java.nio.ByteBuffer part = direct.duplicate();
      part.limit(5 + off + len).position(5 + off);
      if (rnd.nextInt(4) == 0) {
        n.update(java.nio.ByteBuffer.wrap(data, off, len));
      } else {
        n.update(part);
        assertEquals(part.limit(), part.position(), "the buffer is consumed");
      }
      jdk.update(data, off, len);
      off += len;
    }
    assertArrayEquals(jdk.digest(), n.digest());
  }

  @Test
  void smallInputs_keepTheJdksDigest_noJnaNeeded() {
    assertEquals(false, NativeSha256.forSize(NativeSha256.THRESHOLD - 1) instanceof NativeSha256);
  }
}
