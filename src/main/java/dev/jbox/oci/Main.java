package dev.jbox.oci;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.SandboxRecord;
import dev.jbox.sandbox.idmap.ProcStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jbox-oci}: jbox as an OCI runtime, driven by podman, containerd or CRI-O through runc's
 * command line. The helper starts this JVM (helpers/main.c, argv[0] {@code jbox-oci}); {@code
 * create} and {@code run} hand it a plan with a T_OCI record, the other commands act on the state
 * under {@code --root} and exit.
 */
@Command(
    name = "jbox-oci",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "jbox's OCI runtime (runc's command line).",
    subcommands = {CreateCommand.class, StartCommand.class, StateCommand.class, KillCommand.class,
        DeleteCommand.class, RunCommand.class, ExecCommand.class, PsCommand.class, ListCommand.class,
        SpecCommand.class, FeaturesCommand.class})
public final class Main implements Runnable {
  static final String OCI_VERSION = "1.0.2";

  @Option(names = "--root", paramLabel = "DIR", description = "State directory (default $XDG_RUNTIME_DIR/jbox-oci, /run/jbox-oci as root).")
  Path root;

  @Option(names = "--log", paramLabel = "FILE", description = "Also write errors and warnings to FILE.")
  Path log;

  @Option(names = "--log-format", paramLabel = "text|json", description = "Format of --log (default text).")
  String logFormat = "text";

  @Option(names = "--debug", description = "Print stack traces of internal errors and the warnings.")
  boolean debug;

  @Option(names = "--systemd-cgroup", description = "Accepted; jbox-oci applies no cgroups.")
  boolean systemdCgroup;

  @Option(names = "--rootless", paramLabel = "true|false|auto", description = "Accepted: rootless is decided by the caller's uid.")
  String rootless;

  @Option(names = "--criu", paramLabel = "PATH", hidden = true)
  String criu;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  PrintStream out = System.out;
  PrintStream err = System.err;

  /** picocli's version line. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"jbox-oci version 0.1", "spec: " + OCI_VERSION};
    }
  }

  public static void main(String[] args) {
    dev.jbox.Trace.mark("oci-jvm-main");
    dev.jbox.sys.QuickExit.exit(run(args, System.out, System.err));
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Main root = new Main();
    root.out = out;
    root.err = err;
    FastCreate.Parsed fast = FastCreate.parse(args);
    if (fast != null) return create(root, fast);
    CommandLine cl = new CommandLine(root);
    cl.setExpandAtFiles(false); // `exec ID echo @FILE` passes @FILE itself, as runc does
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.getSubcommands().get("exec").setStopAtPositional(true);
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof JboxException je) {
        root.error(je.getMessage());
        if (root.debug) je.printStackTrace(err);
        return je.exitCode();
      }
      root.error("internal error: " + ex);
      if (root.debug) ex.printStackTrace(err);
      return 125;
    });
    cl.setParameterExceptionHandler((ex, a) -> {
      root.error(ex.getMessage());
      return 125;
    });
    return cl.execute(args);
  }

  /** {@code create} as FastCreate read it, with picocli's handling of its errors (run() above). */
  private static int create(Main main, FastCreate.Parsed p) {
    main.root = p.root();
    main.log = p.log();
    main.logFormat = p.logFormat();
    main.debug = p.debug();
    try {
      createAndSend(main, p.id(), p.bundle(), "create", p.pidFile(), p.consoleSocket(), p.preserveFds());
      return 0;
    } catch (JboxException je) {
      main.error(je.getMessage());
      if (main.debug) je.printStackTrace(main.err);
      return je.exitCode();
    } catch (RuntimeException ex) {
      main.error("internal error: " + ex);
      if (main.debug) ex.printStackTrace(main.err);
      return 125;
    }
  }

  /** The state directory: --root, or one per user. */
  Path root() {
    if (root != null) return root.toAbsolutePath().normalize();
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    boolean xdgOk = xdg != null && xdg.startsWith("/") && Files.isDirectory(Path.of(xdg));
    // root of the initial user namespace; root of another (rootless podman's) is rootless as runc sees it
    if (ProcStatus.uidGid()[0] == 0 && (!xdgOk || initialUserNamespace())) return Path.of("/run/jbox-oci");
    if (xdgOk) return Path.of(xdg, "jbox-oci");
    return Path.of("/tmp", "jbox-oci-" + ProcStatus.uidGid()[0]);
  }

  static boolean initialUserNamespace() {
    try {
      return Files.readString(Path.of("/proc/self/uid_map")).trim().replaceAll("\\s+", " ").equals("0 0 4294967295");
    } catch (IOException e) {
      return true;
    }
  }

  /** One line on stderr and, with --log, in the log. */
  void error(String msg) {
    err.println("jbox-oci: " + msg);
    logLine("error", msg);
  }

