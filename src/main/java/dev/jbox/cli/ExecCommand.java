package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.MonitorState;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox exec}: a plan that makes the helper join a running sandbox's namespaces and run a command. */
@Command(name = "exec", mixinStandardHelpOptions = true, description = "Run a command in a running sandbox (see jbox-exec(1)).")
final class ExecCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-i", "--interactive"}, description = "Keep stdin open.")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "Give the command a terminal (from the sandbox's devpts).")
  boolean tty;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (KEY alone: from jbox's environment).")
  List<String> env = new ArrayList<>();

  @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (default: the sandbox's).")
  String user;

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory (default: the sandbox's).")
  String workdir;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
  List<String> command;

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() {
    Sandbox s = store().find(ref);
    MonitorState st = s.state();
    if (st == null || !s.status().running()) throw new JboxException("exec: sandbox " + s.label() + " is not running");
    Map<String, Object> p = (Map<String, Object>) s.config().get("process");
    Map<String, String> envMap = new LinkedHashMap<>();
    for (Object e : (List<Object>) p.get("env")) put(envMap, (String) e);
    for (String e : env) {
      if (e.indexOf('=') < 0) {
        String v = System.getenv(e);
        if (v != null) envMap.put(e, v);
      } else {
        put(envMap, e);
      }
    }
    if (tty) envMap.putIfAbsent("TERM", System.getenv().getOrDefault("TERM", "xterm"));
    List<String> envList = new ArrayList<>();
    envMap.forEach((k, v) -> envList.add(k + "=" + v));
    String cwd = workdir != null ? workdir : (String) p.get("cwd");
    if (cwd != null && !cwd.startsWith("/")) throw new JboxException("exec: --workdir `" + cwd + "`: must be an absolute path");
    String u = user != null ? user : (String) p.get("user");
    if (u != null && (u.isEmpty() || u.contains("\n"))) throw new JboxException("exec: --user: empty or malformed");
    Set<Plan.Flag> flags = EnumSet.noneOf(Plan.Flag.class);
    for (Object w : (List<Object>) p.get("flags")) {
      if (w.equals(Plan.Flag.SECCOMP.word())) flags.add(Plan.Flag.SECCOMP);
      if (w.equals(Plan.Flag.NO_NEW_PRIVS.word())) flags.add(Plan.Flag.NO_NEW_PRIVS);
    }
    if (tty) flags.add(Plan.Flag.TTY);
    if (interactive) flags.add(Plan.Flag.STDIN);
    List<Plan.Rlimit> rl = new ArrayList<>();
    for (Object o : (List<Object>) p.get("rlimits")) {
      List<Object> r = (List<Object>) o;
      rl.add(new Plan.Rlimit(((Number) r.get(0)).intValue(), ((Number) r.get(1)).longValue(), ((Number) r.get(2)).longValue()));
    }
    long caps = Long.parseUnsignedLong((String) p.get("capabilities"));
    Plan plan = new Plan(command, envList, cwd, u, null, null, Map.of(), null, List.of(), rl, caps, flags, null, List.of(), null, null);
    PlanChannel.send(plan, List.of(new PlanWriter.Extra(PlanWriter.T_EXEC, st.pid() + " " + st.pidStart())));
    return 0;
  }

  private static void put(Map<String, String> m, String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0 || kv.indexOf('\0') >= 0) throw new JboxException("exec: --env `" + kv + "`: expected KEY=VALUE");
    m.put(kv.substring(0, eq), kv.substring(eq + 1));
  }
}
