package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.store.ImageStore;
import dev.jbox.json.Json;
import dev.jbox.json.Template;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.VolumeStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbox inspect}: sandboxes of any kind as podman shows containers (JSON, or a Go template
 * per object); as podman's, a name that is no sandbox is looked up as an image, then as a volume
 * ({@code --type} picks one kind), each shown as {@code image inspect} and {@code volume inspect}
 * show it.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show sandboxes, images or volumes as JSON (see jbox-inspect(1)).")
final class InspectCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "json (default) or a Go template, e.g. {{.State.Pid}}.")
  String format;

  @Option(names = {"-t", "--type"}, paramLabel = "TYPE",
      description = "container (a sandbox), image, volume, or all (default: a sandbox, else an image, else a volume).")
  String type;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Sandbox name, id or unique id prefix; or an image or a volume.")
  List<String> refs;

  @Override
  public Integer call() throws IOException {
    String t = type == null ? "all" : type;
    boolean sandboxes = t.equals("all") || t.equals("container");
    boolean images = t.equals("all") || t.equals("image");
    boolean volumes = t.equals("all") || t.equals("volume");
    if (!sandboxes && !images && !volumes) {
      throw new JboxException("inspect: --type `" + type + "`: expected container, image, volume or all");
    }
    Template template = format == null || format.equals("json") ? null : Template.parse(format);
    SandboxService svc = service();
    ImageStore store = null;
    Map<String, List<String>> users = null;
    List<Map<String, Object>> all = new ArrayList<>();
    for (String r : refs) {
      Map<String, Object> found = null;
      if (sandboxes) {
        if (t.equals("container")) {
          found = svc.inspect(svc.find(r)); // its own error: no such sandbox, an ambiguous prefix
        } else {
          Sandbox s = svc.store().findOrNull(r);
          if (s != null) found = svc.inspect(s);
        }
      }
      if (found == null && images) {
        if (store == null) store = svc.openImageStore();
        found = t.equals("image") ? ImageCommand.inspect(store, r) : ImageCommand.inspectOrNull(store, r);
      }
      if (found == null && volumes) {
        VolumeStore vs = svc.volumes();
        VolumeStore.Volume v = t.equals("volume") ? vs.find("inspect", r) : vs.get(r);
        if (v != null) {
          if (users == null) users = svc.volumeUsers();
          found = VolumeCommand.json(v, users);
        }
      }
      // (podman: "no such object"); the sandbox's message first, as before images and volumes were looked at
      if (found == null) throw new JboxException("no such sandbox: `" + r + "` (nor image or volume)");
      all.add(found);
    }
    if (template == null) {
      out().println(Json.pretty(all));
      return 0;
    }
    for (Map<String, Object> m : all) out().println(template.render(Json.parse(Json.write(m))));
    return 0;
  }
}
