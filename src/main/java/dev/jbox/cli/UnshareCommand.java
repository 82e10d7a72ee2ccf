package dev.jbox.cli;

import dev.jbox.helper.PlanChannel;
import dev.jbox.sandbox.Namespace;
import dev.jbox.sandbox.NsMode;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.idmap.IdMap;
import dev.jbox.sandbox.idmap.IdMaps;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox unshare}: a shell or command as root in a user namespace with jbox's id maps, nothing else new. */
@Command(name = "unshare", mixinStandardHelpOptions = true,
    description = "Run a shell or command in jbox's user namespace (see jbox-unshare(1)).")
final class UnshareCommand extends StateCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "COMMAND")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() {
    List<String> argv = command.isEmpty() ? List.of(System.getenv().getOrDefault("SHELL", "/bin/sh")) : command;
    IdMap map = IdMaps.build(IdMaps.Caller.current(), List.of(), List.of());
    if (map.warning() != null) err().println("jbox: warning: " + map.warning());
    Map<Namespace, NsMode> ns = new EnumMap<>(Namespace.class);
    for (Namespace n : Namespace.values()) ns.put(n, n == Namespace.USER ? NsMode.NEW : NsMode.HOST);
    // no rootfs: the helper keeps the caller's root, cwd, environment, stdin and terminal
    Plan plan = new Plan(argv, List.of(), null, null, null, null, ns, map, List.of(), List.of(), 0,
        EnumSet.of(Plan.Flag.STDIN), null, List.of(), null, null);
    PlanChannel.send(plan);
    return 0;
  }
}
