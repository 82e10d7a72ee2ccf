package dev.jbox.image;

import dev.jbox.JboxException;
import java.util.Locale;

/** An OCI platform: os, architecture and an optional variant such as {@code v8} or {@code v7}. */
public record Platform(String os, String architecture, String variant) {
  /** {@code [a-z0-9_.-]+}, written out: images' platforms are checked on the run path. */
  private static boolean isWord(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '.' && c != '-') return false;
    }
    return true;
  }

  public Platform {
    if (os == null || !isWord(os)) throw bad(os + "/" + architecture, "os");
    if (architecture == null || !isWord(architecture)) {
      throw bad(os + "/" + architecture, "architecture");
    }
    if (variant != null && variant.isEmpty()) variant = null;
    if (variant != null && !isWord(variant)) {
      throw bad(os + "/" + architecture + "/" + variant, "variant");
    }
  }

  /** The platform of the running JVM, mapped from {@code os.arch} to OCI names. */
  public static Platform host() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> new Platform("linux", "amd64", null);
      case "aarch64", "arm64" -> new Platform("linux", "arm64", "v8");
      case "arm", "armv7l" -> new Platform("linux", "arm", "v7");
      case "x86", "i386", "i486", "i586", "i686" -> new Platform("linux", "386", null);
      case "ppc64le" -> new Platform("linux", "ppc64le", null);
      case "s390x" -> new Platform("linux", "s390x", null);
      case "riscv64" -> new Platform("linux", "riscv64", null);
      default -> throw new JboxException("unsupported host architecture `" + arch + "` (use --platform)");
    };
  }

  /** Parses {@code os/arch[/variant]}, for example {@code linux/arm64/v8}. */
  public static Platform parse(String s) {
    String[] p = s.split("/", -1);
    if (p.length < 2 || p.length > 3) {
      throw new JboxException("platform \"" + s + "\": expected os/arch[/variant]");
    }
    String arch = p[1];
    String variant = p.length == 3 ? p[2] : null;
    if (arch.equals("x86_64")) arch = "amd64";
    if (arch.equals("aarch64")) arch = "arm64";
    return new Platform(p[0], arch, variant);
  }

  /**
   * Whether an image for {@code other} runs here: same os and architecture, and the same variant
   * unless one side has none (containerd's leniency; arm64 without a variant means v8).
   */
  public boolean matches(Platform other) {
    if (!os.equals(other.os) || !architecture.equals(other.architecture)) return false;
    String a = normalVariant(this);
    String b = normalVariant(other);
    return a == null || b == null || a.equals(b);
  }

  private static String normalVariant(Platform p) {
    if (p.variant == null && p.architecture.equals("arm64")) return "v8";
    return p.variant;
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }

  private static JboxException bad(String s, String part) {
    return new JboxException("platform \"" + s + "\": invalid " + part);
  }
}
