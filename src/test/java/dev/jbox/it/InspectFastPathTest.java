package dev.jbox.it;

import static dev.jbox.it.FastPathStores.hex;
import static dev.jbox.it.FastPathStores.image;
import static dev.jbox.it.FastPathStores.tags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.FastPath.Answer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jbox inspect SANDBOX...` without a JVM (helpers/inspect_fast.c), against the JVM
 * (JBOX_INSPECT_NO_FAST) on one store, as the test account: real sandboxes (created, detached and
 * exited with -e, -w, -u, --hostname, binds, named and anonymous volumes, --mount and --tmpfs;
 * running, so /proc's namespaces and mounts are read; --rm; a restart policy) and records written
 * as jbox writes them where real ones cannot be made here (published ports, a shell's sandbox, an
 * image sandbox held in the foreground, texts with quotes, backslashes and control characters, a
 * stale "running" record). Every form the launcher takes must start no JVM and give the JVM's
 * stdout, stderr and exit code (JBOX_TRACE's phases tell which answered); every other form
 * (options, images and volumes, unknown or ambiguous names, text above ASCII, record shapes and
 * mount specs the launcher does not follow) must reach the JVM.
 */
class InspectFastPathTest {
  @TempDir static Path tmp;
  static Path rootfs;

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
    rootfs = Jbox.rootfs(tmp);
  }

  static List<String> w(String... words) {
    return List.of(words);
  }

  /** inspect SANDBOX (a traced phase is not checked against a JVM here: fast() asks alone()). */
  static final FastPath INSPECT = FastPath.of("inspect").stamped().handingOver();

  static Answer same(Map<String, String> env, List<String> args) {
    return INSPECT.same(env, args);
  }

  /** The launcher alone answered, with the JVM's bytes, and code 0. */
  static String fast(Map<String, String> env, List<String> args) {
    Answer o = same(env, args);
    assertTrue(o.alone() && o.code() == 0, "no JVM for " + args + ": " + o);
    return o.out();
  }

  /** The JVM answered (and the launcher printed nothing of its own). */
  static void jvm(Map<String, String> env, List<String> args) {
    Answer o = same(env, args);
    assertFalse(o.fast(), "the JVM decides " + args + ": " + o);
  }

  @Test
  void inspect_everyShapeTheLauncherAnswersIsTheJvms() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path root = d.xdg.resolve("jbox");
      Path containers = Path.of(env.get("JBOX_STORAGE")).resolve("containers");
      PsRecords rec = new PsRecords(root, containers);
      Path bindDir = Files.createDirectories(tmp.resolve("bind-src"));
      Path bindLink = tmp.resolve("bind-link");
      Files.deleteIfExists(bindLink);
      Files.createSymbolicLink(bindLink, bindDir);
      FileChannel fgLock = null;
      try {
        // real sandboxes
        assertEquals(0, Jbox.run(w("volume", "create", "insvol"), env).code());
        String ended = start(env, List.of("--name", "ins.ended_1-x", "--network=none", "-e", "A=b \"quoted\" \\ back", "-e", "TAB=a\tb",
            "-w", "/tmp", "-u", "0:0", "--hostname", "insbox", "-v", bindLink + ":/mnt/b:ro", "-v", "insvol:/data", "-v", "/anon",
            "--mount", "type=bind,src=" + bindDir + ",dst=/mnt/m,ro", "--mount", "type=tmpfs,dst=/mnt/t,tmpfs-size=1m",
            "--tmpfs", "/scratch:size=2m,noexec", "--tmpfs", "/t2:suid,dev,ro,exec"), "echo hi; exit 3");
        String running = start(env, List.of("--name", "insrunning", "--network=none"), "exec sleep 1000");
        String rmRunning = start(env, List.of("--name", "insrm", "--rm", "--network=none"), "exec sleep 1000");
        String restarting = start(env, List.of("--name", "insalways", "--restart", "on-failure:2", "--network=none"), "exec sleep 1000");
        Jbox.Result created = Jbox.run(w("create", "--name", "inscreated", "--network=none", "--rootfs", rootfs.toString(), "true"), env);
        assertEquals(0, created.code(), created.toString());
        assertTrue(Detached.eventually(() -> Jbox.run(w("ps", "-a", "--format", "{{.Names}} {{.Status}}"), env).out().contains("ins.ended_1-x Exited (3)")),
            Jbox.run(w("ps", "-a"), env).toString());

        // hand-written records: ports, a shell's, an image sandbox in the foreground (running while
        // the test holds its lock), escapes, a stale record, a restart policy, shapes the launcher leaves to the JVM
        String ports = PsRecords.id(0xe1);
        rec.record(ports, false, "insports", "local/x:1", List.of("srv", "--port", "80"),
            List.of("8080:80", "127.0.0.1:8443:443/tcp", "[::1]:5353:53/udp", "9090:80", "bad-spec"), true,
            Map.of("imageId", "sha256:" + "ab".repeat(32), "restart", "always"));
        rec.state(ports, "exited", 1, 1, 1, 1, 0, true);
        String shell = PsRecords.id(0xe2);
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("env", List.of("PATH=/bin", "Q=\"x\"\u0001\u001f\u007f"));
        process.put("cwd", "/home/me");
        process.put("user", "1000:1000");
        process.put("capabilities", "2147747323"); // (20 digits: the listing leaves every record to the JVM)
        process.put("flags", List.of("tty", "stdin"));
        process.put("rlimits", List.of(List.of(7L, 1024L, 4096L), List.of(1L, -1L, -1L)));
        Map<String, Object> overlay = new LinkedHashMap<>();
        overlay.put("lower", List.of("/l1", "/l2"));
        overlay.put("upper", "/u");
        overlay.put("work", "/w");
        Map<String, Object> ns = new LinkedHashMap<>();
        ns.put("user", "new");
        ns.put("net", "host");
        Map<String, Object> shellExtra = new LinkedHashMap<>();
        shellExtra.put("kind", "shell");
        shellExtra.put("overlay", overlay);
        shellExtra.put("namespaces", ns);
        shellExtra.put("process", process);
        shellExtra.put("etcFiles", "/etc-files");
        shellExtra.put("plan", "AAAA");
        Path shellRecord = reorder(rec.record(shell, false, "insshell", "docker.io/library/debian:12", List.of("bash", "-l"), List.of(),
            false, shellExtra));
        rec.state(shell, "exited", 1, 1, 1, 1, 130, true);
        String fg = PsRecords.id(0xe3);
        rec.record(fg, true, "insforeground", "local/fg:1", List.of("sleep", "1d"), List.of(), false,
            Map.of("imageId", "sha256:" + "cd".repeat(32)));
        long[] live = rec.sleeper();
        Path fgState = containers.resolve(fg).resolve("state");
        Files.writeString(fgState, "{\"status\":\"running\",\"pid\":" + live[0] + ",\"pidStart\":" + live[1]
            + ",\"monitorPid\":1,\"monitorStart\":1,\"started\":1764955200000,\"exitCode\":null,\"finished\":null,\"restartCount\":2}\n");
        fgLock = FileChannel.open(fgState, StandardOpenOption.WRITE);
        fgLock.lock();
        String escapes = PsRecords.id(0xe4); // a name jbox would not give: reached by its id
        rec.record(escapes, false, "a\"b\\c\td\u0002", "/path/with \"quote\"", List.of("sh", "-c", "echo \"$X\" \\\n"), List.of(), false,
            Map.of("hostname", "h\\n"));
        String stale = PsRecords.id(0xe5); // its monitor was SIGKILLed: running, with a pid long gone
        rec.record(stale, false, "insstale", null, List.of("true"), List.of(), false, Map.of("stopSignal", "sigusr1"));
        rec.state(stale, "running", 999_999_999L, 1, 999_999_999L, 1, null, false);
        String created2 = PsRecords.id(0xe6); // created long ago, no state; a stop signal by number
        rec.record(created2, false, "insnostate", null, List.of(), List.of(), false, Map.of("stopSignal", "9", "created", 1L));
        String nonAscii = PsRecords.id(0xe7); // printed through the JVM's charset: the JVM's
        rec.record(nonAscii, false, "insutf", null, List.of("echo", "\u00e9t\u00e9 \u2603"), List.of(), false, Map.of());
        String unknownKey = PsRecords.id(0xe8); // a member toJson would not write back: the JVM's
        rec.record(unknownKey, false, "insextra", null, List.of("true"), List.of(), false, Map.of("future", 1L));
        String overlayMount = PsRecords.id(0xe9); // a -v of an overlay (O): the JVM's
        rec.record(overlayMount, false, "insoverlay", null, List.of("true"), List.of(), false, Map.of("mounts", List.of("-v /a:/b:O")));
        String badMount = PsRecords.id(0xea); // a spec the JVM leaves out of Mounts: the JVM's
        rec.record(badMount, false, "insbadmount", null, List.of("true"), List.of(), false,
            Map.of("mounts", List.of("--mount type=nfs,dst=/x", "something else")));
        // (a record whose created time is a fraction would send every listing to the JVM: test_inspect_fast.c has it)
        String twin = PsRecords.id(0xec); // shares its first digits with 0xe... ids: "e" is ambiguous
        rec.record(twin, false, "instwin", null, List.of("true"), List.of(), false, Map.of());

        // every form the launcher takes: no JVM, the JVM's bytes
        for (List<String> a : List.of(w("inspect", "ins.ended_1-x"), w("inspect", running), w("inspect", "insrm"), w("inspect", "insalways"),
            w("inspect", "inscreated"), w("inspect", "insports"), w("inspect", "insshell"), w("inspect", "insforeground"),
            w("inspect", escapes), w("inspect", "insstale"), w("inspect", "insnostate"), w("inspect", ended.substring(0, 7)),
            w("inspect", "insports", "insrunning", "insports", shell.substring(0, 3)), w("inspect", restarting.substring(0, 12)),
            w("inspect", rmRunning))) {
          fast(env, a);
        }
        // (so the comparisons compared something)
        String e = fast(env, w("inspect", "ins.ended_1-x"));
        for (String s : List.of("\"Status\": \"exited\"", "\"ExitCode\": 3", "\"A=b \\\"quoted\\\" \\\\ back\"", "\"TAB=a\\tb\"",
            "\"WorkingDir\": \"/tmp\"", "\"Hostname\": \"insbox\"", "\"Source\": \"" + bindDir.toRealPath() + "\"", "\"Name\": \"insvol\"",
            "\"Destination\": \"/anon\"", "\"Destination\": \"/scratch\"", "\"Detached\": true", "\"User\": \"0:0\"")) {
          assertTrue(e.contains(s), s + " in " + e);
        }
        String r = fast(env, w("inspect", "insrunning"));
        assertTrue(r.contains("\"Running\": true") && r.contains("\"mountPoint\": \"/\"") && r.contains("\"StopSignal\": 15")
            && r.contains("\"user\": "), r);
        String p = fast(env, w("inspect", "insports"));
        assertTrue(p.contains("\"80/tcp\": [\n") && p.contains("\"HostIp\": \"127.0.0.1\"") && !p.contains("\"HostPort\": \"5353\"") && p.contains("\"HostPort\": \"9090\"")
            && p.contains("\"Image\": \"" + "ab".repeat(32) + "\""), p);
        String s = fast(env, w("inspect", "insshell"));
        assertTrue(s.contains("\"Kind\": \"shell\"") && s.contains("\"Tty\": true") && s.contains("\"Q=\\\"x\\\"\\u0001\\u001f\u007f\"")
            && !s.contains("\"plan\"") && s.contains("\"capabilities\": \"2147747323\""), s);
        String f = fast(env, w("inspect", "insforeground"));
        assertTrue(f.contains("\"Pid\": " + live[0] + ",") && f.contains("\"RestartCount\": 2") && f.contains("\"StartedAt\": \"2025-12-05T17:20:00Z\""), f);
        String st = fast(env, w("inspect", "insstale"));
        assertTrue(st.contains("\"Error\": \"its monitor ended without recording the exit") && st.contains("\"StopSignal\": 10"), st);

        // the JVM's: options, an image or volume or nothing by that name, an ambiguous prefix, the shapes above
        for (List<String> a : List.of(w("inspect", "--format", "{{.Id}}", "insports"), w("inspect", "-f", "json", "insports"),
            w("inspect", "--type", "container", "insports"), w("inspect", "insvol"), w("inspect", "nosuch"), w("inspect", "insports", "nosuch"),
            w("inspect", "e"), w("inspect", "insutf"), w("inspect", "insextra"), w("inspect", "insoverlay"), w("inspect", "insbadmount"),
            w("inspect"), w("inspect", "--", "insports"), w("inspect", "@insports"), w("inspect", "insports", "insutf"))) {
          jvm(env, a);
        }
        Map<String, String> opts = new HashMap<>(env);
        opts.put("JAVA_TOOL_OPTIONS", "-Dx=y");
        assertFalse(INSPECT.answer(opts, w("inspect", "insports"), false).fast());
      } finally {
        if (fgLock != null) fgLock.close();
        rec.close();
      }
    }
  }

  /** image inspect IMAGE and inspect IMAGE: their phases, JBOX_INSPECT_NO_FAST (a traced phase is not checked against a JVM). */
  static FastPath imagePath(List<String> args) {
    return new FastPath(args.get(0).equals("image") ? "image-inspect-fast" : "inspect-image-fast", "JBOX_INSPECT_NO_FAST", true, true);
  }

  static Answer sameImage(Map<String, String> env, List<String> args) {
    return imagePath(args).same(env, args);
  }

  /** A config blob for image n (its id is hex(n + 100)), as the registry sent it. */
  static void config(Path store, int n, String json) throws Exception {
    Files.writeString(store.resolve("blobs/sha256").resolve(hex(n + 100)), json);
  }

  @Test
  void imageInspect_everyFormTheLauncherAnswersIsTheJvms() throws Exception {
    try (Detached d = new Detached(tmp, rootfs)) {
      Map<String, String> env = FastPathStores.env(d);
      Path store = Path.of(env.get("JBOX_STORAGE"));
      FastPathStores.imageDirs(store);
      // a sandbox in the store too: `inspect NAME` looks at sandboxes first
      start(env, List.of("--name", "imgsbx", "--network=none"), "true");
      Map<String, String> t = new HashMap<>();
      String alpine = image(store, 1, 3 * PsRecords.D, 999, 100);
      config(store, 1, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\",\"Q=\\\"quoted\\\" \\\\ t\\tx\\u0001\"],"
          + "\"Labels\":{\"org.x\":\"1\",\"empty\":\"\"},\"Cmd\":[\"sh\"],\"ExposedPorts\":{}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
          + "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"empty_layer\":true}],\"n\":-0,\"big\":123456789012345678}");
      t.put("docker.io/library/alpine:latest", alpine);
      t.put("docker.io/library/alpine:3.19", alpine);
      t.put("localhost:5000/x/alpine:3", alpine);
      String plain = image(store, 2, null, 1500, 200); // no name, no created time
      config(store, 2, "{}");
      t.put("example.com/a/foo:latest", image(store, 3, PsRecords.D, 10, 10));
      config(store, 3, "[1,\"x\"]");
      t.put("example.org/b/foo:latest", image(store, 4, PsRecords.D, 10, 10));
      config(store, 4, "{\"a\":1,\"a\":2}"); // a key twice: the JVM's
      t.put("example.org/utf:1", image(store, 5, PsRecords.D, 10, 10));
      config(store, 5, "{\"label\":\"\u00e9t\u00e9\"}"); // beyond ASCII: the JVM's charset
      t.put("example.org/frac:1", image(store, 6, PsRecords.D, 10, 10));
      config(store, 6, "{\"f\":1.5}"); // a BigDecimal: the JVM's
      t.put("example.org/noblob:1", image(store, 7, PsRecords.D, 10, 10)); // no config blob: the JVM's error
      tags(store, t);
      String id = hex(101);

      for (List<String> a : List.of(w("image", "inspect", "alpine"), w("image", "inspect", "alpine:3.19"),
          w("image", "inspect", "localhost:5000/x/alpine:3"), w("image", "inspect", id), w("image", "inspect", "sha256:" + id.substring(0, 10)),
          w("image", "inspect", alpine.substring(7, 20)), w("image", "inspect", alpine), w("image", "inspect", hex(102)),
          w("image", "inspect", "alpine", hex(102), "example.com/a/foo"), w("inspect", "alpine"),
          w("inspect", "imgsbx", "localhost:5000/x/alpine:3"), w("inspect", hex(103).substring(0, 5)))) {
        Answer o = sameImage(env, a);
        assertTrue(o.alone() && o.code() == 0, "no JVM for " + a + ": " + o);
      }
      String out = sameImage(env, w("image", "inspect", "alpine")).out();
      for (String want : List.of("\"Id\": \"" + id + "\"", "\"RepoTags\": [\n      \"docker.io/library/alpine:3.19\",\n      \"docker.io/library/alpine:latest\",\n"
          + "      \"localhost:5000/x/alpine:3\"\n    ]", "\"Q=\\\"quoted\\\" \\\\ t\\tx\\u0001\"", "\"n\": 0", "\"big\": 123456789012345678",
          "\"ExposedPorts\": {}", "/layers/" + hex(61) + "/diff\"")) {
        assertTrue(out.contains(want), want + " in\n" + out);
      }
      assertTrue(sameImage(env, w("image", "inspect", plain)).out().contains("\"Created\": null"));

      // the JVM's: options, docker.io's own forms, digests, ambiguous or unknown names, the configs above
      for (List<String> a : List.of(w("image", "inspect", "docker.io/library/alpine:latest"), w("image", "inspect", "alpine@" + alpine),
          w("image", "inspect", "foo"), w("image", "inspect", "nosuch"), w("image", "inspect", "example.org/b/foo"),
          w("image", "inspect", "example.org/utf:1"), w("image", "inspect", "example.org/frac:1"), w("image", "inspect", "example.org/noblob:1"),
          w("image", "inspect"), w("image", "inspect", "-x", "alpine"), w("inspect", "foo"),
          w("inspect", "--type", "image", "alpine"), w("image", "inspect", "alpine", "nosuch"))) {
        Answer o = sameImage(env, a);
        assertFalse(o.fast(), "the JVM decides " + a + ": " + o);
      }
    }
  }

  static String start(Map<String, String> env, List<String> options, String script) {
    List<String> a = new ArrayList<>(List.of("run", "-d"));
    a.addAll(options);
    a.addAll(List.of("--rootfs", rootfs.toString(), "sh", "-c", script));
    Jbox.Result r = Jbox.run(a, env);
    assertEquals(0, r.code(), r.toString());
    return r.out().strip();
  }

  /** The record's members in SandboxRecord.toJson's order (the extras went last). */
  static Path reorder(Path file) throws Exception {
    Map<String, Object> m = dev.jbox.json.Json.parseObject(Files.readString(file));
    Map<String, Object> o = new LinkedHashMap<>();
    for (String k : List.of("id", "name", "kind", "image", "imageId", "rootfs", "command", "created", "rm", "hostname", "network", "ports",
        "mounts", "stopSignal", "overlay", "namespaces", "process", "etcFiles", "plan", "restart")) {
      if (m.containsKey(k)) o.put(k, m.get(k));
    }
    Files.writeString(file, dev.jbox.json.Json.pretty(o) + "\n");
    return file;
  }
}
