package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jbox doctor}: checks the machine for rootless sandboxes and says how to fix each fault. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Check this machine for rootless sandboxes; print each problem with its fix (see jbox-doctor(1)).")
final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--format", paramLabel = "FORMAT", description = "Output format: table (default) or json.")
  String format = "table";

  @Override
  public Integer call() {
    if (!format.equals("table") && !format.equals("json")) throw new JboxException("doctor: --format must be table or json");
    PrintStream out = PicoMain.of(spec).out();
    IdMaps.Caller c = IdMaps.Caller.current();
    Doctor d = new Doctor(System.getenv(), c.name(), c.uid(), c.gid()).runAll();
    boolean blocked = d.blocked();
    if (format.equals("json")) {
      List<Object> list = new ArrayList<>();
      for (Doctor.Check k : d.checks()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", k.name());
        m.put("status", k.status().name().toLowerCase(java.util.Locale.ROOT));
        m.put("message", k.message());
        if (!k.fix().isEmpty()) m.put("fix", k.fix());
        list.add(m);
      }
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("ok", !blocked);
      root.put("checks", list);
      out.println(Json.pretty(root));
    } else {
      for (Doctor.Check k : d.checks()) {
        String tag = switch (k.status()) {
          case OK -> "ok  ";
          case INFO -> "info";
          case WARN -> "warn";
          case FAIL -> "FAIL";
        };
        out.println(tag + "  " + k.name() + ": " + k.message());
        if (!k.fix().isEmpty() && k.status() != Doctor.Status.OK) out.println("      fix: " + k.fix());
      }
      out.println(blocked ? "jbox doctor: sandboxes cannot run here until the FAIL lines are fixed"
          : "jbox doctor: sandboxes can run here");
    }
    return blocked ? 1 : 0;
  }
}
