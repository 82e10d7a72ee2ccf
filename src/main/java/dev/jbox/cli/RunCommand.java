package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.Trace;
import java.util.List;
import dev.jbox.config.ConfigLoader;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.image.store.Containers;
import dev.jbox.image.store.Store;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.RunRequest;
import dev.jbox.sandbox.SandboxBuilder;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code jbox run}: parses with {@link RunOptions}, builds the plan and hands it to the helper. */
final class RunCommand {
  private RunCommand() {}

  static int execute(String[] args, PrintStream out, PrintStream err) {
    RunOptions o = RunOptions.parse(args);
    Trace.mark("parsed");
    if (o.flag("help")) {
      out.print(RunOptions.usage());
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
    String name = o.value("name");
    if (detach || name != null) DetachedRun.check(detach, imageName != null, name);
    Map<String, String> env = System.getenv();
    if (req.tty() && !detach && System.console() == null && env.get("JBOX_ALLOW_TTY_WITHOUT_TERMINAL") == null) {
      // podman warns and goes on; a pty relaying a pipe works, so jbox does the same
      err.println("jbox: warning: -t given but stdin is not a terminal");
    }
    String id = SandboxBuilder.newId();
    dev.jbox.state.Store stateStore = dev.jbox.state.Store.open(env, null); // (no lambda on the run path: dev.jbox.Text)
    Path stateRoot = stateStore.root();
    IdMaps.Caller caller = IdMaps.Caller.current();
    SandboxBuilder builder = new SandboxBuilder(ConfigLoader.current(), caller, env)
        .etcFilesIn(stateRoot.resolve("files"));
    Plan plan = null;
    byte[] keptPlan = null; // a kept foreground sandbox's plan, as recorded for jbox start
    Path containerDir = null;
    String imageLabel = null;
    String stopSignal = "TERM";
    if (imageName != null) {
      RunImage.Resolved img = RunImage.resolve(imageName, o.value("pull"), caller, out, err);
      // what crashed runs left goes first: a listing and a stat or two per sandbox (java.io, well
      // under a millisecond) when nothing did; the deleter's JVM only when something did
      List<String> leftovers = Store.sandboxLeftovers(img.containersDir(), System.currentTimeMillis(), stateRoot);
      if (!leftovers.isEmpty()) KeptSandboxes.sweep(new Containers(img.containersDir()), leftovers, err);
      containerDir = img.containersDir().resolve(id);
      imageLabel = img.spec().name();
      stopSignal = img.stopSignal();
      try {
        plan = builder.build(req, id, img.spec(), containerDir);
        Map<String, Object> record = record(id, name, img, plan, req.rm(), detach);
        record.put("stopSignal", stopSignal); // what jbox stop sends (addRestart keeps it)
        if (!req.rm() && !detach) {
          // jbox start runs it again, detached, as it runs a run -d sandbox: the same record and
          // plan, whose generated /etc files stay until jbox rm
          Plan again = plan.keepingGeneratedFiles();
          keptPlan = PlanWriter.encode(again);
          DetachedRun.addRestart(record, id, name, req, again, plan.removeDir(), keptPlan);
        }
        Path dir = containerDir;
        if (name == null) Store.recordSandbox(dir, record, req.rm());
        else stateStore.withName(name, () -> {
          KeptSandboxes.checkNameFree(img.containersDir(), name, id);
          Store.recordSandbox(dir, record, req.rm());
        });
      } catch (RuntimeException e) {
        if (plan != null) removeQuietly(plan.removeDir());
        Containers.discardUnstarted(containerDir);
        throw e;
      }
      if (!req.rm()) {
        String ref = name != null ? name : id.substring(0, 12);
        err.println("jbox: the sandbox's changes stay in " + containerDir + "; jbox rm " + ref + " removes them");
      }
    } else {
      plan = builder.build(req, id);
    }
    if (plan.idMap().warning() != null) err.println("jbox: warning: " + plan.idMap().warning());
    Trace.mark("planned");
    try {
      if (detach) DetachedRun.send(id, name, imageLabel, stopSignal, req, plan.keepingGeneratedFiles(), env, err, preserve);
      else if (keptPlan != null) PlanChannel.send(preserve.isEmpty() ? keptPlan : PlanWriter.append(keptPlan, preserve));
      else PlanChannel.send(plan, preserve);
    } catch (RuntimeException e) {
      // the helper never got the plan: the generated files and the sandbox's directory are ours to remove
      removeQuietly(plan.removeDir());
      if (containerDir != null) Containers.discardUnstarted(containerDir);
      throw e;
    }
    return 0;
  }

  /** The image sandbox's record in the store (containers/ID/config.json): what ps, rm and rmi read. */
  private static Map<String, Object> record(String id, String name, RunImage.Resolved img, Plan plan, boolean rm, boolean detached) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", name);
    m.put("image", img.spec().name());
    m.put("imageId", img.spec().id());
    m.put("command", new ArrayList<Object>(plan.argv()));
    m.put("created", System.currentTimeMillis());
    m.put("rm", rm);
    m.put("detached", detached);
    return m;
  }

  private static void removeQuietly(String dir) {
    if (dir == null) return;
    try (var s = java.nio.file.Files.list(java.nio.file.Path.of(dir))) {
      for (var f : s.toList()) java.nio.file.Files.deleteIfExists(f);
      java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(dir));
    } catch (java.io.IOException e) {
      // best effort: it is a directory of three small files in the caller's runtime dir
    }
  }
}
