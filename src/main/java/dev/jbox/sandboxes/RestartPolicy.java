package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanWriter;

/**
 * A detached sandbox's restart policy ({@code --restart}, podman's meanings): no, on-failure[:N]
 * (restart after a non-zero exit, at most N times; no N: no limit), always, unless-stopped (as
 * always: jbox has no daemon to restart sandboxes at boot). The monitor applies it (plan tag 38,
 * helpers/PROTOCOL.md "Restart policies"); {@code jbox stop} and {@code kill} end it without a
 * restart.
 *
 * @param name no, on-failure, always or unless-stopped
 * @param maxRetries on-failure's N (0: no limit, and for the others)
 */
public record RestartPolicy(String name, int maxRetries) {
  public static final RestartPolicy NO = new RestartPolicy("no", 0);

  /** Parses {@code --restart}'s value (null: no); a bad one is a one-line error. */
  public static RestartPolicy parse(String spec) {
    if (spec == null || spec.equals("no") || spec.isEmpty()) return NO;
    String bad = "--restart `" + spec + "`: expected no, on-failure[:N], always or unless-stopped";
    if (spec.equals("always") || spec.equals("unless-stopped") || spec.equals("on-failure")) return new RestartPolicy(spec, 0);
    if (spec.startsWith("on-failure:")) {
      String n = spec.substring("on-failure:".length());
      if (n.isEmpty() || n.length() > 7) throw new JboxException(bad);
      for (int i = 0; i < n.length(); i++) { // no lambda on the run path (dev.jbox.Text)
        if (n.charAt(i) < '0' || n.charAt(i) > '9') throw new JboxException(bad);
      }
      int max = Integer.parseInt(n);
      if (max > 1_000_000) throw new JboxException(bad + " (N at most 1000000)");
      return new RestartPolicy("on-failure", max);
    }
    throw new JboxException(bad);
  }

  public boolean restarts() {
    return !name.equals("no");
  }

  /** As --restart takes it and the record keeps it: "on-failure:2", "always". */
  public String spec() {
    return name.equals("on-failure") && maxRetries > 0 ? name + ":" + maxRetries : name;
  }

  /** The plan record the monitor reads: "POLICY MAX". */
  public PlanWriter.Extra record() {
    return new PlanWriter.Extra(PlanWriter.T_RESTART, name + " " + maxRetries);
  }
}
