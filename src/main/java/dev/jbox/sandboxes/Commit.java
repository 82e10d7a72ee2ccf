package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jbox commit}'s image config: the sandbox's image's config with the {@code --change}
 * instructions applied (podman's: CMD, ENTRYPOINT, ENV, WORKDIR, LABEL, USER, EXPOSE), the new
 * layer's diff id and a history entry added.
 */
final class Commit {
  private Commit() {}

  /** One --change: the instruction (upper case) and its value. */
  record Change(String instruction, String value) {}

  static final List<String> INSTRUCTIONS = List.of("CMD", "ENTRYPOINT", "ENV", "WORKDIR", "LABEL", "USER", "EXPOSE");

  /** Parses and checks every --change before anything is done; a bad one is a one-line error. */
  static List<Change> parse(List<String> changes) {
    List<Change> out = new ArrayList<>();
    for (String c : changes) {
      String t = c.strip();
      int sp = 0;
      while (sp < t.length() && !Character.isWhitespace(t.charAt(sp)) && t.charAt(sp) != '=') sp++;
      String ins = t.substring(0, sp).toUpperCase(java.util.Locale.ROOT);
      String value = t.substring(sp).strip();
      if (value.startsWith("=")) value = value.substring(1).strip();
      if (!INSTRUCTIONS.contains(ins)) {
        throw new JboxException("commit: --change `" + c + "`: the instruction must be one of " + String.join(", ", INSTRUCTIONS));
      }
      if (value.isEmpty()) throw new JboxException("commit: --change `" + c + "`: " + ins + " needs a value");
      Change ch = new Change(ins, value);
      apply(new LinkedHashMap<>(), ch, c); // checks the value's form
      out.add(ch);
    }
    return out;
  }

  /** The config with the changes, the new layer and a history entry. */
  @SuppressWarnings("unchecked")
  static byte[] config(byte[] base, List<Change> changes, String diffId, String message, String author) {
    Map<String, Object> cfg = Json.parseObject(new String(base, java.nio.charset.StandardCharsets.UTF_8));
    Map<String, Object> c = cfg.get("config") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
    for (Change ch : changes) apply(c, ch, ch.instruction() + " " + ch.value());
    cfg.put("config", c);
    Map<String, Object> rootfs = cfg.get("rootfs") instanceof Map<?, ?> r ? new LinkedHashMap<>((Map<String, Object>) r) : new LinkedHashMap<>();
    rootfs.put("type", "layers");
    List<Object> ids = rootfs.get("diff_ids") instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
    ids.add(diffId);
    rootfs.put("diff_ids", ids);
    cfg.put("rootfs", rootfs);
    String now = java.time.format.DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    cfg.put("created", now);
    if (author != null) cfg.put("author", author);
    List<Object> history = cfg.get("history") instanceof List<?> h ? new ArrayList<>(h) : new ArrayList<>();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("created", now);
    entry.put("created_by", "jbox commit");
    if (author != null) entry.put("author", author);
    if (message != null) entry.put("comment", message);
    history.add(entry);
    cfg.put("history", history);
    return Json.write(cfg).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private static void apply(Map<String, Object> c, Change ch, String original) {
    String v = ch.value();
    switch (ch.instruction()) {
      case "CMD", "ENTRYPOINT" -> c.put(ch.instruction().equals("CMD") ? "Cmd" : "Entrypoint", command(v, original));
      case "ENV" -> {
        String[] kv = keyValue(v, original);
        List<Object> env = c.get("Env") instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
        env.removeIf(e -> e instanceof String s && (s.equals(kv[0]) || s.startsWith(kv[0] + "=")));
        env.add(kv[0] + "=" + kv[1]);
        c.put("Env", env);
      }
      case "LABEL" -> {
        String[] kv = keyValue(v, original);
        Map<String, Object> labels = c.get("Labels") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        labels.put(kv[0], kv[1]);
        c.put("Labels", labels);
      }
      case "WORKDIR" -> {
        if (!v.startsWith("/")) throw new JboxException("commit: --change `" + original + "`: WORKDIR must be an absolute path");
        c.put("WorkingDir", v);
      }
      case "USER" -> c.put("User", v);
      case "EXPOSE" -> {
        Map<String, Object> ports = c.get("ExposedPorts") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        for (String p : dev.jbox.Text.fields(v)) {
          String[] pp = p.split("/", -1);
          boolean ok = pp.length <= 2 && !pp[0].isEmpty() && pp[0].chars().allMatch(Character::isDigit) && pp[0].length() <= 5
              && Integer.parseInt(pp[0]) > 0 && Integer.parseInt(pp[0]) < 65536
              && (pp.length == 1 || pp[1].equals("tcp") || pp[1].equals("udp") || pp[1].equals("sctp"));
          if (!ok) throw new JboxException("commit: --change `" + original + "`: `" + p + "` is not PORT[/tcp|udp|sctp]");
          ports.put(pp.length == 1 ? pp[0] + "/tcp" : p, new LinkedHashMap<>());
        }
        c.put("ExposedPorts", ports);
      }
      default -> throw new JboxException("commit: --change `" + original + "`: unknown instruction");
    }
  }

  /** ["a", "b"] (JSON) as it is, anything else as the shell form: /bin/sh -c VALUE. */
  private static List<Object> command(String v, String original) {
    if (v.startsWith("[")) {
      Object o;
      try {
        o = Json.parse(v);
      } catch (RuntimeException e) {
        throw new JboxException("commit: --change `" + original + "`: not a JSON array of strings");
      }
      if (!(o instanceof List<?> l) || l.isEmpty() || !l.stream().allMatch(x -> x instanceof String)) {
        throw new JboxException("commit: --change `" + original + "`: not a JSON array of strings");
      }
      return new ArrayList<>(l);
    }
    return new ArrayList<>(List.of("/bin/sh", "-c", v));
  }

  /** KEY=VALUE or KEY VALUE (quotes around VALUE dropped). */
  private static String[] keyValue(String v, String original) {
    int eq = v.indexOf('=');
    int sp = v.indexOf(' ');
    int at = eq >= 0 && (sp < 0 || eq < sp) ? eq : sp;
    if (at <= 0) throw new JboxException("commit: --change `" + original + "`: KEY=VALUE needed");
    String k = v.substring(0, at).strip();
    String val = v.substring(at + 1).strip();
    if (val.length() >= 2 && (val.startsWith("\"") && val.endsWith("\"") || val.startsWith("'") && val.endsWith("'"))) {
      val = val.substring(1, val.length() - 1);
    }
    return new String[] {k, val};
  }
}
