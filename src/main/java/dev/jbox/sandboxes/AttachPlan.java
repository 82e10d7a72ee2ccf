package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The ATTACH record jbox attach and jbox start -a send: the state directory, the relay mode and podman-style detach keys. */
public final class AttachPlan {
  public static final String DEFAULT_KEYS = "ctrl-p,ctrl-q";
  private static final int MAX_KEYS = 16;

  private AttachPlan() {}

  /** The record for sandbox s; keys in podman's --detach-keys syntax ("" disables detaching). */
  public static PlanWriter.Extra record(Sandbox s, String keys) {
    List<Integer> bytes = parseKeys(keys);
    StringBuilder k = new StringBuilder();
    for (int b : bytes) k.append(k.length() == 0 ? "" : " ").append(b);
    return new PlanWriter.Extra(PlanWriter.T_ATTACH, s.runtimeDir() + "\0" + mode(s) + "\0" + k);
  }

  /** "tty" for a -t sandbox, "stdin" for -i alone, "none" otherwise (output only). */
  public static String mode(Sandbox s) {
    SandboxRecord.Process p = s.record().process();
    List<String> flags = p == null ? List.of() : p.flags();
    if (flags.contains("tty")) return "tty";
    return flags.contains("stdin") ? "stdin" : "none";
  }

  /**
   * Parses a comma-separated key sequence: "ctrl-X" for X in a-z, @, [, \, ], ^ or _, or a
   * single printable character; returns the bytes the terminal sends for it.
   */
  public static List<Integer> parseKeys(String spec) {
    List<Integer> out = new ArrayList<>();
    if (spec == null || spec.isEmpty()) return out;
    for (String key : spec.split(",", -1)) {
      String k = key.toLowerCase(Locale.ROOT);
      if (k.startsWith("ctrl-") && k.length() == 6) {
        char c = k.charAt(5);
        if (c >= 'a' && c <= 'z') out.add(c - 'a' + 1);
        else if ("@[\\]^_".indexOf(c) >= 0) out.add("@[\\]^_".indexOf(c) == 0 ? 0 : 26 + "@[\\]^_".indexOf(c));
        else throw bad(spec);
      } else if (key.length() == 1 && key.charAt(0) > ' ' && key.charAt(0) < 127) {
        out.add((int) key.charAt(0));
      } else {
        throw bad(spec);
      }
    }
    if (out.size() > MAX_KEYS) throw new JboxException("--detach-keys `" + spec + "`: at most " + MAX_KEYS + " keys");
    return out;
  }

  private static JboxException bad(String spec) {
    return new JboxException("--detach-keys `" + spec + "`: expected keys like ctrl-p,ctrl-q (ctrl-[a-z@[\\]^_] or one character, comma-separated)");
  }
}
