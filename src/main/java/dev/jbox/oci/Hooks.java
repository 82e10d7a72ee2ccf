package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.helper.HelperBinary;
import dev.jbox.helper.PlanWriter;
import dev.jbox.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The runtime-spec hooks (config.md "POSIX-platform Hooks"). Which hook runs where, and the state
 * each reads, is decided here; the helper runs prestart, createRuntime, createContainer and
 * startContainer (and, for {@code run}, poststart and poststop) from the plan's T_OCI_HOOK and
 * T_OCI_STATE records, at their points of the lifecycle (helpers/oci.c); {@code start} runs
 * poststart and {@code delete} poststop from this JVM, through the helper's {@code oci-hook} (which
 * sets argv[0] as the hook's args[0], as runc does).
 */
final class Hooks {
  private Hooks() {}

  /** The kinds in lifecycle order, with the status their state shows. */
  static final Map<String, String> KINDS = orderedKinds();

  private static Map<String, String> orderedKinds() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("prestart", "creating");
    m.put("createRuntime", "creating");
    m.put("createContainer", "creating");
    m.put("startContainer", "created");
    m.put("poststart", "running");
    m.put("poststop", "stopped");
    return m;
  }

  private static final long MAX_TIMEOUT = 86400;

  /**
   * config.json's hooks, checked: known kinds only (an unknown one is a warning and dropped), each
   * hook with an absolute path without . or .., string args and env without NUL, a timeout of 1 to
   * 86400 s. Empty kinds are left out, so a container without hooks records {@code "hooks":{}}
   * (oci_fast.c relies on it).
   */
  static Map<String, Object> check(Map<String, Object> hooks, List<String> warnings) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (hooks == null) return out;
    for (String kind : hooks.keySet()) {
      if (!KINDS.containsKey(kind)) {
        warnings.add("hooks." + kind + ": not a hook kind of runtime-spec; ignored");
        continue;
      }
      List<Object> checked = new ArrayList<>();
      for (Object o : OciConfig.list(hooks, kind)) {
        String what = "hooks." + kind + "[]";
        Map<String, Object> h = OciConfig.asObj(o, what);
        String path = OciConfig.str(h, "path", true, what + ".path");
        if (!path.startsWith("/") || ("/" + path + "/").contains("/../") || ("/" + path + "/").contains("/./")) {
          throw new JboxException(what + ".path `" + path + "` is not an absolute path without . or ..");
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("path", path);
        List<String> args = OciConfig.strings(h, "args");
        c.put("args", args.isEmpty() ? List.of(path) : args);
        if (h.get("env") != null) c.put("env", OciConfig.strings(h, "env"));
        if (h.get("timeout") != null) {
          long t = OciConfig.num(h, "timeout", 0);
          if (t < 1 || t > MAX_TIMEOUT) throw new JboxException(what + ".timeout " + t + ": 1 to " + MAX_TIMEOUT + " seconds");
          c.put("timeout", t);
        }
        for (Object v : c.values()) {
          if (String.valueOf(v).indexOf('\0') >= 0) throw new JboxException(what + ": a NUL byte");
        }
        if (args.size() > 256 || OciConfig.strings(h, "env").size() > 256) throw new JboxException(what + ": more than 256 args or env entries");
        checked.add(c);
      }
      if (!checked.isEmpty()) out.put(kind, checked);
    }
    int n = out.values().stream().mapToInt(l -> ((List<?>) l).size()).sum();
    if (n > 64) throw new JboxException("hooks: " + n + " hooks, at most 64");
    return out;
  }

  /**
   * The plan's records: every hook (T_OCI_HOOK) and, per kind present, the state its hooks read
   * (T_OCI_STATE), split where the helper puts the pid it knows.
   */
  @SuppressWarnings("unchecked")
  static List<PlanWriter.Extra> records(Map<String, Object> hooks, Map<String, Object> record) {
    List<PlanWriter.Extra> out = new ArrayList<>();
    for (Map.Entry<String, String> k : KINDS.entrySet()) {
      if (!(hooks.get(k.getKey()) instanceof List<?> list)) continue;
      for (Object o : list) {
        Map<String, Object> h = (Map<String, Object>) o;
        List<String> args = (List<String>) h.get("args");
        List<String> env = (List<String>) h.get("env");
        StringBuilder b = new StringBuilder();
        b.append(k.getKey()).append('\0').append(h.getOrDefault("timeout", 0L)).append('\0').append(args.size()).append('\0')
            .append(env == null ? "-" : Integer.toString(env.size())).append('\0').append(h.get("path"));
        for (String a : args) b.append('\0').append(a);
        if (env != null) for (String e : env) b.append('\0').append(e);
        out.add(new PlanWriter.Extra(PlanWriter.T_OCI_HOOK, b.toString()));
      }
      Map<String, Object> s = state(record, k.getValue());
      s.put("pid", PID_MARK);
      String json = Json.write(s);
      String mark = "\"pid\":" + PID_MARK + ",";
      int at = json.indexOf(mark);
      if (at < 0) throw new IllegalStateException("state JSON without its pid: " + json);
      out.add(new PlanWriter.Extra(PlanWriter.T_OCI_STATE,
          k.getKey() + "\0" + json.substring(0, at) + "\0" + json.substring(at + mark.length())));
    }
    return out;
  }

  private static final long PID_MARK = -4242424242L;

  /** The state of a container (Container.state()'s fields and order) before it has a pid. */
  static Map<String, Object> state(Map<String, Object> record, String status) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("ociVersion", record.get("ociVersion"));
    s.put("id", record.get("id"));
    s.put("pid", 0L);
    s.put("status", status);
    s.put("bundle", record.get("bundle"));
    s.put("rootfs", record.get("rootfs"));
    s.put("created", record.get("created"));
    s.put("owner", "");
    Object a = record.get("annotations");
    if (a instanceof Map<?, ?> m && !m.isEmpty()) s.put("annotations", a);
    return s;
  }

  /**
   * Runs the hooks of one kind from this JVM, in order, each with the state on stdin; the first
   * that fails (exit status, signal, timeout) ends the run with a JboxException.
   */
  @SuppressWarnings("unchecked")
  static void run(List<Object> hooks, Map<String, Object> state, String kind) {
    byte[] stdin = Json.write(state).getBytes(StandardCharsets.UTF_8);
    for (Object o : hooks) {
      Map<String, Object> h = OciConfig.asObj(o, "hooks." + kind + "[]");
      String path = OciConfig.str(h, "path", true, "hooks." + kind + "[].path");
      List<String> args = OciConfig.strings(h, "args");
      List<String> argv = new ArrayList<>(List.of(HelperBinary.locate().toString(), "oci-hook", path));
      argv.addAll(args.isEmpty() ? List.of(path) : args);
      long timeout = OciConfig.num(h, "timeout", 0);
      ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      if (h.get("env") != null) {
        pb.environment().clear();
        for (String e : (List<String>) h.get("env")) {
          int eq = e.indexOf('=');
          if (eq > 0) pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
      }
      try {
        Process p = pb.start();
        try (OutputStream os = p.getOutputStream()) {
          os.write(stdin);
        } catch (IOException e) {
          // the hook need not read its stdin
        }
        boolean done = timeout > 0 ? p.waitFor(timeout, TimeUnit.SECONDS) : p.waitFor() >= 0;
        if (!done) {
          p.destroyForcibly();
          p.waitFor();
          throw new JboxException(kind + " hook `" + path + "` timed out after " + timeout + " s");
        }
        if (p.exitValue() != 0) throw new JboxException(kind + " hook `" + path + "` exited with " + p.exitValue());
      } catch (IOException e) {
        throw new JboxException(kind + " hook `" + path + "`: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JboxException(kind + " hook `" + path + "` interrupted");
      }
    }
  }

  /** poststop: every hook runs, a failure is a warning (runtime-spec). */
  static void runPoststop(Main main, List<Object> hooks, Map<String, Object> state) {
    for (Object h : hooks) {
      try {
        run(List.of(h), state, "poststop");
      } catch (JboxException e) {
        main.warn(e.getMessage());
      }
    }
  }
}
