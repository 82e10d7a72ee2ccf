package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the runtime-spec hooks of one kind: each gets the state JSON on stdin, in order. */
final class Hooks {
  private Hooks() {}

  static void run(List<Object> hooks, Map<String, Object> state, String kind) {
    byte[] stdin = Json.write(state).getBytes(StandardCharsets.UTF_8);
    for (Object o : hooks) {
      Map<String, Object> h = OciConfig.asObj(o, "hooks." + kind + "[]");
      String path = OciConfig.str(h, "path", true, "hooks." + kind + "[].path");
      List<String> args = OciConfig.strings(h, "args");
      List<String> argv = new ArrayList<>();
      argv.add(path);
      if (args.size() > 1) argv.addAll(args.subList(1, args.size()));
      long timeout = OciConfig.num(h, "timeout", 0);
      ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      List<String> env = OciConfig.strings(h, "env");
      if (h.get("env") != null) {
        pb.environment().clear();
        for (String e : env) {
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
}
