package dev.jbox.cli;

import dev.jbox.image.store.ImageRecord;
import dev.jbox.image.unpack.UnpackMain;
import dev.jbox.json.Json;
import dev.jbox.sandboxes.SandboxRecord;
import dev.jbox.sandboxes.SandboxStore;
import dev.jbox.image.store.ImageStore;
import dev.jbox.sandbox.idmap.IdMaps;
import dev.jbox.sandbox.idmap.SubIds;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run behind the launcher's AppCDS archive (scripts/cds, at {@code mvn package}).
 *
 * <p>A dynamic archive holds only the classes the training JVM loaded, and every class missing
 * from it makes the JVM open and verify the jar (about 3 ms for the first one). So the training
 * walks every branch a user's {@code jbox run} takes, not just the one its own account happens to
 * take: a caller with subordinate ids (the build may run as root, which has none), {@code run
 * IMAGE} against a throw-away store holding a one-layer image, {@code run --rootfs}, and {@code
 * shell} in a project. Each run stops where it would hand its plan to the helper, which is absent
 * here.
 *
 * <p>The same archive serves {@code ps}, {@code images}, {@code inspect} and {@code logs}, whose usual
 * forms {@link FastArgs} parses without picocli: the training lists, inspects and reads the logs
 * of a sandbox it records, and lists the image.
 *
 * <p>Mode {@code cli} trains the second archive, of every other command (the launcher picks by the
 * first argument; one archive of both was five times larger, and mapping it made every run 2-4 ms
 * slower): {@code pull} from a registry served in this JVM (HTTP client, registries.conf,
 * manifests, the download; the unpack fails or succeeds depending on the helper, either is fine),
 * {@code images} and {@code ps}, and the unpacker's own work ({@link UnpackMain#handle} on a small
 * gzip layer), since the unpacker JVM a pull starts uses the same archive.
 *
 * <p>Usage: {@code JBOX_STORAGE=DIR/store XDG_RUNTIME_DIR=DIR/run java ... CdsTraining DIR run|cli}.
 */
public final class CdsTraining {
  private CdsTraining() {}

  static final String IMAGE = "localhost/jbox-cds-training:latest";

