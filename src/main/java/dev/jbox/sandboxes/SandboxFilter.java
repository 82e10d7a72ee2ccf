package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code ps --filter} as podman reads it: name=REGEX, id=PREFIX, status=created|running|exited,
 * ancestor=IMAGE (name, name without tag, or id prefix), label=KEY[=VALUE] (jbox sandboxes have
 * no labels). Values of one key are alternatives; different keys must all match. A class of its
 * own: its regex classes must not load on {@code jbox run}'s path, where {@link SandboxService} is.
 */
final class SandboxFilter {
  private final Map<String, List<String>> byKey;

  private SandboxFilter(Map<String, List<String>> byKey) {
    this.byKey = byKey;
  }

  static SandboxFilter parse(List<String> filters) {
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = eq < 0 ? f : f.substring(0, eq);
      if (eq <= 0 || !List.of("name", "id", "status", "ancestor", "label").contains(key)) {
        throw new JboxException("ps: --filter `" + f + "`: expected name=, id=, status=, ancestor= or label=");
      }
      String v = f.substring(eq + 1);
      if (key.equals("status") && !List.of("created", "running", "exited", "paused", "restarting", "removing", "stopping", "unknown").contains(v)) {
        throw new JboxException("ps: --filter `" + f + "`: status is created, running or exited");
      }
      if (key.equals("name")) {
        try {
          Pattern.compile(v);
        } catch (PatternSyntaxException e) {
          throw new JboxException("ps: --filter `" + f + "`: not a regular expression");
        }
      }
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }
    return new SandboxFilter(byKey);
  }

  /** The sandboxes that pass: running ones unless all, a status filter or last; the last `last` of them. */
  List<Sandbox> apply(List<Sandbox> sandboxes, boolean all, Integer last) {
    boolean everyState = all || last != null || byKey.containsKey("status");
    List<Sandbox> out = new ArrayList<>();
    for (Sandbox s : sandboxes) {
      Status st = s.status();
      if (!everyState && !st.running()) continue;
      boolean pass = true;
      for (Map.Entry<String, List<String>> e : byKey.entrySet()) {
        boolean any = false;
        for (String v : e.getValue()) any |= matches(s, st, e.getKey(), v);
        pass &= any;
      }
      if (pass) out.add(s);
    }
    if (last != null && out.size() > last) out = new ArrayList<>(out.subList(out.size() - last, out.size()));
    return out;
  }

  private static boolean matches(Sandbox s, Status st, String key, String v) {
    SandboxRecord r = s.record();
    return switch (key) {
      case "name" -> r.name() != null && Pattern.compile(v).matcher(r.name()).find();
      case "id" -> r.id().startsWith(v);
      case "status" -> st.kind().word().equals(v);
      case "ancestor" -> {
        String img = r.image() == null ? "" : r.image();
        String id = r.imageId() == null ? "" : r.imageId().startsWith("sha256:") ? r.imageId().substring(7) : r.imageId();
        int colon = img.lastIndexOf(':');
        String repo = colon > img.lastIndexOf('/') ? img.substring(0, colon) : img;
        String bare = v.startsWith("sha256:") ? v.substring(7) : v;
        yield img.equals(v) || repo.equals(v) || img.endsWith("/" + v) || repo.endsWith("/" + v)
            || (bare.length() >= 3 && !id.isEmpty() && id.startsWith(bare));
      }
      default -> false; // label: none recorded
    };
  }
}
