package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.Trace;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandbox.RunRequest;
import dev.jbox.sandboxes.RestartPolicy;
import dev.jbox.sandboxes.RunPrepared;
import dev.jbox.sandboxes.SandboxService;
import dev.jbox.sandboxes.SandboxStore;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code jbox run}: parses with {@link RunOptions} and asks {@link SandboxService#run} to run it. */
final class RunCommand {
  private RunCommand() {}

  static int execute(String[] args, PrintStream out, PrintStream err) {
    return execute(args, out, err, false);
  }

  /** create: {@code jbox create}, which takes run's options and records the sandbox without running it. */
  static int execute(String[] args, PrintStream out, PrintStream err, boolean create) {
    RunOptions o = RunOptions.parse(args);
    Trace.mark("parsed");
    if (o.flag("help")) {
      out.print(create ? RunOptions.usage().replace("jbox run", "jbox create").replace("Run COMMAND in a new rootless sandbox.",
          "Create a sandbox that jbox start runs (detached).") : RunOptions.usage());
      return 0;
    }
    // jbox run [OPTIONS] IMAGE [COMMAND...] unless --rootfs names the root
    List<String> command = o.command;
    String imageName = null;
    if (o.value("rootfs") == null) {
      if (command.isEmpty()) throw new JboxException("run: no IMAGE given (usage: jbox run [OPTIONS] IMAGE [COMMAND [ARG...]])");
      imageName = command.get(0);
      command = command.subList(1, command.size());
    }
    RunRequest req = new RunRequest(
        o.value("rootfs"), command, o.all("env"), o.all("env-file"), o.value("workdir"), o.value("user"),
        o.value("hostname"), o.all("ulimit"), o.all("cap-add"), o.all("cap-drop"), o.all("security-opt"),
        o.flag("init") ? Boolean.TRUE : null, o.flag("tty"), o.flag("interactive"), o.flag("read-only"),
        !Boolean.FALSE.equals(o.bool("read-only-tmpfs")),
        o.all("uidmap"), o.all("gidmap"), o.value("pid"), o.value("network"), o.value("ipc"), o.value("uts"),
        o.value("cgroupns"), o.value("timens"),
        o.all("volume"), o.all("mount"), o.all("tmpfs"), o.all("publish"), o.flag("rm"), o.value("entrypoint"),
        o.all("dns"), o.value("storage-driver"), o.all("sysctl"), o.value("userns"));
    // checked before anything is created (a bad count leaves nothing behind)
    List<PlanWriter.Extra> preserve = PlanChannel.preserveFds("--preserve-fds", o.value("preserve-fds"));
    boolean detach = o.flag("detach");
    Map<String, String> env = System.getenv();
    if (req.tty() && !detach && System.console() == null && env.get("JBOX_ALLOW_TTY_WITHOUT_TERMINAL") == null) {
      // podman warns and goes on; a pty relaying a pipe works, so jbox does the same
      err.println("jbox: warning: -t given but stdin is not a terminal");
    }
    // a run the launcher may prepare keeps the KEY of what its plan was computed from (RunPrepared)
    // (named by the words up to IMAGE, and whether a command follows: the command is the call's own)
    String prepared = !create && RunPrepared.wanted(env) && preparable(o, imageName)
        ? RunPrepared.argvHash(RunPrepared.keyWords(args, command.size())) : null;
    if (prepared != null) {
      dev.jbox.PolicyInputs.start();
      dev.jbox.PolicyInputs.value("argv", "sha256:" + prepared);
    }
    SandboxStore store = SandboxStore.open(env, null); // (no lambda on the run path: dev.jbox.Text)
    if (prepared != null) dev.jbox.PolicyInputs.value("store", store.root().toString());
    // a KEY named by every word, an older jbox's for these words with their command, would be
    // found first and never be fresh again (one stat when there is none)
    if (prepared != null && !command.isEmpty()) RunPrepared.drop(store, RunPrepared.argvHash(args));
    new SandboxService(store, err).preparing(prepared).run(new SandboxService.RunSpec(req, imageName, o.value("pull"), o.value("name"), detach,
        imageName != null ? Prompts.shortNames() : null, create, o.flag("replace"), preserve,
        RestartPolicy.parse(o.value("restart"))), env, out);
    return 0;
  }

  /**
   * The forms a run is prepared for: {@code run --rm [--network none|pasta|slirp4netns] [-i] [-t]
   * IMAGE [COMMAND...]}, an IMAGE named by a name (not an id or a digest: an id's prefix is resolved
   * against every record in the store, which the KEY does not list).
   */
  static boolean preparable(RunOptions o, String imageName) {
    if (imageName == null || !o.flag("rm") || imageName.indexOf('@') >= 0 || imageName.startsWith("sha256:")
        || dev.jbox.Text.isHex(imageName, 3, 64)) {
      return false;
    }
    for (Map.Entry<String, List<String>> e : o.values.entrySet()) {
      String k = e.getKey();
      if (k.equals("network")) {
        String n = o.value("network");
        if (!n.equals("none") && !n.equals("pasta") && !n.equals("slirp4netns")) return false;
      } else if (!(k.equals("rm") || k.equals("interactive") || k.equals("tty")) || e.getValue().contains("false")) {
        return false;
      }
    }
    return true;
  }
}
