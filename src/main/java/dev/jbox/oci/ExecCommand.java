package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.json.Json;
import dev.jbox.sandbox.idmap.ProcStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code exec}: another process in a running container, from {@code --process FILE} (an OCI
 * process object) or from the container's own process with the command, cwd, env and user
 * given. The helper joins the init's namespaces (the EXEC plan of {@code jbox exec}).
 */
@Command(name = "exec", mixinStandardHelpOptions = true, description = "Run a process in a running container.")
final class ExecCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-p", "--process"}, paramLabel = "FILE", description = "The process as OCI JSON.") Path process;

  @Option(names = {"-t", "--tty"}) boolean tty;

  @Option(names = {"-d", "--detach"}) boolean detach;

  @Option(names = "--pid-file", paramLabel = "FILE") Path pidFile;

  @Option(names = "--console-socket", paramLabel = "SOCKET") Path consoleSocket;

  @Option(names = "--cwd", paramLabel = "DIR") String cwd;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE") List<String> env = new ArrayList<>();

  @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]") String user;

  @Option(names = {"-g", "--additional-gids"}, paramLabel = "GID") List<Long> gids = new ArrayList<>();

  @Option(names = {"-c", "--cap"}, paramLabel = "CAP") List<String> caps = new ArrayList<>();

  @Option(names = "--no-new-privs") boolean noNewPrivs;

  @Option(names = "--preserve-fds", paramLabel = "N") int preserveFds;

  @Option(names = "--process-label", hidden = true) String label;

  @Option(names = "--apparmor", hidden = true) String apparmor;

  @Option(names = "--ignore-paused", hidden = true) boolean ignorePaused;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Parameters(index = "1..*", paramLabel = "COMMAND") List<String> command = new ArrayList<>();

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() throws IOException {
    Container c = Container.load(main.root(), id);
    String status = c.status();
    if (!status.equals("running") && !status.equals("created")) throw new JboxException("cannot exec in a " + status + " container");
    long[] pid = c.pid();
    Path bundle = Path.of(c.oci().bundle());
    Map<String, Object> config = OciConfig.read(bundle);
    Map<String, Object> proc;
    if (process != null) {
      try {
        proc = Json.parseObject(Files.readString(process));
      } catch (IOException | RuntimeException e) {
        throw new JboxException("--process " + process + ": " + e.getMessage());
      }
    } else {
      if (command.isEmpty()) throw new JboxException("exec: no command (give COMMAND or --process FILE)");
      proc = OciConfig.copy(OciConfig.obj(config, "process", true));
      proc.put("args", command);
      proc.put("terminal", tty);
      if (cwd != null) proc.put("cwd", cwd);
      List<Object> e = new ArrayList<>(OciConfig.list(proc, "env"));
      e.addAll(env);
      proc.put("env", e);
      if (user != null || !gids.isEmpty()) {
        Map<String, Object> u = OciConfig.copy(proc.get("user") == null ? Map.of() : OciConfig.asObj(proc.get("user"), "user"));
        if (user != null) {
          String[] ug = user.split(":", 2);
          try {
            u.put("uid", Long.parseLong(ug[0]));
            if (ug.length == 2) u.put("gid", Long.parseLong(ug[1]));
          } catch (NumberFormatException ex) {
            throw new JboxException("--user `" + user + "`: expected UID[:GID]");
          }
        }
        if (!gids.isEmpty()) u.put("additionalGids", gids);
        proc.put("user", u);
      }
      if (noNewPrivs) proc.put("noNewPrivileges", true);
      if (!caps.isEmpty()) {
        Map<String, Object> cs = OciConfig.copy(proc.get("capabilities") == null ? Map.of() : OciConfig.asObj(proc.get("capabilities"), "capabilities"));
        for (String set : List.of("bounding", "effective", "permitted", "ambient")) {
          List<Object> l = new ArrayList<>(OciConfig.list(cs, set));
          l.addAll(caps);
          cs.put(set, l);
        }
        proc.put("capabilities", cs);
      }
    }
    config.put("process", proc);
    long[] ids = ProcStatus.uidGid();
    OciConfig oc = OciConfig.translate(config, bundle, ids[0], ids[1]);
    if (oc.terminal() && detach && consoleSocket == null) {
      throw new JboxException("cannot allocate a terminal for a detached process without --console-socket");
    }
    if (preserveFds < 0 || preserveFds > 1024) throw new JboxException("--preserve-fds " + preserveFds + ": 0 to 1024");
    List<PlanWriter.Extra> extras = new ArrayList<>(oc.extras());
    if (preserveFds > 0) extras.add(new PlanWriter.Extra(PlanWriter.T_PRESERVE_FDS, Integer.toString(preserveFds)));
    extras.add(new PlanWriter.Extra(PlanWriter.T_OCI, (detach ? "exec-detach" : "exec") + "\0" + c.dir + "\0"
        + (pidFile == null ? "" : pidFile.toAbsolutePath().normalize()) + "\0"
        + (consoleSocket == null ? "" : consoleSocket.toAbsolutePath().normalize())));
    extras.add(new PlanWriter.Extra(PlanWriter.T_EXEC, pid[0] + " " + pid[1]));
    PlanChannel.send(oc.plan(), extras);
    return 0;
  }
}
