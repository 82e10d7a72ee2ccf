package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.config.ConfigLoader;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.sandboxes.MonitorState;
import dev.jbox.sandboxes.Sandbox;
import dev.jbox.sandboxes.SandboxRecord;
import dev.jbox.sandboxes.SandboxStore;
import dev.jbox.sandboxes.ShellSandboxes;
import dev.jbox.helper.UserNamespace;
import dev.jbox.sandbox.DevShell;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.SandboxBuilder;
import dev.jbox.sandbox.ShellProject;
import dev.jbox.sandbox.ShellSettings;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code jbox shell}: a sandboxed shell (or one command) in the current project, on the host's own
 * toolchain, with the home directory copy-on-write and the secrets hidden. Parsed by hand like
 * {@code run}; the policy is {@link DevShell}, the project's files {@link ShellProject}.
 */
final class ShellCommand {
  private ShellCommand() {}

  static final List<RunOptions.Opt> TABLE = List.of(
      new RunOptions.Opt("project", null, "DIR", false, "the project directory (default: the git top level of the current directory, or the directory)"),
      new RunOptions.Opt("root", null, null, false, "be root inside (your uid mapped to 0) instead of yourself"),
      new RunOptions.Opt("image", null, "IMAGE", false, "an image's root filesystem (read-only) instead of the host's, same project and home policy"),
      new RunOptions.Opt("network", null, "MODE", false, "pasta (default; the host's loopback closed) or none"),
      new RunOptions.Opt("git", null, "MODE", false, "the project's repository: read-only (default: nothing can plant what git runs outside) or writable"),
      new RunOptions.Opt("allow-host", null, "HOST[:PORT]", true, "reach only these destinations (names resolved at start); every other connection is refused"),
      new RunOptions.Opt("ro", null, "PATH", true, "also bind PATH read-only (e.g. a hidden file you want to read)"),
      new RunOptions.Opt("rw", null, "PATH", true, "also bind PATH writable, straight to the host"),
      new RunOptions.Opt("hide", null, "PATH", true, "show PATH as absent, beside the built-in secrets list"),
      new RunOptions.Opt("write-through", null, "PATH", true, "a cache under $HOME written straight to the host (when it exists)"),
      new RunOptions.Opt("env-deny", null, "NAME", true, "drop environment variables matching NAME (* matches anything)"),
      new RunOptions.Opt("new", null, null, false, "start a separate sandbox even when the project's sandbox runs (not joined by later shells)"),
      new RunOptions.Opt("diff", null, null, false, "list what the project's sessions changed in $HOME (A added, C changed, D deleted)"),
      new RunOptions.Opt("reset", null, null, false, "drop the project's changes to $HOME"),
      new RunOptions.Opt("print-config", null, null, false, "show the policy in force and where each piece came from"),
      new RunOptions.Opt("trust", null, null, false, "trust the project's .jbox/shell.toml as it is now (needed when it sets ro, rw or write-through)"),
      new RunOptions.Opt("help", "h", null, false, "show this help"));

  /** The options that shape a sandbox (a joined one keeps its own). */
  static final List<String> POLICY = List.of("root", "image", "network", "git", "allow-host", "ro", "rw", "hide", "write-through", "env-deny");

