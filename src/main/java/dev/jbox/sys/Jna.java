package dev.jbox.sys;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What every JNA library load does first, to spare each command that loads one ({@code stop},
 * {@code kill}, {@code top}...) two costs JNA's defaults add to every JVM:
 *
 * <ul>
 *   <li>its NativeLibrary, when first used, runs {@code /sbin/ldconfig -p} (a process through
 *       jspawnhelper, with the JDK's process machinery, a thread pool and their lambdas) to learn
 *       the library directories, unless {@code jna.platform.library.path} names them. jbox loads
 *       its libraries by soname (libc.so.6, libzstd.so.1, libcrypto.so.3, which the dynamic loader
 *       finds itself) or by path (the ISA-L shim): the usual directories are given here, for JNA's
 *       fallback on a bare name ("crypto") only.
 *   <li>Native copies its own libjnidispatch.so out of the JNA jar into a new temporary file
 *       (named from SecureRandom) on every start. Here it is copied once per JNA jar into the
 *       user's cache ({@code $XDG_CACHE_HOME/jbox/jna/SIZE-MTIME/}, where jbox keeps its CDS
 *       archives too), and {@code jna.boot.library.path} points there. Any failure leaves JNA to
 *       its default.
 * </ul>
 */
public final class Jna {
  static final String PLATFORM_PATH = "jna.platform.library.path";
  static final String BOOT_PATH = "jna.boot.library.path";

  private Jna() {}

  /** Call before the first Native.load or NativeLibrary use; sets only what the user did not. */
  public static synchronized void prepare() {
    String arch = System.getProperty("os.arch", "");
    if (System.getProperty(PLATFORM_PATH) == null) {
      String triplet = (arch.equals("amd64") ? "x86_64" : arch) + "-linux-gnu";
      System.setProperty(PLATFORM_PATH, "/usr/lib/" + triplet + ":/lib/" + triplet + ":/usr/lib64:/lib64:/usr/lib:/lib");
    }
    if (System.getProperty(BOOT_PATH) == null) {
      Path dir = dispatchDir(arch.equals("amd64") || arch.equals("x86_64") ? "x86-64" : arch);
      if (dir != null) System.setProperty(BOOT_PATH, dir.toString());
    }
  }

  /** The directory holding a copy of the JNA jar's libjnidispatch.so, made if missing; or null. */
  static Path dispatchDir(String platform) {
    try {
      URL u = Jna.class.getClassLoader().getResource("com/sun/jna/linux-" + platform + "/libjnidispatch.so");
      if (u == null) return null;
      String s = u.toString(); // jar:file:/.../jna-5.14.0.jar!/com/sun/jna/...
      int bang = s.indexOf("!/");
      if (!s.startsWith("jar:file:") || bang < 0) return null;
      Path jar = Path.of(new java.net.URI(s.substring(4, bang)));
      String cacheHome = System.getenv("XDG_CACHE_HOME");
      String home = System.getenv("HOME");
      Path cache = cacheHome != null && cacheHome.startsWith("/") ? Path.of(cacheHome)
          : home != null && home.startsWith("/") ? Path.of(home, ".cache") : null;
      if (cache == null) return null;
      Path dir = cache.resolve("jbox").resolve("jna")
          .resolve(Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + "-" + platform);
      Path lib = dir.resolve("libjnidispatch.so");
      if (Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS)) return dir;
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path tmp = Files.createTempFile(dir, "libjnidispatch", ".tmp");
      try (InputStream in = u.openStream()) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return dir;
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      return null; // JNA's own way
    }
  }
}
