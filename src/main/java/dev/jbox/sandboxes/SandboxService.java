package dev.jbox.sandboxes;

import dev.jbox.JboxException;
import dev.jbox.Trace;
import dev.jbox.config.ConfigLoader;
import dev.jbox.helper.PlanChannel;
import dev.jbox.helper.PlanWriter;
import dev.jbox.image.pull.PullService;
import dev.jbox.image.registry.RegistriesConf;
import dev.jbox.image.store.ImageStore;
import dev.jbox.image.store.StoreService;
import dev.jbox.image.unpack.Unpacker;
import dev.jbox.sandbox.Plan;
import dev.jbox.sandbox.RunRequest;
import dev.jbox.sandbox.SandboxBuilder;
import dev.jbox.sandbox.idmap.IdMaps;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operations on sandboxes that the commands call, for every kind alike: run, start, stop,
 * kill, rm, exec, attach, wait, logs, ps, inspect, top and ns. Commands parse, call one of these
 * and print; what a sandbox is and how each kind is found stays here and in {@link SandboxStore}.
 */
public final class SandboxService {
  private final SandboxStore store;
  private final PrintStream err;

  public SandboxService(SandboxStore store, PrintStream err) {
    this.store = store;
    this.err = err;
  }

  /** The words' hash of a run whose KEY is kept before its plan is sent (RunPrepared), or null. */
  private String preparedRun;

  /** Keeps the KEY of this run (RunPrepared.keep) just before its plan is sent. */
  public SandboxService preparing(String argvHash) {
    this.preparedRun = argvHash;
    return this;
  }

  public SandboxStore store() {
    return store;
  }

  // --- run ------------------------------------------------------------------------------------

  /**
   * What {@code jbox run} asks: image null for a --rootfs sandbox; prompter asks about ambiguous
   * short names (null: no terminal).
   */
  public record RunSpec(RunRequest request, String image, String pullPolicy, String name, boolean detach,
      RegistriesConf.Prompter prompter, boolean create, boolean replace, List<PlanWriter.Extra> preserve,
      RestartPolicy restart) {
    /**
     * preserve: the T_PRESERVE_FDS record of --preserve-fds ({@link PlanChannel#preserveFds}), sent
     * with this run only: the recorded plan ({@code jbox start}) never has it. restart: --restart
     * (null: no), for a detached or created sandbox that is kept.
     */
    public RunSpec {
      preserve = preserve == null ? List.of() : preserve;
      restart = restart == null ? RestartPolicy.NO : restart;
      if (create && !preserve.isEmpty()) throw new JboxException("create: --preserve-fds is for jbox run (jbox start passes no descriptors)");
      String verb = create ? "create" : "run";
      if (restart.restarts() && request.rm()) {
        // podman's rule: a sandbox that goes when it ends cannot be run again
        throw new JboxException(verb + ": --rm conflicts with --restart " + restart.spec() + " (only --restart no goes with --rm)");
      }
      if (restart.restarts() && !detach && !create) {
        throw new JboxException("run: --restart " + restart.spec() + " needs -d (the monitor of a detached sandbox restarts it)");
      }
    }

    /** Without --restart. */
    public RunSpec(RunRequest request, String image, String pullPolicy, String name, boolean detach,
        RegistriesConf.Prompter prompter, boolean create, boolean replace, List<PlanWriter.Extra> preserve) {
      this(request, image, pullPolicy, name, detach, prompter, create, replace, preserve, RestartPolicy.NO);
    }

    /** Without --preserve-fds. */
    public RunSpec(RunRequest request, String image, String pullPolicy, String name, boolean detach,
        RegistriesConf.Prompter prompter, boolean create, boolean replace) {
      this(request, image, pullPolicy, name, detach, prompter, create, replace, List.of());
    }

    /** jbox run without --replace. */
    public RunSpec(RunRequest request, String image, String pullPolicy, String name, boolean detach,
        RegistriesConf.Prompter prompter) {
      this(request, image, pullPolicy, name, detach, prompter, false, false, List.of());
    }
  }

  /**
   * Builds the plan, records the sandbox (every image sandbox, and a detached one of any kind)
   * and hands the plan to the helper. Runs on {@code jbox run}'s path: no regex, lambda or stream.
   * With {@code create} ({@code jbox create}) it records the sandbox with its plan, prints its id
   * and sends nothing: {@code jbox start} runs it.
   */
  public void run(RunSpec spec, Map<String, String> env, PrintStream out) {
    RunRequest req = spec.request();
    String name = spec.name();
    boolean detach = spec.detach();
    if (spec.create()) {
      if (detach) throw new JboxException("create: -d is for jbox run (jbox start runs a created sandbox detached)");
      detach = true; // recorded and started as a detached sandbox is
    }
    if (name != null || detach) {
      if (!detach && spec.image() == null) {
        throw new JboxException("run: --name needs -d or an IMAGE (a foreground --rootfs sandbox is not kept)");
      }
      SandboxStore.validName(name);
    }
    if (spec.replace()) {
      if (name == null) throw new JboxException("run: --replace needs --name");
      if (store.findOrNull(name) != null) remove(List.of(name), true, null);
    }
    String id = SandboxBuilder.newId();
    IdMaps.Caller caller = IdMaps.Caller.current();
    SandboxBuilder builder = new SandboxBuilder(env.equals(System.getenv()) ? ConfigLoader.current() : ConfigLoader.load(env),
        caller, env);
    if (spec.image() != null) {
      runImage(spec, id, builder, caller, out);
      return;
    }
    Path runtime = store.runtimeDir(id);
    if (detach) builder.etcFilesAt(runtime.resolve("etc"));
    else builder.etcFilesIn(store.root().resolve("files"));
    VolumeMounts vm = VolumeMounts.resolve(req, VolumeStore.of(store));
    Plan plan;
    try {
      plan = builder.build(vm.forBuilder, id);
    } catch (RuntimeException e) {
      if (detach) store.forgetRuntime(runtime);
      vm.discardCreated(this);
      throw e;
    }
    warnIdMap(plan);
    Trace.mark("planned");
    if (!detach) {
      // a foreground --rootfs sandbox is not kept: its anonymous volumes go when it ends
      List<PlanWriter.Extra> extras = new ArrayList<>(spec.preserve());
      extras.addAll(removeVolumes(vm));
      try {
        PlanChannel.send(plan, extras);
      } catch (RuntimeException e) {
        removeQuietly(plan.removeDir());
        vm.discardCreated(this);
        throw e;
      }
      return;
    }
    Plan kept = plan.keepingGeneratedFiles();
    byte[] encoded = PlanWriter.encode(kept);
    if (spec.create() && req.rm() && !vm.anonymousDirs().isEmpty()) encoded = PlanWriter.append(encoded, removeVolumes(vm));
    SandboxRecord r = SandboxRecord.of(id, name, SandboxRecord.Kind.RUN, null, null, null, vm.forRecord, kept, req.rm(), encoded,
        plan.removeDir()).withRestart(spec.restart());
    Sandbox s;
    try {
      s = store.create(r);
    } catch (RuntimeException e) {
      store.forgetRuntime(runtime);
      vm.discardCreated(this);
      throw e;
    }
    if (spec.create()) {
      out.println(id);
      return;
    }
    sendDetached(s, encoded, with(spec.preserve(), req.rm() ? removeVolumes(vm) : List.of()), vm);
  }

