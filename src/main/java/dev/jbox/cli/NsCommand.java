package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.Procfs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox ns [SANDBOX]}: per namespace type, the sandbox's inode, jbox's own, and whether they are shared. */
@Command(name = "ns", mixinStandardHelpOptions = true, subcommands = NsMonitorCommand.class,
    description = "Show a sandbox's namespaces against jbox's own (see jbox-ns(1)).")
final class NsCommand extends StateCommand implements Callable<Integer> {
  @Option(names = "--format", paramLabel = "FORMAT", description = "table (default) or json.")
  String format = "table";

  @Parameters(arity = "0..1", paramLabel = "SANDBOX")
  String ref;

  @Override
  public Integer call() {
    if (!format.equals("table") && !format.equals("json")) throw new JboxException("ns: --format must be table or json");
    Map<String, Long> host = Procfs.namespaces("self");
    Map<String, Long> box = host;
    if (ref != null) box = service().namespaces(ref);
    List<Object> json = new ArrayList<>();
    List<String[]> rows = new ArrayList<>();
    for (String t : Procfs.NS_TYPES) {
      Long ino = box.get(t);
      if (ino == null) continue;
      Long h = host.get(t);
      boolean shared = ino.equals(h);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", t);
      m.put("inode", ino);
      if (ref != null) {
        m.put("hostInode", h);
        m.put("shared", shared);
        rows.add(new String[] {t, ino.toString(), String.valueOf(h), shared ? "yes" : "no"});
      } else {
        rows.add(new String[] {t, ino.toString()});
      }
      json.add(m);
    }
    if (format.equals("json")) {
      out().println(Json.pretty(json));
      return 0;
    }
    if (ref != null) out().printf("%-7s %-12s %-12s %s%n", "TYPE", "INODE", "HOST INODE", "SHARED");
    else out().printf("%-7s %s%n", "TYPE", "INODE");
    for (String[] r : rows) {
      if (r.length == 4) out().printf("%-7s %-12s %-12s %s%n", (Object[]) r);
      else out().printf("%-7s %s%n", (Object[]) r);
    }
    return 0;
  }
}
