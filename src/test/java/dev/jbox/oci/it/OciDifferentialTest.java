package dev.jbox.oci.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox;
import dev.jbox.sandboxes.Procfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same bundles under runc (Debian's, the reference) and under jbox-oci, rootless: what the
 * process sees from inside (capability sets, NoNewPrivs, Seccomp mode, id maps, hostname, user and
 * groups, umask, cwd, env, rlimits, mounts and their options, masked and read-only paths), its
 * exit code, the state JSON through the lifecycle and the order of the hooks must be the same.
 */
class OciDifferentialTest {
  @TempDir static Path tmp;

  /** Everything the process can tell about itself, one fact per line. */
  static final String REPORT = String.join("\n",
      "for k in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp Groups; do grep \"^$k:\" /proc/self/status; done",
      "echo uid_map; cat /proc/self/uid_map; echo gid_map; cat /proc/self/gid_map",
      "echo hostname $(hostname); id; echo umask $(umask); echo cwd $(pwd)",
      "env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort",
      "grep -E 'Max open files|Max processes|Max core' /proc/self/limits",
      // mounts: target, type, and ro/nosuid/nodev/noexec of the mount itself; cgroup differs by design,
      // and the host's own submounts of /sys/kernel (tracefs once perf ran, debugfs, securityfs) come
      // with a rootless bind of /sys: jbox-oci makes them read-only with it, runc leaves them as they are
      "awk '{ split($0, a, \" - \"); split(a[2], b, \" \"); o=\"\"; n=split($6, f, \",\");"
          + " for (i=1;i<=n;i++) if (f[i]~/^(ro|rw|nosuid|nodev|noexec)$/) o=o\",\"f[i];"
          + " if ($5 !~ /^\\/sys\\/(fs\\/cgroup|kernel\\/.)/) print \"mount\", $5, b[1], o }' /proc/self/mountinfo | sort",
      "for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware /proc/acpi; do"
          + " if [ -d $p ]; then echo masked $p entries $(ls -A $p | wc -l); else echo masked $p bytes $(head -c 64 $p 2>/dev/null | wc -c); fi; done",
      "for p in /proc/sys/kernel/hostname /proc/sysrq-trigger; do (echo x > $p) 2>/dev/null && echo $p writable || echo $p refused; done",
      "exit 3");

  @AfterEach
  void deleteLeftovers() throws Exception {
    Oci.deleteLeftovers(tmp);
  }

  @BeforeAll
  static void setUp() {
    Jbox.requireRootless();
  }

  @Test
  void defaultRootlessSpec_sameInsideAndSameExitCode() throws Exception {
    Path b = Oci.bundle(tmp.resolve("plain"), true, "sh", "-c", REPORT);
    compare(b, "plain");
  }

  @Test
  void richProcess_subordinateIdsUserGroupsCapsUmaskRlimits_same() throws Exception {
    long[] sub = subIds();
    long[] me = dev.jbox.sandbox.idmap.ProcStatus.uidGid();
    Path b = Oci.bundle(tmp.resolve("rich"), true, "sh", "-c", REPORT);
    // the subordinate ids own nothing in the rootfs: it must be readable by others
    Oci.edit(b, c -> {
      Map<String, Object> p = Oci.process(c);
      // (no additionalGids: rootless runc refuses them)
      p.put("user", Map.of("uid", 1000L, "gid", 1000L, "umask", 23L));
      p.put("cwd", "/tmp");
      p.put("env", List.of("PATH=/bin:/sbin", "HOME=/home/user", "ODD=a b=c"));
      p.put("noNewPrivileges", false);
      List<String> caps = List.of("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID");
      p.put("capabilities", Map.of("bounding", caps, "effective", List.of("CAP_KILL"), "permitted", List.of("CAP_KILL", "CAP_CHOWN"),
          "inheritable", List.of("CAP_KILL"), "ambient", List.of("CAP_KILL")));
      p.put("rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "soft", 512L, "hard", 1000L),
          Map.of("type", "RLIMIT_CORE", "soft", 0L, "hard", 0L)));
      c.put("hostname", "differential"); // (not domainname: runc 1.1 does not set it)
      Map<String, Object> l = Oci.linux(c);
      l.put("uidMappings", List.of(Map.of("containerID", 0L, "hostID", me[0], "size", 1L),
          Map.of("containerID", 1L, "hostID", sub[0], "size", 65536L)));
      l.put("gidMappings", List.of(Map.of("containerID", 0L, "hostID", me[1], "size", 1L),
          Map.of("containerID", 1L, "hostID", sub[1], "size", 65536L)));
      List<Object> ns = new ArrayList<>((List<?>) l.get("namespaces"));
      ns.add(Map.of("type", "network"));
      l.put("namespaces", ns);
    });
    compare(b, "rich");
  }

  @Test
  void lifecycle_stateJsonFieldsStatusesAndHookOrder_same() throws Exception {
    Map<String, List<String>> seen = new java.util.HashMap<>();
    for (String rt : List.of("runc", "jbox")) {
      Path b = Oci.bundle(tmp.resolve("hooks-" + rt), true, "sleep", "100");
      Path log = tmp.resolve("hooks-" + rt + ".log");
      Oci.edit(b, c -> c.put("hooks", Map.of(
          "poststart", List.of(hook(log, "poststart-1"), hook(log, "poststart-2")),
          "poststop", List.of(hook(log, "poststop-1")))));
      List<String> rtCmd = rt.equals("runc") ? Oci.runc() : Oci.jboxOci();
      Path root = tmp.resolve("root-hooks-" + rt);
      List<String> facts = new ArrayList<>();
      assertEquals(0, Oci.run(rtCmd, root, "create", "-b", b.toString(), "h1").code());
      Map<String, Object> s = Oci.state(rtCmd, root, "h1");
      facts.add("keys " + new TreeSet<>(s.keySet()));
      facts.add("after create " + s.get("status"));
      assertEquals(0, Oci.run(rtCmd, root, "start", "h1").code());
      facts.add("after start " + Oci.state(rtCmd, root, "h1").get("status"));
      facts.add("kill exit " + Oci.run(rtCmd, root, "kill", "h1", "KILL").code());
      assertTrue(Oci.await(() -> "stopped".equals(Oci.state(rtCmd, root, "h1").get("status"))), rt);
      Map<String, Object> stopped = Oci.state(rtCmd, root, "h1");
      facts.add("stopped pid " + stopped.get("pid"));
      facts.add("delete exit " + Oci.run(rtCmd, root, "delete", "h1").code());
      facts.add("state after delete fails " + (Oci.run(rtCmd, root, "state", "h1").code() != 0));
      // poststart's status: "created" under runc 1.1 (run during create), "running" under jbox
      // (after the program was executed, as the spec says): see hooksOfEveryKind_...
      facts.addAll(Files.exists(log) ? Files.readAllLines(log).stream()
          .map(l -> l.startsWith("poststart") ? l.replaceAll("\"status\":\"(created|running)\"", "\"status\":S") : l).toList()
          : List.of("no hooks ran"));
      seen.put(rt, facts);
    }
    assertEquals(seen.get("runc"), seen.get("jbox"));
  }

  /**
   * What a hook writes: its kind, argv[0] (the shell's own /proc/self/cmdline, opened by the shell
   * itself so that /proc/self is the hook even in a procfs of another pid namespace), the state's
   * status and pid, its mount namespace and whether "/" is the container's rootfs (a marker file).
   * It exits with $HOOK_FAIL.
   */
  static final String HOOK = String.join("\n",
      "kind=$1; log=$2; read -r state",
      "exec 3< /proc/self/cmdline; a0=$(tr '\\0' '\\n' <&3 | head -n 1)",
      "st=$(echo \"$state\" | grep -o '\"status\": *\"[a-z]*\"' | grep -o '[a-z]*\"$' | tr -d '\"')",
      "pid=$(echo \"$state\" | grep -o '\"pid\": *[0-9]*' | grep -o '[0-9]*$')",
      "root=host; [ -e /HOOKS-ROOTFS ] && root=container",
      "echo \"$kind argv0=$a0 status=$st pid=${pid:-none} mnt=$(readlink /proc/self/ns/mnt) root=$root\" >> \"$log\"",
      "exit ${HOOK_FAIL:-0}");

  static final List<String> HOOK_KINDS = List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");

  /**
   * A bundle whose process logs its mount namespace and sleeps, with one hook of every kind (the
   * one named `failing` exits 7): startContainer's is the container's busybox (argv[0] "sh",
   * resolved in the container), the others the host's /bin/sh with argv[0] "hook-KIND". They all
   * log to DIR/out/hooks.log, which the container sees as /out/hooks.log.
   */
  static Path hookBundle(Path dir, String failing) throws Exception {
    Path b = Oci.bundle(dir, true, "sh", "-c", "echo \"process mnt=$(readlink /proc/self/ns/mnt)\" >> /out/hooks.log; exec sleep 3600");
    Files.createDirectories(b.resolve("out"));
    Files.createDirectories(b.resolve("rootfs/out"));
    Files.writeString(b.resolve("rootfs/HOOKS-ROOTFS"), "");
    String log = b.resolve("out/hooks.log").toString();
    Oci.edit(b, c -> {
      List<Object> mounts = new ArrayList<>((List<?>) c.get("mounts"));
      mounts.add(Map.of("destination", "/out", "type", "bind", "source", b.resolve("out").toString(), "options", List.of("rbind")));
      c.put("mounts", mounts);
      Map<String, Object> hooks = new java.util.LinkedHashMap<>();
      for (String k : HOOK_KINDS) {
        boolean inside = k.equals("startContainer");
        List<String> env = List.of("PATH=/usr/bin:/bin:/usr/sbin:/sbin", "HOOK_FAIL=" + (k.equals(failing) ? 7 : 0));
        hooks.put(k, List.of(Map.of("path", inside ? "/bin/busybox" : "/bin/sh",
            "args", List.of(inside ? "sh" : "hook-" + k, "-c", HOOK, "hook", k, inside ? "/out/hooks.log" : log), "env", env)));
      }
      c.put("hooks", hooks);
    });
    return b;
  }

  /**
   * Every hook kind, through create, start, kill and delete, under runc and jbox-oci: the same
   * hooks in the same order between the commands, each with the same argv[0], status, pid (the
   * init's as the caller sees it, or 1 in the container, or none), mount namespace (the caller's or
   * the container's) and root. One deliberate difference: runc 1.1 runs poststart during create,
   * before the program (and shows "created"); the spec, and runc since opencontainers/runc#5186,
   * after the program was executed, before start returns, as jbox does (showing "running").
   */
  @Test
  void hooksOfEveryKind_sameOrderAndObservationsAsRunc() throws Exception {
    Map<String, List<String>> seen = new java.util.HashMap<>();
    Map<String, String> poststart = new java.util.HashMap<>();
    String hostMnt = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
    for (String rt : List.of("runc", "jbox")) {
      Path b = hookBundle(tmp.resolve("allhooks-" + rt), "none");
      Path log = b.resolve("out/hooks.log");
      List<String> rtCmd = rt.equals("runc") ? Oci.runc() : Oci.jboxOci();
      Path root = tmp.resolve("root-allhooks-" + rt);
      Jbox.Result r = Oci.run(rtCmd, root, "create", "-b", b.toString(), "hk");
      assertEquals(0, r.code(), rt + " create: " + r);
      Files.writeString(log, "-- create returned\n", java.nio.file.StandardOpenOption.APPEND);
      long pid = ((Number) Oci.state(rtCmd, root, "hk").get("pid")).longValue();
      r = Oci.run(rtCmd, root, "start", "hk");
      assertEquals(0, r.code(), rt + " start: " + r);
      Files.writeString(log, "-- start returned\n", java.nio.file.StandardOpenOption.APPEND);
      assertTrue(Oci.await(() -> read(log).contains("process mnt=")), rt + ": the program did not run: " + read(log));
      assertEquals(0, Oci.run(rtCmd, root, "kill", "hk", "KILL").code());
      assertTrue(Oci.await(() -> "stopped".equals(Oci.state(rtCmd, root, "hk").get("status"))), rt);
      r = Oci.run(rtCmd, root, "delete", "hk");
      assertEquals(0, r.code(), rt + " delete: " + r);
      Files.writeString(log, "-- delete returned\n", java.nio.file.StandardOpenOption.APPEND);
      String text = read(log);
      String ctrMnt = text.replaceAll("(?s).*process mnt=(\\S+).*", "$1");
      assertTrue(!ctrMnt.equals(hostMnt) && ctrMnt.startsWith("mnt:"), rt + ": " + text);
      List<String> lines = new ArrayList<>();
      int startedAt = -1, startReturned = -1;
      for (String l : text.split("\n")) {
        if (l.startsWith("process ")) continue; // races with poststart under jbox; checked above
        l = l.replace("mnt=" + hostMnt, "mnt=caller's").replace("mnt=" + ctrMnt, "mnt=container's").replace(" pid=" + pid + " ", " pid=init ");
        if (l.startsWith("poststart ")) {
          poststart.put(rt, l.replace(" status=created ", " status=S ").replace(" status=running ", " status=S "));
          if (rt.equals("jbox")) assertTrue(startedAt >= 0 && startReturned < 0, "jbox: poststart after startContainer, before start returned: " + text);
          continue;
        }
        if (l.startsWith("startContainer ")) startedAt = lines.size();
        if (l.equals("-- start returned")) startReturned = lines.size();
        lines.add(l);
      }
      seen.put(rt, lines);
    }
    assertEquals(String.join("\n", seen.get("runc")), String.join("\n", seen.get("jbox")));
    assertEquals(poststart.get("runc"), poststart.get("jbox"));
    assertTrue(poststart.get("jbox").startsWith("poststart argv0=hook-poststart status=S pid=init mnt=caller's root=host"), poststart.toString());
  }

  /**
   * A failing hook of each kind: the same outcome under runc and jbox-oci (whether create or start
   * failed, the status after it, the poststop hook run once, nothing left in --root after delete
   * --force and no process of the container alive). One deliberate difference: a failing
   * startContainer hook stops the container under both, but runc 1.1's start still exits 0 (its
   * init fails after the exec fifo was read) where jbox's reports the error, as the spec says
   * ("the runtime MUST generate an error").
   */
  @Test
  void aFailingHookOfEachKind_sameOutcomeAsRuncAndNothingLeft() throws Exception {
    for (String kind : List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart")) {
      Map<String, List<String>> seen = new java.util.HashMap<>();
      for (String rt : List.of("runc", "jbox")) {
        Path b = hookBundle(tmp.resolve("fail-" + kind + "-" + rt), kind);
        Path log = b.resolve("out/hooks.log");
        List<String> rtCmd = rt.equals("runc") ? Oci.runc() : Oci.jboxOci();
        Path root = tmp.resolve("root-fail-" + kind + "-" + rt);
        List<String> facts = new ArrayList<>();
        Jbox.Result create = Oci.run(rtCmd, root, "create", "-b", b.toString(), "hf");
        long pid = 0, since = 0;
        Jbox.Result start = null;
        if (create.code() == 0) {
          pid = ((Number) Oci.state(rtCmd, root, "hf").get("pid")).longValue();
          since = Procfs.startTime(pid);
          start = Oci.run(rtCmd, root, "start", "hf");
          // startContainer: runc's start returns before its init ran the hook
          final long p = pid, t = since;
          Oci.await(() -> !Procfs.alive(p, t) || read(log).contains("process "));
        }
        boolean failed = create.code() != 0 || (start != null && start.code() != 0);
        if (kind.equals("startContainer")) {
          assertEquals(0, create.code(), rt + ": " + create);
          assertEquals(rt.equals("runc") ? 0 : 1, start.code(), rt + " start: " + start);
          assertTrue(Oci.await(() -> "stopped".equals(Oci.state(rtCmd, root, "hf").get("status"))), rt + " stopped");
          facts.add("program ran " + read(log).contains("process "));
        } else {
          facts.add("failed " + failed);
          assertTrue(failed, rt + " " + kind + ": create " + create + (start == null ? "" : "\nstart " + start));
          if (!kind.equals("poststart")) facts.add("program ran " + read(log).contains("process "));
          facts.add("state after the failure " + (Oci.run(rtCmd, root, "state", "hf").code() == 0 ? "exists" : "gone"));
        }
        if (!kind.equals("startContainer")) facts.add("message names the hook " + (create.err() + (start == null ? "" : start.err())).contains("hook"));
        if (!kind.equals("startContainer")) {
          // the failing command's status: runc's is 1 for every kind, and so is jbox-oci's, whose
          // message is one line of its own (a createContainer hook, run by the container's init,
          // once ended create with 125 and "jbox:")
          Jbox.Result failing = create.code() != 0 ? create : start;
          facts.add("exit " + failing.code());
          if (rt.equals("jbox")) {
            assertTrue(failing.err().startsWith("jbox-oci: ") && failing.err().strip().lines().count() == 1, kind + ": " + failing);
          }
        }
        Jbox.Result del = Oci.run(rtCmd, root, "delete", "--force", "hf");
        facts.add("delete --force exit " + del.code());
        facts.add("left in --root " + Oci.listing(root).stream().filter(x -> !x.equals(root.toString())).toList());
        final long p = pid, t = since;
        Oci.await(() -> !Procfs.alive(p, t));
        facts.add("init alive " + Procfs.alive(p, t));
        facts.add("poststop ran " + read(log).lines().filter(l -> l.startsWith("poststop ")).count());
        seen.put(rt, facts);
      }
      assertEquals(kind + ": " + seen.get("runc"), kind + ": " + seen.get("jbox"));
    }
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The probe's raw calls (helpers/tests/probe.c: ABI:NR:ARGS, "ok" or the errno) under a profile
   * with argument conditions, errnoRet and the three x86 ABIs: personality(0xffffffff) only,
   * socket(AF_VSOCK) only, getpriority(which > 1) only, sysinfo always; on x86_64, through int 0x80
   * (i386 numbers) and with the x32 bit.
   */
  @Test
  void seccompProfile_argConditionsErrnoRetAndAbis_sameAnswersAsRunc() throws Exception {
    Path b = Oci.bundle(tmp.resolve("seccomp"), true, "sh", "-c", "/probe sys:135:0xffffffff sys:135:0 sys:135:0x1ffffffff"
        + " sys:41:40:1:0 sys:41:1:1:0 sys:99:0 i386:116:0 i386:20 i386:136:0xffffffff sys:140:0:0 sys:140:2:0 sys:39 x32:39;"
        + " grep '^Seccomp:' /proc/self/status; exit 3");
    Jbox.installProbe(b.resolve("rootfs"));
    Oci.edit(b, c -> Oci.linux(c).put("seccomp", Map.of("defaultAction", "SCMP_ACT_ALLOW",
        "architectures", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
        "syscalls", List.of(
            rule("personality", 22, Map.of("index", 0L, "value", 0xffffffffL, "op", "SCMP_CMP_EQ")),
            rule("socket", 97, Map.of("index", 0L, "value", 40L, "op", "SCMP_CMP_EQ")),
            rule("getpriority", 13, Map.of("index", 0L, "value", 1L, "op", "SCMP_CMP_GT")),
            rule("sysinfo", 5)))));
    compareProbes(b, "seccomp");
  }

  /**
   * podman's default profile (Debian's /usr/share/containers/seccomp.json, as podman puts it into
   * config.json for a container without extra capabilities): a default of ENOSYS, an allow list,
   * personality by argument, EPERM for the module calls; installed before the capabilities are
   * dropped (noNewPrivileges false), so the runtime's remaining set-up runs under it too.
   */
  @Test
  void podmansDefaultProfile_withoutNoNewPrivs_sameAnswersAsRunc() throws Exception {
    Path b = Oci.bundle(tmp.resolve("podman-seccomp"), true, "sh", "-c", "/probe sys:135:0 sys:135:1 sys:135:8 sys:175 sys:248"
        + " sys:449 sys:462 sys:39 i386:20 i386:136:1 sys:41:1:1:0;"
        + " grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; exit 3");
    Jbox.installProbe(b.resolve("rootfs"));
    Map<String, Object> profile = podmanProfile();
    Oci.edit(b, c -> {
      Oci.process(c).put("noNewPrivileges", false);
      Oci.linux(c).put("seccomp", profile);
    });
    compareProbes(b, "podman-seccomp");
  }

  /**
   * linux.rootfsPropagation: the propagation of the container's "/" as /proc/self/mountinfo's
   * optional fields show it (peer group numbers dropped), for each value.
   */
  @Test
  void rootfsPropagation_rootMountAsRunc() throws Exception {
    String show = "awk '$5 == \"/\" { o = \"\"; for (i = 7; $i != \"-\"; i++) { sub(/:[0-9]+$/, \"\", $i); o = o \" \" $i }; print \"root\" o }'"
        + " /proc/self/mountinfo";
    for (String prop : List.of("private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable")) {
      Path b = Oci.bundle(tmp.resolve("prop-" + prop), true, "sh", "-c", show + "; exit 3");
      Oci.edit(b, c -> Oci.linux(c).put("rootfsPropagation", prop));
      Jbox.Result jbox = Oci.run(Oci.jboxOci(), tmp.resolve("root-jbox"), "run", "-b", b.toString(), "prop-" + prop);
      assertEquals(3, jbox.code(), "jbox-oci: " + jbox);
      if (prop.contains("shared") || prop.contains("unbindable")) {
        // runc 1.1 (Debian's) sets these on the host's "/" before pivot_root and leaves the
        // container's root as its parent made it (private); runc 1.2 and the spec set them on the
        // container's root, after pivot_root, as jbox does (here a peer group of its own, also a
        // slave of the host's mount when the host's is shared)
        String want = prop.contains("shared") ? "shared" : "unbindable";
        assertTrue(jbox.out().matches("root " + want + "( master)?\n"), prop + ": " + jbox);
        continue;
      }
      Jbox.Result runc = Oci.run(Oci.runc(), tmp.resolve("root-runc"), "run", "-b", b.toString(), "prop-" + prop);
      assertEquals(3, runc.code(), "runc: " + runc);
      assertEquals(prop + ": " + runc.out(), prop + ": " + jbox.out(), "runc:\n" + runc + "\njbox-oci:\n" + jbox);
    }
  }

  /** Debian's podman profile (docker's format) in the OCI form: rules that need a capability or an architecture left out. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> podmanProfile() throws Exception {
    Map<String, Object> docker = dev.jbox.json.Json.parseObject(Files.readString(Path.of("/usr/share/containers/seccomp.json")));
    List<Object> calls = new ArrayList<>();
    for (Object o : (List<?>) docker.get("syscalls")) {
      Map<String, Object> s = new java.util.LinkedHashMap<>((Map<String, Object>) o);
      if (s.get("includes") instanceof Map<?, ?> inc && !inc.isEmpty()
          && !(inc.keySet().stream().allMatch(k -> k.equals("arches") || k.equals("minKernel"))
              && inc.get("arches") instanceof List<?> arches && arches.contains("amd64"))) {
        continue; // needs a capability the container lacks, or another machine
      }
      s.remove("includes");
      s.remove("excludes");
      calls.add(s);
    }
    return Map.of("defaultAction", docker.get("defaultAction"), "defaultErrnoRet", docker.get("defaultErrnoRet"),
        "architectures", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), "syscalls", calls);
  }

  private static Map<String, Object> rule(String name, long errno, Object... args) {
    return Map.of("names", List.of(name), "action", "SCMP_ACT_ERRNO", "errnoRet", errno, "args", List.of(args));
  }

  private static void compareProbes(Path bundle, String id) {
    Jbox.Result runc = Oci.run(Oci.runc(), tmp.resolve("root-runc"), "run", "-b", bundle.toString(), id);
    Jbox.Result jbox = Oci.run(Oci.jboxOci(), tmp.resolve("root-jbox"), "run", "-b", bundle.toString(), id);
    assertEquals(3, runc.code(), "runc: " + runc);
    assertTrue(runc.out().contains("Seccomp:\t2"), "runc's report: " + runc);
    assertEquals(runc.out(), jbox.out(), "runc:\n" + runc + "\njbox-oci:\n" + jbox);
    assertEquals(runc.code(), jbox.code());
  }

  private static Map<String, Object> hook(Path log, String name) {
    return Map.of("path", "/bin/sh", "args", List.of("sh", "-c",
        "read -r state; echo " + name + " $(echo \"$state\" | grep -o '\"status\": *\"[a-z]*\"' | tr -d ' ') >> " + log));
  }

  private static void compare(Path bundle, String id) throws Exception {
    Jbox.Result runc = Oci.run(Oci.runc(), tmp.resolve("root-runc"), "run", "-b", bundle.toString(), id);
    Jbox.Result jbox = Oci.run(Oci.jboxOci(), tmp.resolve("root-jbox"), "run", "-b", bundle.toString(), id);
    assertEquals(3, runc.code(), "runc: " + runc);
    assertTrue(runc.out().contains("CapBnd") && runc.out().contains("mount /proc proc"), "runc's report: " + runc);
    assertEquals(masksAsRunc(runc.out()), masksAsRunc(jbox.out()), "runc:\n" + runc + "\njbox-oci:\n" + jbox);
    assertEquals(runc.code(), jbox.code());
  }

  /**
   * Two deliberate differences, reduced here to what both must agree on: jbox masks a directory
   * with a tmpfs that is also nosuid, nodev and noexec (runc's is only read-only); and where the
   * user namespace allows setgroups (newuidmap maps) jbox clears the supplementary groups, where
   * rootless runc leaves the caller's own group (mapped to 0) in place. No other group may appear.
   */
  static String masksAsRunc(String report) {
    StringBuilder b = new StringBuilder();
    for (String l : report.split("\n", -1)) {
      if (l.equals("Groups:\t0 ")) l = "Groups:\t ";
      if (l.endsWith(" groups=0(root)") && !l.startsWith("uid=0(")) l = l.substring(0, l.length() - " groups=0(root)".length());
      if (l.startsWith("mount ") && l.contains(" tmpfs ,ro")) l = l.substring(0, l.indexOf(" tmpfs ,ro")) + " tmpfs ,ro";
      b.append(l).append('\n');
    }
    return b.toString();
  }

  private static long[] subIds() throws Exception {
    String user = System.getProperty("user.name");
    long[] out = new long[2];
    int i = 0;
    for (String f : List.of("/etc/subuid", "/etc/subgid")) {
      for (String l : Files.readAllLines(Path.of(f))) {
        if (l.startsWith(user + ":")) {
          out[i] = Long.parseLong(l.split(":")[1]);
          break;
        }
      }
      i++;
    }
    return out;
  }
}