  /**
   * Into --log; on stderr only with --debug: an engine hands the container's own stdio to create,
   * so anything printed there would end up in the container's output.
   */
  void warn(String msg) {
    if (debug) err.println("jbox-oci: warning: " + msg);
    logLine("warning", msg);
  }

  private void logLine(String level, String msg) {
    if (log == null) return;
    String line;
    if ("json".equals(logFormat)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("level", level);
      m.put("msg", msg);
      m.put("time", Instant.now().toString());
      line = Json.write(m);
    } else {
      line = Instant.now() + " " + level + " " + msg;
    }
    try {
      Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      err.println("jbox-oci: write the log `" + log + "`: " + e.getMessage());
    }
  }

  /** config.json's annotations (strings, as runtime-spec has them). */
  static Map<String, String> annotations(Map<String, Object> a) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : a.entrySet()) {
      if (!(e.getValue() instanceof String v)) throw new JboxException("invalid config.json: annotations." + e.getKey() + " is not a string");
      out.put(e.getKey(), v);
    }
    return out;
  }

  /**
   * config.json's hooks, typed: one that is not an object, or has a field of the wrong type, is
   * refused at create (a missing path is the hook's error when it runs, as before).
   */
  static Map<String, List<SandboxRecord.Hook>> hooks(Map<String, Object> h) {
    Map<String, List<SandboxRecord.Hook>> out = new LinkedHashMap<>();
    for (String kind : h.keySet()) {
      List<SandboxRecord.Hook> l = new java.util.ArrayList<>();
      for (Object o : OciConfig.list(h, kind)) {
        Map<String, Object> one = OciConfig.asObj(o, "hooks." + kind + "[]");
        try {
          l.add(SandboxRecord.Hook.of(one));
        } catch (ClassCastException e) {
          throw new JboxException("invalid config.json: hooks." + kind + "[]: a field of the wrong type");
        }
      }
      out.put(kind, l);
    }
    return out;
  }

  /** The shared parts of create and run: config.json into a plan, the state directory, the plan sent. */
  static void createAndSend(Main main, String id, Path bundle, String mode, Path pidFile, Path consoleSocket,
      int preserveFds) {
    Container.checkId(id);
    Path b = (bundle == null ? Path.of("") : bundle).toAbsolutePath().normalize();
    long[] ids = ProcStatus.uidGid();
    dev.jbox.Trace.mark("oci-parsed-args");
    Map<String, Object> config = OciConfig.read(b);
    dev.jbox.Trace.mark("oci-config-read");
    OciConfig oc = OciConfig.translate(config, b, ids[0], ids[1]);
    dev.jbox.Trace.mark("oci-config-translated");
    if (oc.terminal() && consoleSocket == null && !mode.equals("run")) {
      throw new JboxException("cannot allocate a terminal for a detached container without --console-socket");
    }
    if (preserveFds < 0 || preserveFds > 1024) throw new JboxException("--preserve-fds " + preserveFds + ": 0 to 1024");
    for (String w : oc.warnings()) main.warn(w);
    Path root = main.root();
    if (Files.exists(root.resolve(id))) throw new JboxException("container with id `" + id + "` already exists");
    Object version = config.getOrDefault("ociVersion", OCI_VERSION);
    SandboxRecord.Oci oci = new SandboxRecord.Oci(version instanceof String v ? v : OCI_VERSION, b.toString(),
        annotations(oc.annotations()), hooks(oc.hooks()),
        consoleSocket == null ? null : consoleSocket.toAbsolutePath().normalize().toString(),
        pidFile == null ? null : pidFile.toAbsolutePath().normalize().toString());
    Container c = Container.create(root, SandboxRecord.ofOci(id, oc.rootfs(), oc.plan().argv(), System.currentTimeMillis(),
        oc.plan().hostname(), oci));
    try {
      List<dev.jbox.helper.PlanWriter.Extra> extras = new java.util.ArrayList<>(oc.extras());
      extras.addAll(Hooks.records(oc.hooks(), c.state()));
      if (preserveFds > 0) extras.add(new dev.jbox.helper.PlanWriter.Extra(dev.jbox.helper.PlanWriter.T_PRESERVE_FDS, Integer.toString(preserveFds)));
      extras.add(new dev.jbox.helper.PlanWriter.Extra(dev.jbox.helper.PlanWriter.T_OCI, mode + "\0" + c.dir + "\0"
          + (pidFile == null ? "" : pidFile.toAbsolutePath().normalize()) + "\0"
          + (consoleSocket == null ? "" : consoleSocket.toAbsolutePath().normalize())));
      dev.jbox.Trace.mark("oci-state-written");
      dev.jbox.helper.PlanChannel.send(oc.plan(), extras);
    } catch (RuntimeException e) {
      c.remove();
      throw e;
    }
  }
}