  static int execute(String[] args, PrintStream out, PrintStream err) {
    RunOptions o = RunOptions.parse(args, TABLE, "shell");
    if (o.flag("help")) {
      out.print(usage());
      return 0;
    }
    Map<String, String> env = System.getenv();
    // tests (ShellInputsTest): every input of the policy, written beside the plan
    String keyFile = env.get("JBOX_DEBUG_KEY_FILE");
    // A new project sandbox's KEY and start template are kept for its prepared start
    // (ShellSandboxes.writePrestart, helpers/prestart.c), from which the launcher starts the
    // project's next sandbox itself (helpers/shell_start.c); JBOX_PRESTART=check (tests): kept
    // and checked, but the JVM starts every sandbox; JBOX_PRESTART=0: off (and dropped).
    boolean prestart = !"0".equals(env.get("JBOX_PRESTART"));
    if (prestart || keyFile != null) dev.jbox.PolicyInputs.start();
    // the options (the command, working directory and environment are the start's own)
    dev.jbox.PolicyInputs.value("options", o.values.toString());
    dev.jbox.PolicyInputs.value("command", o.command.isEmpty() ? "none ($SHELL)" : "given");
    dev.jbox.Trace.mark("parsed");
    ShellProject project = ShellProject.find(o.value("project"), env);
    dev.jbox.Trace.mark("shell-project");
    ShellSettings settings = project.settings();
    for (String k : ShellSettings.LIST_KEYS) for (String v : o.all(k)) settings.add(k, v, "--" + k);
    for (String k : ShellSettings.VALUE_KEYS) if (o.value(k) != null) settings.set(k, o.value(k), "--" + k);
    int modes = (o.flag("diff") ? 1 : 0) + (o.flag("reset") ? 1 : 0) + (o.flag("print-config") ? 1 : 0);
    if (modes > 1) throw new JboxException("shell: --diff, --reset and --print-config go alone");
    if (modes > 0 && !o.command.isEmpty()) throw new JboxException("shell: --diff, --reset and --print-config take no command");
    if (o.flag("print-config")) {
      out.println("project        " + project.dir());
      out.println("home changes   " + project.upper());
      if (!project.tomlState().equals("none")) {
        List<String> untrusted = project.untrustedWidening();
        out.println("project config " + project.toml() + (project.widening().isEmpty() ? " (narrows only)"
            : untrusted.isEmpty() ? " (trusted)" : " (NOT trusted: sets " + String.join(", ", untrusted) + "; see --trust)"));
      }
      out.print(settings.describe());
      return 0;
    }
    if (o.flag("diff")) {
      for (String line : project.diff()) out.println(dev.jbox.Text.escape(line)); // names the sandbox chose: no escape sequence reaches the terminal
      return 0;
    }
    if (o.flag("reset")) {
      SandboxStore store = SandboxStore.open(env, null);
      if (ShellSandboxes.running(store, project.id()) != null) throw new JboxException("shell --reset: the project's sandbox is running: exit it first");
      reset(project, err);
      return 0;
    }
    if (o.flag("trust")) project.trust();
    IdMaps.Caller caller = IdMaps.Caller.current();
    SandboxStore store = SandboxStore.open(env, null);
    dev.jbox.PolicyInputs.value("store", store.root().toString());
    Path rootDir = store.root().resolve("shell-root");
    boolean tty = System.console() != null;
    dev.jbox.PolicyInputs.value("tty", Boolean.toString(tty));
    String id = SandboxBuilder.newId();
    DevShell shell = new DevShell(ConfigLoader.load(env), caller, env);
    dev.jbox.Trace.mark("shell-config");
    boolean joinable = !o.flag("new");
    // held until this JVM exits (the helper takes the new sandbox's own lock once it has the
    // plan): a second shell started at the same moment finds this one's record and waits for it
    ShellSandboxes.lockProject(store, project.id());
    // read once: the sandbox to join, or the ended one to remove
    Sandbox linked = ShellSandboxes.linked(store, project.id());
    if (joinable) {
      // one sandbox per project: a second shell joins the running one (helpers/exec.c)
      Sandbox running = ShellSandboxes.running(store, linked);
      MonitorState st = running == null ? null : running.monitorState();
      if (st != null) {
        for (String k : POLICY) {
          if (o.values.containsKey(k)) throw new JboxException("shell: the project's sandbox runs with its own policy and --" + k + " cannot change it: add --new for a separate sandbox");
        }
        DevShell.Request join = new DevShell.Request(settings, project.dir(), project.cwd(), project.home(),
            project.upper(), project.work(), rootDir, o.command, o.flag("root"), tty, true, running.label(), null, null);
        // the launcher's next join of this project needs no JVM (helpers/shell_join.c); written
        // again here, so a rename or a changed .jbox/shell.toml costs one join through the JVM
        ShellSandboxes.writeJoinTemplate(running, DevShell.joinTemplate(caller, running.label(), project.dir()),
            project.joinDeny(), project.tomlState());
        PlanChannel.send(shell.joinPlan(join), List.of(new PlanWriter.Extra(PlanWriter.T_EXEC, st.pid() + " " + st.pidStart())));
        return 0;
      }
    }
    dev.jbox.Trace.mark("shell-looked-up");
    List<String> untrusted = project.untrustedWidening();
    if (!untrusted.isEmpty()) {
      throw new JboxException("shell: " + project.toml() + " sets " + String.join(", ", untrusted)
          + " (more of your files in the sandbox) and is not trusted: read it, then run `jbox shell --trust`");
    }
    // the project's ended sandbox (the one its link names, without listing every record)
    ShellSandboxes.removeEnded(store, project.id(), linked, err);
    // the project directory's name, unless another sandbox has it: that is found when the record
    // is written (one listing, under the store's lock), and the plan then renamed
    String name = ShellSandboxes.baseName(project.name());
    dev.jbox.Trace.mark("shell-named");
    DevShell.Request req = new DevShell.Request(settings, project.dir(), project.cwd(), project.home(),
        project.upper(), project.work(), rootDir, o.command, o.flag("root"), tty, true, name, null, null);
    ShellSettings.Item image = settings.value("image");
    dev.jbox.sandboxes.RunImage.Resolved img = null;
    if (image != null) {
      // pulled when missing, as jbox run does; the session's upper layer is removed when it ends
      img = dev.jbox.sandboxes.RunImage.resolve(image.value(), "missing", caller, out, err, Prompts.shortNames());
      req = new DevShell.Request(settings, project.dir(), project.cwd(), project.home(), project.upper(), project.work(),
          rootDir, o.command, o.flag("root"), tty, true, name, img.spec(),
          ShellSandboxes.imageDir(store, project.id(), id));
    }
    Path files = store.root().resolve("files");
    // every check first (the plan's building writes the /etc files last), then the directories
    String[] firewall = shell.firewall(settings);
    Plan plan = shell.build(req, id, files, ShellSandboxes.lockFile(store, id));
    // the policy's inputs, before the join template's computation (which asks for nothing the
    // policy depends on, from an empty environment) adds lines of its own
    List<String> key = dev.jbox.PolicyInputs.key();
    dev.jbox.Trace.mark("planned");
    List<PlanWriter.Extra> extras = firewall == null ? List.of() : List.of(new PlanWriter.Extra(PlanWriter.T_NFT, firewall[0] + "\0" + firewall[1]));
    Sandbox recorded = null;
    try {
      project.prepare(store.root());
      SandboxRecord r = SandboxRecord.of(id, name, SandboxRecord.Kind.SHELL, img == null ? "(host)" : img.spec().name(),
          img == null ? null : img.spec().id(), null, null, plan, false, null, null);
      recorded = ShellSandboxes.record(store, r.withNetwork(settings.value("network").value()), project.id(),
          project.dir(), joinable, true);
      if (recorded == null) {
        String taken = name;
        name = ShellSandboxes.otherName(taken, id);
        plan = DevShell.renamed(plan, name);
        r = SandboxRecord.of(id, name, SandboxRecord.Kind.SHELL, img == null ? "(host)" : img.spec().name(),
            img == null ? null : img.spec().id(), null, null, plan, false, null, null);
        recorded = ShellSandboxes.record(store, r.withNetwork(settings.value("network").value()), project.id(),
            project.dir(), joinable);
      }
      if (joinable) {
        ShellSandboxes.writeJoinTemplate(recorded, DevShell.joinTemplate(caller, name, project.dir()), project.joinDeny(),
            project.tomlState());
      }
      dev.jbox.Trace.mark("recorded");
      if (keyFile != null && !keyFile.isEmpty()) dev.jbox.PolicyInputs.writeKey(Path.of(keyFile), key);
      // a firewall (allow-host, from the project's toml) is sent beside the plan, not in it: no
      // start template holds it, so such a policy is never prepared
      if (prestart) prepare(store, project, req, img == null && joinable && firewall == null, o, key, plan, recorded, name, files.resolve(id));
      else ShellSandboxes.dropPrestart(store, project.id());
      PlanChannel.send(plan, extras);
    } catch (RuntimeException e) {
      if (recorded != null) store.forgetRuntime(recorded);
      ShellProject.removeQuietly(files.resolve(id));
      if (req.imageDir() != null) for (String d : List.of("upper", "work", "merged", "")) req.imageDir().resolve(d).toFile().delete();
      throw e;
    }
    return 0;
  }