  /** T_RMVOLUME records: the helper's cleaner removes these anonymous volumes once the sandbox is gone. */
  private static List<PlanWriter.Extra> removeVolumes(VolumeMounts vm) {
    List<PlanWriter.Extra> out = new ArrayList<>();
    for (Path d : vm.anonymousDirs()) out.add(new PlanWriter.Extra(PlanWriter.T_RMVOLUME, d.toString()));
    return out;
  }

  private static List<PlanWriter.Extra> with(List<PlanWriter.Extra> a, List<PlanWriter.Extra> b) {
    if (b.isEmpty()) return a;
    List<PlanWriter.Extra> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private void runImage(RunSpec spec, String id, SandboxBuilder builder, IdMaps.Caller caller, PrintStream out) {
    RunRequest req = spec.request();
    boolean detach = spec.detach() || spec.create();
    RunImage.Resolved img = RunImage.resolve(spec.image(), spec.pullPolicy(), caller, out, err, spec.prompter());
    // what crashed runs left goes first: a listing and a stat or two per sandbox (java.io, well
    // under a millisecond) when nothing did; the deleter's JVM only when something did
    List<String> leftovers = Containers.sandboxLeftovers(img.containersDir(), System.currentTimeMillis(), store.root());
    if (!leftovers.isEmpty()) sweep(new Containers(img.containersDir()), leftovers);
    Path containerDir = img.containersDir().resolve(id);
    boolean keep = !req.rm();
    // a sandbox kept after it ends (or detached, which jbox start runs again) keeps its generated
    // /etc files in its own directory: they go with it
    if (keep || detach) builder.etcFilesAt(containerDir.resolve(Containers.ETC));
    else builder.etcFilesIn(store.root().resolve("files"));
    Plan plan = null;
    Plan sent;
    byte[] encoded;
    Sandbox s;
    VolumeStore volumes = VolumeStore.of(store);
    VolumeMounts vm = VolumeMounts.resolve(withImageVolumes(req, img.spec()), volumes);
    List<PlanWriter.Extra> rmVolumes = req.rm() ? removeVolumes(vm) : List.of();
    try {
      vm.copyUp(volumes, img.spec().lowerDirs(), err);
      plan = builder.build(vm.forBuilder, id, img.spec(), containerDir);
      sent = keep || detach ? plan.keepingGeneratedFiles() : plan;
      encoded = PlanWriter.encode(sent);
      // a created --rm sandbox runs once, from the recorded plan: its anonymous volumes go with it then
      if (spec.create() && !rmVolumes.isEmpty()) encoded = PlanWriter.append(encoded, rmVolumes);
      // the record keeps the plan jbox start sends again (none for --rm: it cannot run again)
      SandboxRecord r = SandboxRecord.of(id, spec.name(), SandboxRecord.Kind.RUN, img.spec().name(), img.spec().id(),
          img.stopSignal(), vm.forRecord, sent, req.rm(), keep || spec.create() ? encoded : null, keep || detach ? plan.removeDir() : null)
          .withRestart(spec.restart());
      // a created --rm sandbox has no rm marker yet: the sweep would take it before it ran
      s = store.createInImageStore(r, req.rm() && !spec.create());
    } catch (RuntimeException e) {
      if (plan != null) removeQuietly(plan.removeDir());
      Containers.discardUnstarted(containerDir);
      vm.discardCreated(this);
      throw e;
    }
    warnIdMap(plan);
    Trace.mark("planned");
    if (spec.create()) {
      out.println(id);
      return;
    }
    if (detach) {
      sendDetached(s, encoded, with(spec.preserve(), rmVolumes), vm);
      return;
    }
    List<PlanWriter.Extra> extras = with(spec.preserve(), rmVolumes);
    byte[] sending = extras.isEmpty() ? encoded : PlanWriter.append(encoded, extras);
    // before the plan goes: the sandbox starts as soon as it is there, while this JVM exits. The
    // launcher runs the next such run itself from these templates (helpers/run_fast.c); none for a
    // run with anonymous volumes (their directories are per run) or a warning (the JVM's to say)
    if (preparedRun != null) {
      Map<String, byte[]> templates = null;
      if (extras.isEmpty() && plan.idMap().warning() == null && s.record().process() != null) {
        try {
          templates = RunPrepared.templates(id, sending, s.record().toJson(),
              SandboxStore.execTemplate(s.record().process(), s.record().name()), store.root().resolve("files").resolve(id),
              req.command().size());
        } catch (JboxException e) {
          // exec rules the exec path refuses: no exec template was written, none to prepare
        }
      }
      RunPrepared.keep(store, preparedRun, dev.jbox.PolicyInputs.key(), templates);
    }
    try {
      PlanChannel.send(sending);
    } catch (RuntimeException e) {
      // the helper never got the plan: the generated files and the sandbox's directory are ours to remove
      removeQuietly(plan.removeDir());
      Containers.discardUnstarted(containerDir);
      vm.discardCreated(this);
      throw e;
    }
  }

  /**
   * The image's VOLUME paths that the user mounts nothing on become anonymous volumes ({@code -v
   * PATH}), as podman makes them.
   */
  private static RunRequest withImageVolumes(RunRequest req, dev.jbox.sandbox.ImageSpec image) {
    if (image.volumes().isEmpty()) return req;
    List<String> vs = new ArrayList<>(req.volumes());
    for (String path : image.volumes()) {
      String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
      if (!p.startsWith("/") || mountsOn(req, p)) continue;
      vs.add(p);
    }
    return req.withMounts(vs, req.mounts());
  }

  /** Whether one of the user's -v, --mount or --tmpfs has target p. */
  private static boolean mountsOn(RunRequest req, String p) {
    for (String v : req.volumes()) {
      try {
        if (dev.jbox.sandbox.Volumes.parseVolume(v).target().equals(p)) return true;
      } catch (JboxException e) {
        // said when the spec is resolved
      }
    }
    for (String m : req.mounts()) {
      try {
        if (dev.jbox.sandbox.Volumes.parseMount(m).target().equals(p)) return true;
      } catch (JboxException e) {
        // said when the spec is resolved
      }
    }
    for (String t : req.tmpfs()) {
      int colon = t.indexOf(':');
      if ((colon < 0 ? t : t.substring(0, colon)).equals(p)) return true;
    }
    return false;
  }

  private void warnIdMap(Plan plan) {
    if (plan.idMap().warning() != null) err.println("jbox: warning: " + plan.idMap().warning());
  }

  /**
   * Hands a new detached sandbox's plan to the helper's monitor, with its runtime directory and
   * this run's --preserve-fds record (not in the recorded plan: jbox start passes no descriptors).
   */
  private void sendDetached(Sandbox s, byte[] encoded, List<PlanWriter.Extra> preserve, VolumeMounts vm) {
    try {
      SandboxStore.mkPrivateDir(s.runtimeDir());
      // the helper removes everything of a first run whose setup fails (helpers/PROTOCOL.md)
      Files.newOutputStream(s.runtimeDir().resolve("first-run")).close();
      List<PlanWriter.Extra> extras = new ArrayList<>(preserve);
      extras.add(new PlanWriter.Extra(PlanWriter.T_STATEDIR, s.runtimeDir().toString()));
      if (s.record().restartPolicy().restarts()) extras.add(s.record().restartPolicy().record());
      PlanChannel.send(PlanWriter.append(encoded, extras));
    } catch (IOException | RuntimeException e) {
      store.forgetRuntime(s);
      if (s.inImageStore()) Containers.discardUnstarted(s.home());
      vm.discardCreated(this);
      if (e instanceof RuntimeException re) throw re;
      throw new JboxException("run: create `" + s.runtimeDir() + "`: " + e.getMessage());
    }
  }

  private static void removeQuietly(String dir) {
    if (dir == null) return;
    try (var s = Files.newDirectoryStream(Path.of(dir))) {
      for (Path f : s) Files.deleteIfExists(f);
      Files.deleteIfExists(Path.of(dir));
    } catch (IOException e) {
      // best effort: a directory of three small files of the caller's own
    }
  }

  // --- start ----------------------------------------------------------------------------------

  /**
   * Runs an exited sandbox again, detached, from its recorded plan (under its lock, which orders
   * this against rm and another start; the monitor's socket settles a race that gets past it).
   * A sandbox that ran in the foreground gets its runtime directory now; a setup failure of this
   * first detached run removes it again, and the sandbox stays what it was.
   */
  @SuppressWarnings("try")
  public void start(String ref, boolean attach, String detachKeys) {
    Sandbox s = store.find(ref);
    byte[] plan = s.record().planBytes();
    if (s.record().kind() == SandboxRecord.Kind.SHELL) {
      throw new JboxException("start: sandbox " + s.label() + " is a jbox shell, which is not started again: run jbox shell in its project");
    }
    if (plan == null) {
      String why = s.record().rm() ? "was run with --rm" : "was created by an older jbox";
      throw new JboxException("start: sandbox " + s.label() + " " + why + " and cannot be started again");
    }
    for (String dir : s.record().neededDirs()) {
      if (!Files.isDirectory(Path.of(dir))) {
        throw new JboxException("start: sandbox " + s.label() + " cannot run again: `" + dir + "` is gone");
      }
    }
    boolean first = !Files.isDirectory(s.runtimeDir(), LinkOption.NOFOLLOW_LINKS);
    try {
      try (Sandbox.Lock l = s.lock()) {
        Status st = s.status();
        if (st.running() || s.monitorAlive()) throw new JboxException("start: sandbox " + s.label() + " is already running");
        if (s.detached() && st.kind() == Status.Kind.CREATED) {
          throw new JboxException("start: sandbox " + s.label() + " is still being created");
        }
      }
      List<PlanWriter.Extra> extras = new ArrayList<>();
      extras.add(new PlanWriter.Extra(PlanWriter.T_STATEDIR, s.runtimeDir().toString()));
      if (s.record().restartPolicy().restarts()) extras.add(s.record().restartPolicy().record());
      if (attach) extras.add(AttachPlan.record(s, detachKeys));
      PlanChannel.send(PlanWriter.append(plan, extras));
    } catch (RuntimeException e) {
      if (first) store.forgetRuntime(s); // a refused first start leaves nothing behind
      throw e;
    }
  }

  /**
   * Stops a sandbox (if it runs) and starts it again, detached. The previous run's port forwarder
   * may still hold the published ports for a moment after its monitor ended: they are waited for
   * (up to 5 s), as the new forwarder fails to bind otherwise.
   */
  public void restart(String ref, long timeoutSeconds, String detachKeys) {
    Sandbox s = store.find(ref);
    stop(s, timeoutSeconds);
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (String spec : s.record().ports()) {
      dev.jbox.sandbox.Network.Port p = dev.jbox.sandbox.Network.Port.parse(spec);
      while (!bindable(p) && System.nanoTime() < deadline) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    start(ref, false, detachKeys);
  }

  private static boolean bindable(dev.jbox.sandbox.Network.Port p) {
    if (!p.proto().equals("tcp")) return true;
    try (java.net.ServerSocket ss = new java.net.ServerSocket()) {
      ss.setReuseAddress(true);
      ss.bind(new java.net.InetSocketAddress(p.ip() == null ? "0.0.0.0" : p.ip(), p.host()));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Gives a sandbox another name (unique across kinds), as {@code podman rename}. */
  public void rename(String ref, String name) {
    store.rename(store.find(ref), name);
  }

  // --- signals --------------------------------------------------------------------------------

  /** Sends sig to the sandbox's pid 1; fails when it is not running. */
  public void kill(String ref, int sig) {
    Sandbox s = store.find(ref);
    MonitorState st = s.monitorState();
    if (st != null && s.status().running()) holdRestarts(s);
    if (st == null || !s.status().running() || !Signals.send(st.pid(), st.pidStart(), sig)) {
      throw new JboxException("sandbox " + s.label() + " is not running");
    }
  }

  /** Its stop signal, then SIGKILL after timeoutSeconds; returns once its monitor is done. */
  public void stop(String ref, long timeoutSeconds) {
    stop(store.find(ref), timeoutSeconds);
  }

  private void stop(Sandbox s, long timeoutSeconds) {
    holdRestarts(s);
    // a few rounds: a sandbox with a restart policy may be between two runs, whose monitor sees
    // the marker within 100 ms, or one that began just before the marker was there
    for (int round = 0; round < 3; round++) {
      MonitorState st = s.monitorState();
      if (st != null && s.status().running()) {
        Signals.send(st.pid(), st.pidStart(), Signals.parse(s.record().stopSignal()));
        if (waitExit(s, timeoutSeconds * 1000) != null) return;
        Signals.send(st.pid(), st.pidStart(), 9);
        if (waitExit(s, 10_000) != null) return;
        if (s.status().running() && s.pid() != null && s.pid() == st.pid()) {
          throw new JboxException("sandbox " + s.label() + " did not stop after SIGKILL");
        }
        continue; // another run began meanwhile
      }
      if (!s.detached() || !s.monitorAlive()) return;
      if (waitExit(s, 2000) != null) return;
    }
    throw new JboxException("sandbox " + s.label() + " did not stop: its monitor still runs it");
  }

  /**
   * Before jbox stop, kill or rm -f signal a sandbox with a restart policy: the `stopped` marker in
   * its runtime directory, which its monitor reads before it would run it again (helpers/PROTOCOL.md
   * "Restart policies"); jbox start removes it.
   */
  private static void holdRestarts(Sandbox s) {
    if (!s.record().restartPolicy().restarts() || !s.detached()) return;
    try {
      Files.newOutputStream(s.runtimeDir().resolve("stopped")).close();
    } catch (IOException e) {
      throw new JboxException("sandbox " + s.label() + ": cannot hold its restarts: " + e.getMessage());
    }
  }

  /** Waits until the sandbox runs (podman's wait --condition running). */
  public void waitRunning(String ref) {
    Sandbox s = store.find(ref);
    while (!s.status().running()) {
      if (store.get(s.id()) == null) throw new JboxException("wait: sandbox " + s.label() + " was removed");
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JboxException("interrupted");
      }
    }
  }

  /** The exit code once the sandbox has ended (-1: unknown), waiting as long as it takes. */
  public int waitExit(String ref) {
    Integer code = waitExit(store.find(ref), -1);
    return code == null ? -1 : code;
  }

  /**
   * Waits until the sandbox is no longer running and its monitor is done (timeoutMs < 0: forever);
   * returns its exit code (-1 when unknown), or null on timeout. A --rm sandbox's record may go
   * meanwhile: the last state seen counts.
   */
  static Integer waitExit(Sandbox s, long timeoutMs) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    Integer code = -1;
    // 1, 2, 4 ... 32, then every 50 ms: a sandbox killed with SIGKILL is gone, and its monitor
    // done, within a few ms, and a first pause of 50 ms was most of `rm -f` and `stop -t 0`
    long pause = 1;
    // a foreground sandbox's monitor records the exit in its lock file, which the cleaner of a
    // --rm one removes right after: read through a descriptor opened now, which outlives the name
    java.nio.channels.FileChannel held = null;
    if (!s.detached()) {
      try {
        held = java.nio.channels.FileChannel.open(s.lockFile(), java.nio.file.StandardOpenOption.READ);
      } catch (IOException e) {
        // none (yet): its state is read by name
      }
    }
    try {
      while (true) {
        Status st = s.status();
        if (st.exitCode() != null) code = st.exitCode();
        MonitorState last = held == null ? null : Sandbox.readState(held);
        if (last != null && last.status().equals("exited") && last.exitCode() != null) code = last.exitCode();
        if (!st.running() && !s.monitorAlive()) {
          // the monitor may have recorded the exit, and ended, between the two looks above (pid 1
          // gone, state not yet "exited"): its record is final now, so read it once more
          Integer fin = s.status().exitCode();
          return fin != null ? fin : code;
        }
        if (timeoutMs >= 0 && System.nanoTime() > deadline) return null;
        try {
          Thread.sleep(pause);
          pause = Math.min(pause * 2, 50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    } finally {
      if (held != null) {
        try {
          held.close();
        } catch (IOException e) {
          // read only
        }
      }
    }
  }

  // --- rm -------------------------------------------------------------------------------------

  /**
   * Removes sandboxes: refused while one runs, unless force, which kills its pid 1 first. With
   * force an unknown name is no error (as podman). {@code removed} (may be null) gets each ref once it is gone.
   */
  public void remove(List<String> refs, boolean force, java.util.function.Consumer<String> removed) {
    remove(refs, force, removed, false);
  }

  /** As {@link #remove(List, boolean, java.util.function.Consumer)}; volumes: also the sandboxes' anonymous volumes ({@code rm -v}). */
  public void remove(List<String> refs, boolean force, java.util.function.Consumer<String> removed, boolean volumes) {
    try (Remover remover = new Remover()) {
      for (String ref : refs) {
        Sandbox s = force ? store.findOrNull(ref) : store.find(ref);
        if (s == null) continue;
        if (s.status().running() || s.monitorAlive()) {
          if (!force) {
            throw new JboxException("sandbox " + s.label() + " is running: stop it first or use rm -f");
          }
          holdRestarts(s);
          MonitorState st = s.monitorState();
          // the record goes first: its monitor, which ends now, then says nothing stays of it
          if (s.inImageStore()) hideRecord(s);
          if (st != null && st.status().equals("running")) Signals.send(st.pid(), st.pidStart(), 9);
          waitExit(s, 10_000);
        }
        store.removeRuntime(s);
        if (s.inImageStore()) remover.removeDir(s.home(), s.label());
        if (volumes) removeAnonymousVolumes(s.record());
        if (removed != null) removed.accept(ref);
      }
    }
  }

  /** Renames an image sandbox's record aside: it is being removed (the directory goes next). */
  private static void hideRecord(Sandbox s) {
    try {
      Files.move(s.home().resolve(SandboxStore.RECORD), s.home().resolve(SandboxStore.RECORD + ".removing"));
    } catch (IOException e) {
      // gone already: nothing to hide
    }
  }

  /** Deletes image sandboxes' directories in the user namespace (their files belong to subordinate ids); one deleter per command. */
  private final class Remover implements AutoCloseable {
    private boolean warned;

    /** Removes the directory once its lock is free (waiting up to 10 s for a monitor or cleaner that ends). */
    void removeDir(Path dir, String label) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      long pause = 1; // as waitExit's
      Path claimed;
      while ((claimed = ContainerLock.claim(dir)) == null) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return; // a --rm sandbox's cleaner took it
        if (System.nanoTime() > deadline) {
          throw new JboxException("sandbox " + label + " is still running (its lock is held and no pid is recorded to kill): end it where it runs");
        }
        try {
          Thread.sleep(pause);
          pause = Math.min(pause * 2, 50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new JboxException("interrupted");
        }
      }
      try {
        dev.jbox.helper.UserNamespace.removeTree(claimed, w -> {
          if (!warned) err.println("jbox: warning: " + w);
          warned = true;
        });
      } catch (IOException ex) {
        throw new JboxException("remove sandbox " + label + ": " + ex.getMessage() + " (left in " + claimed + ")");
      }
    }

    @Override
    public void close() {}
  }

  // --- volumes --------------------------------------------------------------------------------

  /** The volumes (named and anonymous) a sandbox's record mounts, by name, in order. */
  static List<String> volumeNames(SandboxRecord r) {
    List<String> out = new ArrayList<>();
    for (String m : r.mounts()) {
      String name = null;
      try {
        if (m.startsWith("-v ")) {
          dev.jbox.sandbox.Volumes.VolumeSpec v = dev.jbox.sandbox.Volumes.parseVolume(m.substring(3));
          if (v.isVolume()) name = v.source();
        } else if (m.startsWith("--mount ")) {
          dev.jbox.sandbox.Volumes.MountSpec v = dev.jbox.sandbox.Volumes.parseMount(m.substring(8));
          if (v.type().equals("volume")) name = v.source();
        }
      } catch (JboxException e) {
        // a record of an older jbox: no volume
      }
      if (name != null && !out.contains(name)) out.add(name);
    }
    return out;
  }

  /**
   * {@code system df}'s volumes row, as podman's: how many volumes, how many a sandbox (of any
   * state) mounts, the bytes in them all and in those no sandbox mounts (what {@code volume
   * prune} frees). A tmpfs volume holds nothing; a bind volume (device=DIR) is not jbox's to count.
   */
  public record VolumeUsage(int total, int active, long size, long reclaimable) {}

  public VolumeUsage volumeUsage() {
    List<VolumeStore.Volume> all = volumes().list();
    Map<String, List<String>> users = volumeUsers();
    List<Path> dirs = new ArrayList<>();
    List<VolumeStore.Volume> counted = new ArrayList<>();
    for (VolumeStore.Volume v : all) {
      if (v.tmpfs() || v.device() != null) continue;
      dirs.add(v.data());
      counted.add(v);
    }
    List<Long> sizes = files().sizes(dirs);
    long size = 0;
    long reclaimable = 0;
    for (int i = 0; i < counted.size(); i++) {
      size += sizes.get(i);
      if (!users.containsKey(counted.get(i).name())) reclaimable += sizes.get(i);
    }
    int active = 0;
    for (VolumeStore.Volume v : all) if (users.containsKey(v.name())) active++;
    return new VolumeUsage(all.size(), active, size, reclaimable);
  }

  /** Where a sandbox mounts its named and anonymous volumes (ps --filter volume=PATH). */
  static List<String> volumeTargets(SandboxRecord r) {
    List<String> out = new ArrayList<>();
    for (String m : r.mounts()) {
      try {
        if (m.startsWith("-v ")) {
          dev.jbox.sandbox.Volumes.VolumeSpec v = dev.jbox.sandbox.Volumes.parseVolume(m.substring(3));
          if (v.isVolume()) out.add(v.target());
        } else if (m.startsWith("--mount ")) {
          dev.jbox.sandbox.Volumes.MountSpec v = dev.jbox.sandbox.Volumes.parseMount(m.substring(8));
          if (v.type().equals("volume")) out.add(v.target());
        }
      } catch (JboxException e) {
        // a record of an older jbox: no volume
      }
    }
    return out;
  }

  /** The volume store of this user's storage. */
  public VolumeStore volumes() {
    return VolumeStore.of(store);
  }

  /** Every volume a sandbox (of any state) mounts, mapped to the labels of those sandboxes. */
  public Map<String, List<String>> volumeUsers() {
    Map<String, List<String>> users = new LinkedHashMap<>();
    for (Sandbox s : store.list()) {
      for (String n : volumeNames(s.record())) {
        List<String> l = users.get(n); // no lambda (computeIfAbsent): volume ls, inspect, rm
        if (l == null) users.put(n, l = new ArrayList<>());
        l.add(s.label());
      }
    }
    return users;
  }

  /** {@code volume create}: a new named volume (a random name when name is null), printed by the caller. */
  public VolumeStore.Volume createVolume(String name, Map<String, String> labels) {
    return createVolume(name, labels, List.of());
  }

  /** As {@link #createVolume(String, Map)} with podman's local-driver options (-o; VolumeStore.checkOptions), checked first. */
  public VolumeStore.Volume createVolume(String name, Map<String, String> labels, List<String> options) {
    Map<String, String> o = VolumeStore.checkOptions(options);
    return volumes().create(name == null ? VolumeStore.anonymousName() : name, labels, o, false, true, false);
  }

  /**
   * {@code volume rm}: refused (exit 2, as podman) for a volume a sandbox uses, unless force, which
   * removes those sandboxes first (as podman's -f); an unknown name is exit 1 (podman's), with
   * force too. {@code removed} gets each name once it is gone.
   */
  public void removeVolumes(List<String> names, boolean force, java.util.function.Consumer<String> removed) {
    VolumeStore vs = volumes();
    List<VolumeStore.Volume> found = new ArrayList<>();
    for (String n : names) {
      VolumeStore.Volume v = vs.get(n);
      if (v == null) throw new JboxException(1, "volume rm: no such volume `" + n + "`");
      found.add(v);
    }
    Map<String, List<String>> users = volumeUsers();
    for (VolumeStore.Volume v : found) {
      List<String> u = users.get(v.name());
      if (u == null) continue;
      if (!force) {
        throw new JboxException(2, "volume rm: volume " + v.name() + " is being used by the following sandbox(es): "
            + String.join(", ", u) + " (remove them first, or use volume rm -f)");
      }
    }
    for (VolumeStore.Volume v : found) {
      List<String> u = users.get(v.name());
      if (u != null) remove(u, true, null, false);
      deleteVolumes(List.of(v));
      if (removed != null) removed.accept(v.name());
    }
  }

  /** {@code volume prune}: every volume no sandbox uses; returns their names. */
  public List<String> pruneVolumes() {
    Map<String, List<String>> users = volumeUsers();
    List<VolumeStore.Volume> unused = new ArrayList<>();
    for (VolumeStore.Volume v : volumes().list()) if (!users.containsKey(v.name())) unused.add(v);
    deleteVolumes(unused);
    List<String> names = new ArrayList<>();
    for (VolumeStore.Volume v : unused) names.add(v.name());
    return names;
  }

  /**
   * Deletes volumes with everything in them, in the user namespace (a sandbox's files belong to
   * its subordinate ids); each is first renamed aside so no sandbox mounts it meanwhile, and what
   * an interrupted removal left aside goes too.
   */
  void deleteVolumes(List<VolumeStore.Volume> vols) {
    if (vols.isEmpty()) return;
    VolumeStore vs = volumes();
    List<Path> dirs = new ArrayList<>(vs.leftovers());
    for (VolumeStore.Volume v : vols) dirs.add(vs.detach(v));
    // what the caller owns and may delete goes here; only a tree with files of the sandbox's
    // subordinate ids (or that this process cannot delete for another reason) needs the
    // unpacker, a second JVM in the user namespace: an empty volume's rm took two JVM starts
    List<Path> rest = new ArrayList<>();
    for (Path d : dirs) if (!OwnTree.delete(d)) rest.add(d);
    if (rest.isEmpty()) return;
    try (Unpacker u = PullService.newUnpacker(err)) {
      u.delete(rest);
    } catch (IOException e) {
      throw new JboxException("volume rm: " + e.getMessage() + " (left in " + vs.root() + ")");
    }
  }

  /** The anonymous volumes of a removed sandbox that no other sandbox uses (what {@code rm -v} removes). */
  private void removeAnonymousVolumes(SandboxRecord r) {
    List<String> names = volumeNames(r);
    if (names.isEmpty()) return;
    Map<String, List<String>> users = volumeUsers();
    VolumeStore vs = volumes();
    List<VolumeStore.Volume> gone = new ArrayList<>();
    for (String n : names) {
      VolumeStore.Volume v = vs.get(n);
      if (v != null && v.anonymous() && !users.containsKey(n)) gone.add(v);
    }
    deleteVolumes(gone);
  }

  // --- exec and attach ------------------------------------------------------------------------

  /** What {@code jbox exec} asks: env entries KEY=VALUE or KEY (from jbox's environment). */
  /** preserve: the T_PRESERVE_FDS record of --preserve-fds ({@link PlanChannel#preserveFds}), or empty. */
  public record ExecSpec(List<String> command, List<String> env, String user, String workdir, boolean tty,
      boolean interactive, List<PlanWriter.Extra> preserve) {
    public ExecSpec {
      preserve = preserve == null ? List.of() : preserve;
    }

    /** Without --preserve-fds. */
    public ExecSpec(List<String> command, List<String> env, String user, String workdir, boolean tty, boolean interactive) {
      this(command, env, user, workdir, tty, interactive, List.of());
    }
  }

  /** Joins a running sandbox's namespaces and runs a command there with its pid 1's process rules. */
  public void exec(String ref, ExecSpec spec) {
    Sandbox s = store.find(ref);
    MonitorState st = s.monitorState();
    if (st == null || !s.status().running()) throw new JboxException("exec: sandbox " + s.label() + " is not running");
    SandboxRecord.Process p = s.record().process();
    if (p == null) throw new JboxException("exec: sandbox " + s.label() + " was created by an older jbox: its process rules are not recorded");
    Plan plan = execPlan(p, spec.command(), spec.env(), spec.workdir(), spec.user(), spec.tty(), spec.interactive());
    // a record of an older jbox gets its template now, so the next exec needs no JVM
    if (!Files.exists(s.home().resolve(SandboxStore.EXEC_TEMPLATE), LinkOption.NOFOLLOW_LINKS)) {
      SandboxStore.writeExecTemplateQuietly(s.home(), s.record());
    }
    List<PlanWriter.Extra> extras = new ArrayList<>(spec.preserve());
    extras.add(new PlanWriter.Extra(PlanWriter.T_EXEC, st.pid() + " " + st.pidStart()));
    PlanChannel.send(plan, extras);
  }

  /**
   * The plan of {@code jbox exec}: the record's process rules with the call's command, -e, -w, -u,
   * -t and -i. With none of those (an empty command) it is the exec template the store keeps
   * beside the record ({@link SandboxStore#EXEC_TEMPLATE}), which the launcher completes itself.
   */
  static Plan execPlan(SandboxRecord.Process p, List<String> command, List<String> env, String workdir, String user,
      boolean tty, boolean interactive) {
    Map<String, String> envMap = new LinkedHashMap<>();
    for (String e : p.env()) putEnv(envMap, e);
    for (String e : env) {
      if (e.indexOf('=') < 0) {
        String v = System.getenv(e);
        if (v != null) envMap.put(e, v);
      } else {
        putEnv(envMap, e);
      }
    }
    if (tty) envMap.putIfAbsent("TERM", System.getenv().getOrDefault("TERM", "xterm"));
    List<String> envList = new ArrayList<>();
    for (Map.Entry<String, String> e : envMap.entrySet()) envList.add(e.getKey() + "=" + e.getValue());
    String cwd = workdir != null ? workdir : p.cwd();
    if (cwd != null && !cwd.startsWith("/")) throw new JboxException("exec: --workdir `" + cwd + "`: must be an absolute path");
    String u = user != null ? user : p.user();
    if (u != null && (u.isEmpty() || u.contains("\n"))) throw new JboxException("exec: --user: empty or malformed");
    Set<Plan.Flag> flags = EnumSet.noneOf(Plan.Flag.class);
    if (p.flags().contains(Plan.Flag.SECCOMP.word())) flags.add(Plan.Flag.SECCOMP);
    if (p.flags().contains(Plan.Flag.NO_NEW_PRIVS.word())) flags.add(Plan.Flag.NO_NEW_PRIVS);
    if (tty) flags.add(Plan.Flag.TTY);
    if (interactive) flags.add(Plan.Flag.STDIN);
    return new Plan(command, envList, cwd, u, null, null, Map.of(), null, List.of(), p.rlimits(),
        p.capabilities(), flags, null, List.of(), null, null);
  }

  private static void putEnv(Map<String, String> m, String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0 || kv.indexOf('\0') >= 0) throw new JboxException("exec: --env `" + kv + "`: expected KEY=VALUE");
    m.put(kv.substring(0, eq), kv.substring(eq + 1));
  }

  /** Connects the terminal to a running detached sandbox's monitor. */
  public void attach(String ref, String detachKeys) {
    AttachPlan.parseKeys(detachKeys);
    Sandbox s = store.find(ref);
    if (!s.status().running()) throw new JboxException("attach: sandbox " + s.label() + " is not running");
    if (!s.detached()) {
      throw new JboxException("attach: sandbox " + s.label() + " runs in the foreground of another jbox, whose terminal it has:"
          + " use jbox exec to run a command in it");
    }
    if (!Files.exists(s.runtimeDir().resolve("attach.sock"))) {
      throw new JboxException("attach: sandbox " + s.label() + " has no attach socket (started by an older jbox)");
    }
    PlanChannel.send(PlanWriter.encodeRecords(List.of(AttachPlan.record(s, detachKeys))));
  }

  // --- logs -----------------------------------------------------------------------------------

  /**
   * The log files of a sandbox, older first (log.1, log), which a detached monitor writes; a
   * foreground run's output went to its terminal only, which the error says.
   */
  public Logs logs(String ref) {
    Sandbox s = store.find(ref);
    if (s.record().kind() == SandboxRecord.Kind.SHELL) {
      throw new JboxException("logs: sandbox " + s.label() + " is a jbox shell: its output goes to the terminal it runs in and is not kept");
    }
    if (!s.detached()) {
      throw new JboxException("logs: sandbox " + s.label() + " was run in the foreground: its output went to the terminal and was not kept"
          + " (the output of a jbox start is)");
    }
    return new Logs(s, s.runtimeDir().resolve("log.1"), s.runtimeDir().resolve("log"));
  }

  /** A sandbox's log files, and whether it still writes them. */
  public record Logs(Sandbox sandbox, Path older, Path current) {
    public boolean done() {
      return !sandbox.status().running() && !sandbox.monitorAlive();
    }
  }

  // --- ps, inspect, top, ns -------------------------------------------------------------------

  /**
   * Every sandbox, oldest first, after the sweep of what crashed runs left. A --rm sandbox that ran detached and has ended is removed here
   * rather than listed: its record goes when it ends.
   */
  public List<Sandbox> list() {
    sweep();
    List<Sandbox> out = new ArrayList<>();
    for (Sandbox s : store.list()) {
      if (s.record().rm() && s.detached() && !s.status().running() && !s.monitorAlive()) {
        try {
          store.removeRuntime(s);
          if (s.inImageStore()) removeEnded(s);
        } catch (JboxException e) {
          err.println("jbox: warning: " + e.getMessage());
        }
        continue;
      }
      out.add(s);
    }
    reapOrphans();
    return out;
  }

  /**
   * Runtime directories of --rm image sandboxes that ran detached: their cleaner removed the
   * record with the rest of containers/ID, and the monitor's exited state is all that is left.
   */
  private void reapOrphans() {
    String[] names = store.root().toFile().list();
    if (names == null) return;
    for (String n : names) {
      if (!Containers.isSandboxId(n)) continue;
      Path dir = store.root().resolve(n);
      if (Files.exists(dir.resolve(SandboxStore.RECORD)) || Files.exists(store.containerDir(n))) continue;
      Sandbox s = new Sandbox(SandboxRecord.placeholder(n), store.containerDir(n), dir);
      MonitorState st;
      try {
        st = s.monitorState();
      } catch (JboxException e) {
        continue;
      }
      if (st != null && st.status().equals("exited") && !s.monitorAlive()) store.removeRuntime(s);
    }
  }

  private void removeEnded(Sandbox s) {
    try (Remover r = new Remover()) {
      r.removeDir(s.home(), s.label());
    }
  }

  /** What {@code jbox inspect} shows of a sandbox: podman's fields, and jbox's own under Jbox. */
  public Map<String, Object> inspect(Sandbox s) {
    return PodmanView.inspect(s);
  }

  /**
   * What {@code jbox ps} lists: running sandboxes (all: every one) that pass the filters
   * ({@link SandboxFilter}), the last {@code last} created if it is not null.
   */
  public List<Sandbox> ps(boolean all, List<String> filters, Integer last) {
    return SandboxFilter.parse(filters).apply(list(), all, last);
  }

  /** The sandbox a ref names (id, name, unique prefix). */
  public Sandbox find(String ref) {
    return store.find(ref);
  }

  /** The host pid of a running sandbox's pid 1, or a one-line error naming the command. */
  public long runningPid(String command, String ref) {
    Sandbox s = store.find(ref);
    Long pid = s.pid();
    if (pid == null) throw new JboxException(command + ": sandbox " + s.label() + " is not running");
    return pid;
  }

  /** Namespace inodes by type of a running sandbox's pid 1. */
  public Map<String, Long> namespaces(String ref) {
    return Procfs.namespaces(Long.toString(runningPid("ns", ref)));
  }

  /** One process of a sandbox: its pid inside, on the host, its uid inside, user name and command. */
  public record Proc(long pid, long hostPid, long uid, String user, String command) {}

  /** The processes of a running sandbox's pid namespace, by their pid inside. */
  public List<Proc> top(String ref) {
    long pid1 = runningPid("top", ref);
    long pidns = Procfs.nsInode(Long.toString(pid1), "pid");
    Map<Long, String> names = SandboxPasswd.users(pid1);
    List<Proc> rows = new ArrayList<>();
    for (long pid : Procfs.pids()) {
      if (Procfs.nsInode(Long.toString(pid), "pid") != pidns) continue;
      String nspid = Procfs.status(pid, "NSpid");
      String uid = Procfs.status(pid, "Uid");
      if (nspid == null || uid == null) continue;
      String[] n = dev.jbox.Text.fields(nspid);
      long inside = Long.parseLong(n[n.length - 1]);
      long hostUid = Long.parseLong(dev.jbox.Text.fields(uid)[0]);
      long u = Procfs.inside(pid1, "uid_map", hostUid);
      rows.add(new Proc(inside, pid, u, names.getOrDefault(u, Long.toString(u)), Procfs.cmdline(pid)));
    }
    rows.sort(new java.util.Comparator<Proc>() { // a class, not a lambda (LauncherTest)
      @Override
      public int compare(Proc a, Proc b) {
        return Long.compare(a.pid(), b.pid());
      }
    });
    return rows;
  }

  /** The file operations on sandboxes: cp, export, diff. */
  public SandboxFiles files() {
    return new SandboxFiles(store, err);
  }

  // --- prune ----------------------------------------------------------------------------------

  /**
   * Something more that {@code system prune} removes, after the stopped sandboxes and before the
   * images (the volumes' store adds one: {@code --volumes}). heading: podman's ("Deleted Volumes").
   */
  public interface PruneStep {
    String heading();

    /** Removes what no sandbox uses any more; returns what it removed, one line each. */
    List<String> prune();
  }

  /** What {@code system prune} removed: lines under each of podman's headings, in order; bytes of images and layers freed. */
  public record PruneReport(Map<String, List<String>> removed, long bytesFreed) {}

  /**
   * The step of {@code system prune --volumes}: every volume that no sandbox record mounts any more
   * (run after the stopped sandboxes are gone, so their volumes go too, as in podman).
   */
  public PruneStep volumePruneStep() {
    return new PruneStep() {
      @Override
      public String heading() {
        return "Deleted Volumes";
      }

      @Override
      public List<String> prune() {
        return pruneVolumes();
      }
    };
  }

  /** Removes every sandbox that is not running (created or exited, of every kind); returns their full ids. */
  public List<String> pruneSandboxes() {
    List<String> gone = new ArrayList<>();
    for (Sandbox s : list()) {
      if (s.status().running() || s.monitorAlive()) continue;
      try {
        remove(List.of(s.record().id()), false, gone::add); // refused if it started since
      } catch (JboxException e) {
        err.println("jbox: warning: " + e.getMessage());
      }
    }
    return gone;
  }

  /** podman's {@code image prune}: images without names (all: every image no sandbox uses), then unused layers. */
  public StoreService.PruneResult pruneImages(boolean all) {
    try (Unpacker u = PullService.newUnpacker(err)) {
      return images().prune(all, u::delete);
    }
  }

  /**
   * podman's {@code system prune}: the stopped sandboxes, then each of {@code more} (volumes),
   * then the images nothing uses now (all: named ones too).
   */
  public PruneReport systemPrune(boolean allImages, List<PruneStep> more) {
    Map<String, List<String>> removed = new LinkedHashMap<>();
    removed.put("Deleted Containers", pruneSandboxes());
    for (PruneStep step : more) removed.put(step.heading(), step.prune());
    StoreService.PruneResult images = pruneImages(allImages);
    removed.put("Deleted Images", images.imageIds());
    return new PruneReport(removed, images.bytesFreed());
  }

  // --- the image store ------------------------------------------------------------------------

  /** Opens (creating) the image store and sweeps what crashed runs left: how the image commands open it. */
  public ImageStore openImageStore() {
    ImageStore s = ImageStore.open(store.containersDir().getParent());
    sweep();
    return s;
  }

  /**
   * {@code system df}'s image rows: the store's usage, with who uses an image answered from one
   * listing of the sandboxes (a report is a snapshot), not a listing (every record read) for each
   * question about each image.
   */
  public StoreService.Usage imageUsage() throws IOException {
    List<Sandbox> all = store.list();
    return new StoreService(openImageStore(), new StoreService.Users() {
      @Override
      public List<String> of(String imageId, String manifestDigest) {
        List<String> out = new ArrayList<>();
        for (Sandbox s : all) {
          String i = s.record().imageId();
          if (i != null && (i.equals(imageId) || i.equals(manifestDigest))) out.add(s.label());
        }
        return out;
      }
    }).usage();
  }

  /** The image store's operations, knowing which images the sandboxes use. */
  public StoreService images() {
    // a class, not store::users: the first method reference starts the JDK's method-handle
    // machinery (system df, rmi)
    return new StoreService(openImageStore(), new StoreService.Users() {
      @Override
      public List<String> of(String imageId, String manifestDigest) {
        return store.users(imageId, manifestDigest);
      }
    });
  }

  /**
   * Deletes what crashed runs left in containers/ (see {@link Containers#sandboxLeftovers}); a
   * listing and a stat or two per sandbox when there is nothing to do, the user-namespace deleter
   * only when there is. Failures are a warning: the next command tries again.
   */
  public void sweep() {
    Path dir = store.containersDir();
    if (!Files.isDirectory(dir)) return;
    List<String> maybe = Containers.sandboxLeftovers(dir, System.currentTimeMillis(), store.root());
    if (!maybe.isEmpty()) sweep(new Containers(dir), maybe);
  }

  private void sweep(Containers c, List<String> candidates) {
    List<Path> gone;
    try {
      gone = ContainerLock.claimLeftovers(c, candidates, System.currentTimeMillis());
      if (gone.isEmpty()) return;
    } catch (JboxException e) {
      err.println("jbox: warning: " + e.getMessage());
      return;
    }
    try (Unpacker u = PullService.newUnpacker(err)) {
      u.delete(gone);
    } catch (IOException | RuntimeException e) {
      err.println("jbox: warning: could not remove what crashed sandboxes left in " + c.dir() + ": " + e.getMessage());
    }
  }
}
