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
 * no labels), volume=NAME|PATH (a named or anonymous volume it mounts, or where it mounts one),
 * exited=CODE (ended with that status), before=|since=SANDBOX (created before or after that one),
 * network=MODE (none, host, pasta, slirp4netns, as it runs). Values of one key are alternatives; different keys must all match. A class of its
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
      if (eq <= 0 || !List.of("name", "id", "status", "ancestor", "label", "volume", "exited", "before", "since", "network").contains(key)) {
        throw new JboxException("ps: --filter `" + f
            + "`: expected name=, id=, status=, ancestor=, label=, volume=, exited=, before=, since= or network=");
      }
      String v = f.substring(eq + 1);
      if (key.equals("exited")) {
        try {
          if (Integer.parseInt(v) < 0) throw new NumberFormatException();
        } catch (NumberFormatException e) {
          throw new JboxException("ps: --filter `" + f + "`: exited takes an exit status (a number)");
        }
      }
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
    boolean everyState = all || last != null || byKey.containsKey("status") || byKey.containsKey("exited");
    // before= and since= name a sandbox: by then its creation time (an unknown one is an error, as podman's)
    Map<String, Long> created = new LinkedHashMap<>();
    for (String k : List.of("before", "since")) {
      for (String ref : byKey.getOrDefault(k, List.of())) {
        Sandbox found = null;
        for (Sandbox s : sandboxes) {
          if (ref.equals(s.record().name()) || ref.equals(s.id())) found = s;
        }
        if (found == null) {
          for (Sandbox s : sandboxes) {
            if (ref.length() >= 3 && s.id().startsWith(ref)) {
              if (found != null) throw new JboxException("ps: --filter " + k + "=" + ref + ": more than one sandbox has that prefix");
              found = s;
            }
          }
        }
        if (found == null) throw new JboxException("ps: --filter " + k + "=" + ref + ": no such sandbox");
        created.put(k + "=" + ref, found.record().created());
      }
    }
    this.created = created;
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

  /** "before=REF" and "since=REF" mapped to that sandbox's creation time (apply fills it). */
  private Map<String, Long> created = Map.of();

  private boolean matches(Sandbox s, Status st, String key, String v) {
    SandboxRecord r = s.record();
    return switch (key) {
      case "volume" -> SandboxService.volumeNames(r).contains(v) || SandboxService.volumeTargets(r).contains(v);
      case "exited" -> st.kind().word().equals("exited") && st.exitCode() != null && st.exitCode() == Integer.parseInt(v);
      case "before" -> r.created() < created.get("before=" + v);
      case "since" -> r.created() > created.get("since=" + v);
      case "network" -> v.equals(r.network());
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