  /**
   * The KEY of this start, for the project's next one (helpers/prestart.c): only for the forms the
   * launcher takes (no option but --project and --network; the host's root; the project's joinable sandbox),
   * while every stat the policy made is still true after the preparation (the first start of a
   * project creates its home layer under a deny-listed directory: its KEY would be stale at once),
   * and when no path the policy binds (rw, ro, write-through) is the runtime directory or lies
   * in or above it (a sandbox must not see it). Otherwise the project's earlier KEY is removed.
   */
  private static void prepare(SandboxStore store, ShellProject project, DevShell.Request req, boolean hostJoinable, RunOptions o,
      List<String> key, Plan plan, Sandbox recorded, String name, Path filesDir) {
    String helper = System.getenv("JBOX_HELPER");
    String cp = System.getProperty("java.class.path", "");
    String jar = cp.split(java.io.File.pathSeparator, -1)[0];
    boolean plain = true;
    for (String k : o.values.keySet()) plain &= k.equals("project") || k.equals("network"); // no lambda on the start path (dev.jbox.Text)
    if (hostJoinable && plain && helper != null && helper.startsWith("/") && jar.startsWith("/")
        && !DevShell.binds(req, store.root()) && dev.jbox.PolicyInputs.statsStillTrue()) {
      // the start template: this start's plan for a caller with an empty environment and no
      // command, and the records it wrote, with a marker where the id is (tests: the plan sent)
      Plan template = DevShell.startTemplate(plan, name, project.dir());
      byte[] start = PlanWriter.encodeWithoutArgv(template, List.of());
      ShellSandboxes.writePrestart(store, project.id(), Path.of(jar), Path.of(helper), key,
          ShellSandboxes.startTemplates(template, start, recorded, filesDir));
    } else {
      ShellSandboxes.dropPrestart(store, project.id());
    }
  }

  /** Drops the upper layer; its work directory belongs to a subordinate id, so inside the user namespace. */
  private static void reset(ShellProject project, PrintStream err) {
    Path dir = project.upper().getParent();
    if (!dir.toFile().exists()) return;
    try {
      UserNamespace.removeTree(dir, w -> err.println("jbox: warning: " + w));
    } catch (IOException e) {
      throw new JboxException("shell --reset: " + e.getMessage());
    }
  }

  static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: jbox shell [OPTIONS] [-- COMMAND [ARG...]]\n\n");
    b.append("A sandboxed shell (or COMMAND) in the project: the host's root read-only, the project\n"
        + "writable, $HOME copy-on-write with your secrets hidden, your own uid inside.\n\nOptions:\n");
    b.append(RunOptions.describe(TABLE));
    b.append("\nPer-project policy: .jbox/shell.toml in the project (keys as the options). Exit status:\n"
        + "COMMAND's own; 125 when jbox fails.\n");
    return b.toString();
  }

  static List<String> names() {
    List<String> n = new ArrayList<>();
    for (RunOptions.Opt op : TABLE) n.add(op.longName());
    return n;
  }
}