  public static void main(String[] args) throws IOException, ClassNotFoundException {
    Path dir = Path.of(args[0]);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
    // what Main.main uses around Main.run: training calls Main.run, so they are loaded by hand
    for (Class<?> c : List.of(dev.jbox.sys.QuickExit.class, dev.jbox.Trace.class)) {
      Class.forName(c.getName(), true, CdsTraining.class.getClassLoader());
    }
    if (args.length > 1 && args[1].equals("cli")) {
      cli(dir, quiet);
      return;
    }
    if (args.length > 1 && args[1].equals("cmds")) {
      cmds(dir, quiet);
      return;
    }

    // a caller with subordinate ids, as on a configured desktop
    Path subids = dir.resolve("subid");
    Files.writeString(subids, "# training\ntrainee:100000:65536\n1000:300000:65536\n");
    List<SubIds.Range> ranges = SubIds.read(subids, "trainee", 1000);
    IdMaps.build(new IdMaps.Caller("trainee", 1000, 1000, ranges, ranges, true), List.of(), List.of());
    IdMaps.build(new IdMaps.Caller("trainee", 1000, 1000, ranges, ranges, true), List.of("0:1:10"), List.of("0:1:10"));

    oneLayerImage(ImageStore.open(ImageStore.defaultRoot()));
    Main.run(new String[] {"run", "--rm", "--network=none", "--pull=never", IMAGE, "true"}, quiet, quiet);
    Main.run(new String[] {"run", "--network=auto", "-e", "A=b", "-w", "/", "--pull=missing", IMAGE}, quiet, quiet);
    // a terminal, a published port (its free-port check), the usual security and identity options
    Main.run(new String[] {"run", "-it", "--rm", "--network=pasta", "-p", "127.0.0.1:48999:80", "--hostname", "h",
        "--init", "--read-only", "-u", "1:1", "--cap-drop", "all", "--ulimit", "nofile=64:64", IMAGE, "sh"}, quiet, quiet);
    Files.createDirectories(dir.resolve("rootfs"));
    Main.run(new String[] {"run", "--rootfs", dir.resolve("rootfs").toString(), "--network=none", "-e", "A=b",
        "-v", dir + ":/x", "--tmpfs", "/t", "true"}, quiet, quiet);

    // bench/README.md's A/B of an archive of run alone (JBOX_CDS_ARCHIVE=that archive), without
    // the classes of ps, images, inspect, logs and shell
    if (System.getenv("JBOX_CDS_RUN_ONLY") != null) return;

    // the read-only commands of FastArgs, which the launcher starts with this archive too: a
    // recorded sandbox to list, inspect and read the logs of, and the image above
    Path sandbox = SandboxStore.open(System.getenv(), w -> { }).create(trainingRecord("c".repeat(64), "training",
        dir.resolve("rootfs"), List.of("sh", "-c", "true"), List.of())).runtimeDir();
    // as its monitor leaves a detached sandbox that ended (pid 1's start time is not 1: nothing of it runs)
    Files.writeString(sandbox.resolve("state"), "{\"status\":\"exited\",\"pid\":1,\"pidStart\":1,\"monitorPid\":1,"
        + "\"monitorStart\":1,\"started\":1796318396634,\"exitCode\":0,\"finished\":1796318396638}");
    Files.writeString(sandbox.resolve("log"), "2026-12-03T00:00:00.000000000Z stdout F hello\n");
    Files.writeString(sandbox.resolve("lock"), "");
    // and a foreground one, whose state is its monitor's lock file (none here: it ended)
    SandboxStore.open(System.getenv(), w -> { }).create(trainingRecord("d".repeat(64), "training-fg",
        dir.resolve("rootfs"), List.of("sh"), List.of()));
    for (String[] line : List.of(new String[] {"ps"}, new String[] {"ps", "-a"}, new String[] {"ps", "-aq"},
        new String[] {"ps", "-a", "--format", "json"}, new String[] {"ps", "-a", "--format", "{{.ID}} {{.Names}}"},
        new String[] {"ps", "-a", "-f", "name=training", "-f", "status=exited"}, new String[] {"ps", "-n", "1", "--no-trunc"},
        new String[] {"images"}, new String[] {"images", "-q"}, new String[] {"images", "-f", "dangling=false", IMAGE}, new String[] {"images", "--format", "json"},
        new String[] {"images", "--format", "{{.Repository}}:{{.Tag}}"}, new String[] {"inspect", "training"},
        new String[] {"inspect", "--format", "{{.State.Pid}}", "training"}, new String[] {"inspect", "nosuch"},
        new String[] {"inspect", IMAGE}, new String[] {"inspect", "--type", "image", "--format", "{{.Id}}", IMAGE},
        new String[] {"volume", "create", "jbox-cds-training"}, new String[] {"inspect", "jbox-cds-training"},
        new String[] {"inspect", "--type", "volume", "-f", "{{.Name}}", "jbox-cds-training"},
        new String[] {"logs", "training"}, new String[] {"logs", "-t", "--since", "10m", "training"},
        new String[] {"logs", "--tail", "1", "nosuch"})) {
      Main.run(line, quiet, quiet);
    }
    shell(dir, quiet);
  }

  /**
   * {@code jbox shell} (the launcher gives it the run archive): a project with a .jbox/shell.toml
   * and, when scripts/cds made $HOME a training directory, a ~/.ssh to hide (the deny layer's
   * whiteout), up to the missing plan channel, as root of the sandbox (--root) and as the caller
   * (keep-id); each finds an ended sandbox of the project first, which it removes.
   */
  private static void shell(Path dir, PrintStream quiet) throws IOException {
    Path project = dir.resolve("project");
    Files.createDirectories(project.resolve(".jbox"));
    Files.writeString(project.resolve(".jbox/shell.toml"), "env-deny = [\"TRAINING_*\"]\n");
    // a repository, for the git guard's classes (GitGuard: its config read, hooks guarded)
    Files.createDirectories(project.resolve(".git/hooks"));
    Files.writeString(project.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    Files.writeString(project.resolve(".git/config"), "[core]\n\thooksPath = .git/hooks\n[include]\n\tpath = ../.gitconfig-training\n");
    String home = System.getenv("HOME");
    if (home == null || !Path.of(home).startsWith(dir)) return; // not started by scripts/cds
    Files.createDirectories(Path.of(home, ".ssh"));
    Map<String, String> env = System.getenv();
    dev.jbox.sandboxes.SandboxStore store = dev.jbox.sandboxes.SandboxStore.open(env, null);
    String projectId = dev.jbox.sandbox.ShellProject.find(project.toString(), env).id();
    // --root first: keep-id needs a user with subordinate ids, which the build's account may not be
    for (String root : new String[] {"--root", "--project"}) {
      endedShell(store, projectId, project);
      List<String> args = new java.util.ArrayList<>(List.of("shell", "--project", project.toString()));
      if (root.equals("--root")) args.add(root);
      args.addAll(List.of("--", "true"));
      Main.run(args.toArray(new String[0]), quiet, quiet);
    }
  }

  /** A shell sandbox of the project that has ended, as the project's next shell finds (and removes) it. */
  private static void endedShell(dev.jbox.sandboxes.SandboxStore store, String projectId, Path project) throws IOException {
    String id = dev.jbox.sandbox.SandboxBuilder.newId();
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("id", id);
    m.put("name", "trained-" + id.substring(0, 6));
    m.put("kind", "shell");
    m.put("created", System.currentTimeMillis());
    m.put("command", List.of("true"));
    dev.jbox.sandboxes.Sandbox s = dev.jbox.sandboxes.ShellSandboxes.record(store, dev.jbox.sandboxes.SandboxRecord.of(m),
        projectId, project, true);
    Files.writeString(s.lockFile(), "{\"status\":\"exited\",\"pid\":1,\"pidStart\":1,\"monitorPid\":1,\"monitorStart\":1,"
        + "\"started\":1,\"finished\":2,\"exitCode\":0}");
  }

  private static void cli(Path dir, PrintStream quiet) throws IOException {
    byte[] layer = TrainingRegistry.gzipLayer();
    Path blob = dir.resolve("layer.tar.gz");
    Files.write(blob, layer);
    UnpackMain.handle(Json.parseObject("{\"id\":\"1\",\"op\":\"unpack\",\"blob\":" + Json.write(blob.toString())
        + ",\"dest\":" + Json.write(dir.resolve("unpacked").toString()) + ",\"name\":\"training\",\"ownership\":false,"
        + "\"maxBytes\":1000000,\"maxEntries\":100,\"maxPath\":4096}"));
    UnpackMain.handle(Json.parseObject("{\"id\":\"2\",\"op\":\"delete\",\"paths\":["
        + Json.write(dir.resolve("unpacked").toString()) + "]}"));
    try (TrainingRegistry reg = TrainingRegistry.start(layer)) {
      Main.run(new String[] {"pull", "--tls-verify=false", reg.image()}, quiet, quiet);
      Main.run(new String[] {"pull", "-q", "--tls-verify=false", reg.image()}, quiet, quiet);
      // tag and rmi (FastArgs) of a stored image
      Main.run(new String[] {"tag", reg.image(), "localhost/jbox-cds-training-tag:1"}, quiet, quiet);
      Main.run(new String[] {"rmi", "localhost/jbox-cds-training-tag:1"}, quiet, quiet);
      // image inspect (FastArgs) of it
      Main.run(new String[] {"image", "inspect", reg.image()}, quiet, quiet);
    }
    storeWide(quiet);
    Main.run(new String[] {"images"}, quiet, quiet);
    Main.run(new String[] {"ps", "-a"}, quiet, quiet);
    try {
      lifecycle(dir, quiet);
    } catch (IOException | RuntimeException e) {
      // the training of every other command below still runs
    }
    // every other command's picocli model and its first steps, up to the unknown sandbox or image
    // (the forms of ps, images, inspect and logs that FastArgs leaves to picocli, too)
    String none = "jbox-cds-training-none";
    // (no --help: the launcher answers it from target/help without a JVM)
    for (String[] line : List.of(new String[] {"ps", "--no-trunc", "-n1"},
        new String[] {"images", "--filter=dangling=true", "--", "x"}, new String[] {"inspect", "--", none},
        new String[] {"logs", "--tail=-1", none}, new String[] {"stop", "-t", "1", none}, new String[] {"kill", none},
        new String[] {"rm", "-f", none}, new String[] {"wait", none}, new String[] {"exec", none, "true"},
        new String[] {"attach", none}, new String[] {"start", none}, new String[] {"restart", none},
        new String[] {"rename", none, none + "2"}, new String[] {"top", none}, new String[] {"port", none},
        new String[] {"ns", none}, new String[] {"rmi", none}, new String[] {"tag", none, none + ":2"},
        new String[] {"image", "inspect", none}, new String[] {"system", "df"},
        new String[] {"save", "-o", dir.resolve("save.tar").toString(), none},
        new String[] {"load", "-i", dir.resolve("none.tar").toString()}, new String[] {"nosuchcommand"})) {
      Main.run(line, quiet, quiet);
    }
  }

  /** A record of the training image, ended: hostname "training", no network, no plan. */
  private static SandboxRecord trainingRecord(String id, String name, Path rootfs, List<String> command, List<String> ports) {
    return trainingRecord(id, name, rootfs, command, ports, null);
  }

  /** As above, with the overlay directories an image sandbox's record holds (null: none). */
  private static SandboxRecord trainingRecord(String id, String name, Path rootfs, List<String> command, List<String> ports,
      SandboxRecord.Overlay overlay) {
    return new SandboxRecord(id, name, SandboxRecord.Kind.RUN, IMAGE, "sha256:" + "1".repeat(64), rootfs.toString(), command,
        System.currentTimeMillis(), false, "training", "none", ports, List.of(), "TERM", overlay, Map.of(),
        new SandboxRecord.Process(List.of("PATH=/bin"), "/", "0:0", 0, List.of(), List.of()), null, null, null, null);
  }

  /** The store-wide commands FastArgs parses: volumes made, listed, inspected and removed, df, version and info. */
  private static void storeWide(PrintStream quiet) {
    for (String[] line : List.of(new String[] {"volume", "create", "-l", "a=b", "jbox-cds-training"},
        new String[] {"volume", "create", "--ignore", "jbox-cds-training"}, new String[] {"volume", "ls"},
        new String[] {"volume", "ls", "-q", "-f", "dangling=true"}, new String[] {"volume", "ls", "--format", "json"},
        new String[] {"volume", "inspect", "jbox-cds-training"}, new String[] {"inspect", "jbox-cds-training"},
        new String[] {"system", "df"}, new String[] {"volume", "rm", "jbox-cds-training"},
        new String[] {"version"}, new String[] {"version", "--format", "json"}, new String[] {"version", "-f", "{{.Client.Version}}"},
        new String[] {"info"}, new String[] {"info", "--format", "json"}, new String[] {"info", "-f", "{{.Store.GraphRoot}}"})) {
      Main.run(line, quiet, quiet);
    }
  }

  /**
   * The archive of the commands that only read or change records (helpers/main.c, uses_cmds_archive):
   * the lifecycle commands FastArgs parses on a recorded sandbox, tag, rmi and image inspect of an
   * image record, and the store-wide ones; no picocli model, no HTTP client, no unpacker, so that it
   * stays as small as the run archive (mapping the cli archive cost these commands about 5 ms).
   */
  private static void cmds(Path dir, PrintStream quiet) throws IOException {
    // info's subordinate ranges, which the building account may not have
    Path subids = dir.resolve("subid");
    Files.writeString(subids, "# training\ntrainee:100000:65536\n");
    SubIds.read(subids, "trainee", 1000);
    oneLayerImage(ImageStore.open(ImageStore.defaultRoot()));
    for (String[] line : List.of(new String[] {"tag", IMAGE, "localhost/jbox-cds-training-tag:1"},
        new String[] {"rmi", "localhost/jbox-cds-training-tag:1"}, new String[] {"image", "inspect", IMAGE})) {
      Main.run(line, quiet, quiet);
    }
    storeWide(quiet);
    try {
      lifecycle(dir, quiet);
    } catch (IOException | RuntimeException e) {
      // the archive holds what ran up to there
    }
  }

  /**
   * The lifecycle commands FastArgs parses (this archive serves them): on a recorded detached
   * sandbox that ended, each up to what it does (port lists, wait prints the status, top and
   * stop find it not running, rename renames it and back, rm removes it); a pidfd signal 0 to
   * this JVM for what kill and stop send to a running one.
   */
  private static void lifecycle(Path dir, PrintStream quiet) throws IOException {
    Path rootfs = Files.createDirectories(dir.resolve("lifecycle-rootfs"));
    // an image sandbox's record, as users' usually are: without its overlay here, every command of
    // this archive on such a sandbox opened the jar for SandboxRecord$Overlay (about 3 ms)
    SandboxRecord.Overlay overlay = new SandboxRecord.Overlay(List.of(rootfs.toString()), rootfs + "-upper", rootfs + "-work");
    Path sandbox = SandboxStore.open(System.getenv(), null).create(trainingRecord("e".repeat(64), "training-lc",
        rootfs, List.of("sh", "-c", "true"), List.of("127.0.0.1:48998:80/tcp"), overlay)).runtimeDir();
    Files.writeString(sandbox.resolve("state"), "{\"status\":\"exited\",\"pid\":1,\"pidStart\":1,\"monitorPid\":1,"
        + "\"monitorStart\":1,\"started\":1796318396634,\"exitCode\":0,\"finished\":1796318396638}");
    Files.writeString(sandbox.resolve("lock"), "");
    long self = ProcessHandle.current().pid();
    long selfStart = dev.jbox.sandboxes.Procfs.startTime(self);
    dev.jbox.sandboxes.Signals.send(self, selfStart, 0);
    // top of a "running" sandbox whose pid 1 is this JVM (its pid namespace: every process here)
    Path state = sandbox.resolve("state");
    String ended = Files.readString(state);
    Files.writeString(state, "{\"status\":\"running\",\"pid\":" + self + ",\"pidStart\":" + selfStart + ",\"monitorPid\":"
        + self + ",\"monitorStart\":" + selfStart + ",\"started\":1796318396634,\"exitCode\":-1}");
    Main.run(new String[] {"top", "training-lc"}, quiet, quiet);
    Files.writeString(state, ended);
    for (String[] line : List.of(new String[] {"port", "training-lc"}, new String[] {"port", "training-lc", "80/tcp"},
        new String[] {"wait", "training-lc"}, new String[] {"wait", "--condition", "exited", "training-lc"},
        new String[] {"top", "training-lc"}, new String[] {"stop", "-t", "0", "training-lc"},
        new String[] {"kill", "-s", "TERM", "training-lc"}, new String[] {"restart", "-t", "0", "nosuch"},
        new String[] {"start", "nosuch"}, new String[] {"rename", "training-lc", "training-lc2"},
        new String[] {"rename", "training-lc2", "training-lc"}, new String[] {"rm", "-f", "nosuch"},
        new String[] {"rm", "training-lc"})) {
      Main.run(line, quiet, quiet);
    }
    // rm of a sandbox recorded in the image store (create, a kept run), whose directory it claims
    // through its lock (ContainerLock) before deleting it
    SandboxStore images = SandboxStore.open(System.getenv(), null);
    Files.createDirectories(images.containersDir().resolve("f".repeat(64))); // (made by the builder)
    images.createInImageStore(trainingRecord("f".repeat(64), "training-created", rootfs, List.of("sh", "-c", "true"), List.of()), false);
    Main.run(new String[] {"rm", "training-created"}, quiet, quiet);
    // what rm (-f) of an image sandbox deletes its directory through, past where training stops
    // (the deleter runs in the user namespace, which training does not start): its first use opened the jar
    try {
      Class.forName("dev.jbox.helper.UserNamespace");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An image record whose one layer is an empty directory, tagged {@link #IMAGE}. */
  private static void oneLayerImage(ImageStore store) throws IOException {
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
        + "\"config\":{\"Cmd\":[\"/bin/sh\"],\"Env\":[\"PATH=/bin\"],\"WorkingDir\":\"/\"},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + "0".repeat(64) + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = "sha256:" + "3".repeat(64); // the run path reads it by name, unverified
    String diffId = "sha256:" + "0".repeat(64);
    Files.createDirectories(store.blobPath(configDigest).getParent());
    Files.write(store.blobPath(configDigest), config);
    store.beginLayer(diffId, dirs -> { });
    Files.createDirectories(store.layerDir(diffId).resolve("diff"));
    store.finishLayer(diffId, Map.of("diffId", diffId));
    ImageRecord r = new ImageRecord("sha256:" + "1".repeat(64), "application/vnd.oci.image.manifest.v1+json",
        null, configDigest, "linux/amd64", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", 0,
        List.of(new ImageRecord.Layer("sha256:" + "2".repeat(64), "application/vnd.oci.image.layer.v1.tar+gzip", 0, diffId)),
        List.of());
    store.locked(() -> {
      store.putImage(r, IMAGE);
      return null;
    });
  }
}
