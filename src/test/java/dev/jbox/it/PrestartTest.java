package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prepared start of a project's new `jbox shell` sandbox, its first part (issue 12): the JVM
 * writes the KEY of every input of the policy it computed ($XDG_RUNTIME_DIR/jbox/projects/
 * ID.prestart/key, 0700/0600), and the launcher re-checks it, before the JVM starts, for a shell
 * of a project whose sandbox does not run (helpers/prestart.c; JBOX_DEBUG_PRESTART=1 prints its
 * answer). Each kind of input changed (a deny-listed path appearing and going, the project's
 * .jbox/shell.toml, an environment variable the policy reads, the user's jbox.toml, the project
 * moved, another jar or helper) must make the KEY stale, and the sandbox then started must have
 * the new policy; a KEY that is not the caller's own 0600 file in a 0700 directory, a symlink,
 * garbage or a truncated one is never taken as fresh.
 */
class PrestartTest extends ScratchHomeTest {
  @BeforeEach
  void scenario() throws Exception {
    Files.writeString(home.resolve("notes.txt"), "private\n");
  }

  @AfterEach
  void end() throws Exception {
    reset(home);
  }

  /** The project's home layer under h removed (its work directory belongs to a subordinate id). */
  void reset(Path h) {
    ScratchHome.reset(project, h, env(), Map.of("HOME", h.toString()));
  }

  Map<String, String> env() {
    Map<String, String> e = scratch.env(true);
    e.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    e.put("JBOX_DEBUG_PRESTART", "1");
    e.put("JBOX_PRESTART", "check"); // kept and checked; the launcher's own start: LauncherStartTest
    e.put("JBOX_TRACE", "1");
    return e;
  }

  Jbox.Result jbox(Path cwd, Map<String, String> extra, List<String> args) {
    return Jbox.inDir(cwd, env(), extra, args);
  }

  record Start(Jbox.Result r, String verdict) {
    String out() {
      return r.out();
    }
  }

  /** `jbox shell -- sh -c SCRIPT` in the project: its result and the launcher's verdict on the KEY. */
  Start shell(Map<String, String> extra, String script) {
    return shellIn(project, extra, script);
  }

  Start shellIn(Path cwd, Map<String, String> extra, String script) {
    return start(cwd, extra, List.of("shell", "--", "sh", "-c", script));
  }

  Start start(Path cwd, Map<String, String> extra, List<String> args) {
    Jbox.Result r = jbox(cwd, extra, args);
    assertEquals(0, r.code(), r.toString());
    String verdict = r.err().lines().filter(l -> l.startsWith("jbox: prestart: ")).findFirst().orElse("(none)");
    // the check is made before the JVM starts, and the JVM still starts the sandbox
    String err = r.err();
    if (!verdict.equals("(none)")) {
      int check = err.indexOf(verdict.contains("fresh") ? "jbox-trace prestart-fresh " : "jbox-trace prestart-stale ");
      int main = err.indexOf("jbox-trace java-main ");
      assertTrue(check >= 0 && main > check, "the KEY is checked before the JVM starts:\n" + r);
    }
    return new Start(r, verdict);
  }

  Path keyFile() throws Exception {
    try (var s = Files.list(scratch.runtime().resolve("projects"))) {
      Path d = s.filter(p -> p.getFileName().toString().endsWith(".prestart")).findFirst().orElseThrow();
      return d.resolve("key");
    }
  }

  /** Two starts through the JVM (the first makes the home layer: its KEY is stale at once), then a fresh KEY. */
  void prepared() {
    shell(Map.of(), "true");
    Start s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: none:"), s.verdict());
    assertFresh(Map.of());
  }

  void assertFresh(Map<String, String> extra) {
    Start s = shell(extra, "true");
    assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
  }

  @Test
  void withJboxPrestart0_nothingIsKept_andAnEarlierKeyGoes() throws Exception {
    prepared();
    Path key = keyFile();
    java.util.HashMap<String, String> off = new java.util.HashMap<>();
    off.put("JBOX_PRESTART", "0");
    // the launcher still checks the kept KEY (fresh), the JVM then drops it and its templates
    Start s = shell(off, "true");
    assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
    assertFalse(Files.exists(key), "a start with JBOX_PRESTART=0 left the KEY");
    for (String t : dev.jbox.sandboxes.ShellSandboxes.START_TEMPLATES) {
      assertFalse(Files.exists(key.resolveSibling(t)), t + " left");
    }
    s = shell(off, "true");
    assertTrue(s.verdict().contains("stale"), s.verdict());
    assertFalse(Files.exists(key), "a start with JBOX_PRESTART=0 kept a KEY");
  }

  @Test
  void theKeyHoldsUntilAnInputOfThePolicyChanges_andTheNewPolicyIsInForce() throws Exception {
    prepared();
    Path key = keyFile();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertTrue(Files.readString(key).startsWith("jbox-prestart 1\njar "), Files.readString(key));

    // a deny-listed secret appears: stale, and it is absent inside; then it goes again
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "secret\n");
    Start s = shell(Map.of(), "test -e ~/.ssh && echo visible || echo hidden");
    assertTrue(s.verdict().contains("stale: changed: " + home.resolve(".ssh")), s.verdict());
    assertEquals("hidden\n", s.out());
    assertFresh(Map.of());
    Files.delete(home.resolve(".ssh/id_ed25519"));
    Files.delete(home.resolve(".ssh"));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: " + home.resolve(".ssh")), s.verdict());
    assertFresh(Map.of());

    // the project's .jbox/shell.toml hides one more file
    assertEquals("private\n", shell(Map.of(), "cat ~/notes.txt").out());
    Files.createDirectories(project.resolve(".jbox"));
    Files.writeString(project.resolve(".jbox/shell.toml"), "hide = [\"~/notes.txt\"]\n");
    s = shell(Map.of(), "test -e ~/notes.txt && echo visible || echo hidden");
    assertTrue(s.verdict().contains("stale: changed: " + project.resolve(".jbox/shell.toml")), s.verdict());
    assertEquals("hidden\n", s.out());
    assertFresh(Map.of());
    // its bytes change (a narrowing key only: no --trust needed)
    Files.writeString(project.resolve(".jbox/shell.toml"), "hide = []\n");
    s = shell(Map.of(), "cat ~/notes.txt");
    assertTrue(s.verdict().contains("stale: changed: " + project.resolve(".jbox/shell.toml")), s.verdict());
    assertEquals("private\n", s.out());
    assertFresh(Map.of());

    // an environment variable the policy reads: HOME (another home is overlaid)
    Path home2 = tmp.resolve("home2");
    Files.createDirectories(home2);
    Files.writeString(home2.resolve("marker"), "two\n");
    Map<String, String> other = Map.of("HOME", home2.toString());
    s = shell(other, "cat ~/marker; echo $HOME");
    assertTrue(s.verdict().contains("stale: changed: HOME"), s.verdict());
    assertEquals("two\n" + home2 + "\n", s.out());
    reset(home2);
    // and back: the KEY now is the other home's
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale:"), s.verdict());
    assertFresh(Map.of());

    // the user's jbox.toml appears (comments only: the store stays) and changes
    Files.createDirectories(tmp.resolve("config/jbox"));
    Files.writeString(tmp.resolve("config/jbox/jbox.toml"), "# mine\n");
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: " + tmp.resolve("config/jbox/jbox.toml")), s.verdict());
    assertFresh(Map.of());
    Files.writeString(tmp.resolve("config/jbox/jbox.toml"), "# mine, changed\n");
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: " + tmp.resolve("config/jbox/jbox.toml")), s.verdict());
    assertFresh(Map.of());

    // another helper (a jbox upgrade): its stamp
    Path helper = Jbox.source().resolve("helpers/build/jbox-helper");
    Files.setLastModifiedTime(helper, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: another helper:"), s.verdict());
    assertFresh(Map.of());

    // the project moved: another project (no KEY), whose writable directory is the new one
    reset(home);
    Path moved = home.resolve("src/app2");
    Files.move(project, moved);
    project = moved;
    s = shell(Map.of(), "touch here && pwd");
    assertTrue(s.verdict().contains("stale: none:"), s.verdict());
    assertEquals(moved + "\n", s.out());
    assertTrue(Files.exists(moved.resolve("here")));

    // --network=none (an option the launcher knows): the KEY's options are the call's
    s = start(project, Map.of(), List.of("shell", "--network=none", "--", "true"));
    assertTrue(s.verdict().contains("stale: changed: options"), s.verdict());
    s = start(project, Map.of(), List.of("shell", "--network", "none", "--", "true"));
    assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: options"), s.verdict());

    // JBOX_SHELL_NO_FAST: no check at all
    s = shell(Map.of("JBOX_SHELL_NO_FAST", "1"), "true");
    assertEquals("(none)", s.verdict());
  }

  @Test
  void aKeyThatIsNotTheCallersOwnPrivateFile_orNotAKey_isNeverFresh() throws Exception {
    prepared();
    Path key = keyFile();
    String good = Files.readString(key);
    // group- or world-readable
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    Start s = shell(Map.of(), "test -e ~/notes.txt && echo ok");
    assertTrue(s.verdict().contains("stale: not the caller's own 0600 file"), s.verdict());
    assertEquals("ok\n", s.out());
    assertFresh(Map.of()); // the JVM wrote it again, 0600
    // the directory open to others
    Files.setPosixFilePermissions(key.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: not the caller's own 0700 directory"), s.verdict());
    assertFresh(Map.of());
    // a symlink to a good copy
    Path copy = tmp.resolve("key-copy");
    Files.writeString(copy, good);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    Files.delete(key);
    Files.createSymbolicLink(key, copy);
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: not the caller's own 0600 file"), s.verdict());
    assertFalse(Files.isSymbolicLink(key), "the JVM replaced the link with a file");
    assertFresh(Map.of());
    // garbage, and a truncated KEY (0600, the caller's own)
    for (String bad : List.of("garbage\n", good.substring(0, good.length() - 7), good + "unknown kind\n",
        good.replace("\nstat ", "\nstat relative/"))) {
      Files.writeString(key, bad);
      s = shell(Map.of(), "true");
      assertTrue(s.verdict().contains("stale: not a KEY this helper checks"), bad + "\n" + s.verdict());
      assertFresh(Map.of());
    }
    // a line whose answer was edited (the parse holds, the check does not)
    Files.writeString(key, good.replace("env HOME=" + home + "\n", "env HOME=/elsewhere\n"));
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().contains("stale: changed: HOME"), s.verdict());
  }

  /** The records of a plan: {tag, bytes} each, after the 10-byte header. */
  static List<Object[]> records(byte[] plan) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(plan).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertEquals("JBXP", new String(plan, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(plan.length, b.getInt(6), "the header's length");
    List<Object[]> l = new java.util.ArrayList<>();
    b.position(10);
    while (b.remaining() > 0) {
      int tag = b.getShort() & 0xffff;
      byte[] v = new byte[b.getInt()];
      b.get(v);
      l.add(new Object[] {tag, v});
    }
    return l;
  }

  static byte[] encode(List<Object[]> recs) {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int len = 10;
    for (Object[] r : recs) len += 6 + ((byte[]) r[1]).length;
    h.put("JBXP".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 1).putInt(len);
    o.writeBytes(h.array());
    for (Object[] r : recs) {
      java.nio.ByteBuffer rh = java.nio.ByteBuffer.allocate(6).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      rh.putShort((short) (int) r[0]).putInt(((byte[]) r[1]).length);
      o.writeBytes(rh.array());
      o.writeBytes((byte[]) r[1]);
    }
    return o.toByteArray();
  }

  /** A list's elements as Json.pretty writes them after its first's place, at this indent. */
  static String jsonList(List<String> l, int indent) {
    StringBuilder b = new StringBuilder();
    for (String v : l) {
      if (b.length() > 0) b.append(",\n").append(" ".repeat(indent));
      b.append(dev.jbox.json.Json.write(v));
    }
    return b.toString();
  }

  static byte[] withId(byte[] template, String id) {
    String mark = "@".repeat(64);
    byte[] b = template.clone();
    String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    for (int i = s.indexOf(mark); i >= 0; i = s.indexOf(mark, i + 64)) {
      System.arraycopy(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, b, i, 64);
    }
    return b;
  }

  @Test
  void theStartTemplate_filledWithAStartsIdAndCaller_isThatStartsPlanAndRecords_byteForByte() throws Exception {
    prepared();
    Path dir = keyFile().getParent();
    // one more start through the JVM, its plan dumped instead of run: the templates beside the KEY
    // are this start's; the caller's environment exactly known (no marker name, a UTF-8 locale:
    // the launcher adds nothing for the JVM)
    Path dump = tmp.resolve("start.plan.sent");
    Map<String, String> extra = new HashMap<>();
    extra.put("JBOX_DEBUG_PLAN_FILE", dump.toString());
    extra.put("LC_ALL", "C.UTF-8");
    extra.put("FOO_TOKEN", "secret");
    for (String k : List.of("container", "JBOX_SANDBOX", "debian_chroot", "PS1", "OLDPWD")) extra.put(k, null);
    extra.put("PWD", project.toString()); // packaging/jbox's sh exports it
    ProcessBuilder pb = Jbox.builder(List.of());
    for (String k : List.of("XDG_DATA_HOME", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE")) pb.environment().remove(k);
    pb.environment().putAll(env());
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getValue() == null) pb.environment().remove(e.getKey());
      else pb.environment().put(e.getKey(), e.getValue());
    }
    Map<String, String> callerEnv = new java.util.TreeMap<>(pb.environment());
    Start s = start(project, extra, List.of("shell", "--", "sh", "-c", "true"));
    byte[] sent = Files.readAllBytes(dump);
    String id = Files.readSymbolicLink(dir.resolveSibling(dir.getFileName().toString().replace(".prestart", ""))).toString();
    assertTrue(id.matches("[0-9a-f]{64}"), id);
    for (String t : dev.jbox.sandboxes.ShellSandboxes.START_TEMPLATES) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(t))), t);
    }
    byte[] template = Files.readAllBytes(dir.resolve("start.plan"));
    // the id is nowhere in a template; its marker stands where the start had it (the lock file, the /etc files' directory)
    assertFalse(new String(template, java.nio.charset.StandardCharsets.ISO_8859_1).contains(id));
    assertTrue(new String(template, java.nio.charset.StandardCharsets.ISO_8859_1).contains("/" + "@".repeat(64) + "/fgstate"));
    // the caller's parts, as the JVM takes them: the command first, then its environment in the
    // order of the names without JBOX_* and the built-in env-deny list, before the markers
    List<String> deny = dev.jbox.sandbox.ShellSettings.defaults().strings("env-deny");
    List<Object[]> filled = new java.util.ArrayList<>();
    for (String a : List.of("sh", "-c", "true")) filled.add(new Object[] {1, a.getBytes(java.nio.charset.StandardCharsets.UTF_8)});
    boolean envDone = false;
    for (Object[] r : records(withId(template, id))) {
      assertTrue((int) r[0] != 1, "no command in a start template");
      if ((int) r[0] == 2 && !envDone) {
        envDone = true;
        for (Map.Entry<String, String> e : callerEnv.entrySet()) {
          String k = e.getKey();
          boolean denied = k.startsWith("JBOX_");
          for (String d : deny) denied |= k.matches(java.util.regex.Pattern.quote(d).replace("*", "\\E.*\\Q"));
          if (!denied) filled.add(new Object[] {2, (k + "=" + e.getValue()).getBytes(java.nio.charset.StandardCharsets.UTF_8)});
        }
      }
      filled.add(r);
    }
    assertTrue(!new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1).contains("FOO_TOKEN"), "denied by default");
    assertEquals(java.util.HexFormat.of().formatHex(sent), java.util.HexFormat.of().formatHex(encode(filled)),
        "the template filled is the plan the JVM sent:\n" + s.r());
    // the records the start wrote, each its template with the id put in
    Path rt = scratch.runtime();
    assertEquals(java.util.HexFormat.of().formatHex(Files.readAllBytes(rt.resolve(id).resolve("project"))),
        java.util.HexFormat.of().formatHex(withId(Files.readAllBytes(dir.resolve("start.project")), id)));
    assertEquals(java.util.HexFormat.of().formatHex(Files.readAllBytes(rt.resolve(id).resolve("join.plan"))),
        java.util.HexFormat.of().formatHex(withId(Files.readAllBytes(dir.resolve("start.join.plan")), id)));
    for (String f : List.of("hostname", "hosts", "resolv.conf")) {
      Path p = rt.resolve("files").resolve(id).resolve(f);
      byte[] want = Files.exists(p) ? Files.readAllBytes(p) : new byte[0];
      assertEquals(new String(want, java.nio.charset.StandardCharsets.UTF_8),
          new String(withId(Files.readAllBytes(dir.resolve("start." + f)), id), java.nio.charset.StandardCharsets.UTF_8), f);
    }
    // the records that hold the caller's parts: config.json is its template with the command,
    // the created time, the environment and the working directory of the plan sent in the
    // tokens' places (no terminal: the tty's place goes with its separator); exec.plan is its
    // template with the plan's ENV and CWD records in place of the template's
    List<String> argv = new java.util.ArrayList<>(), envSent = new java.util.ArrayList<>();
    List<Object[]> execFilled = new java.util.ArrayList<>();
    String cwd = null;
    for (Object[] r : records(sent)) {
      String v = new String((byte[]) r[1], java.nio.charset.StandardCharsets.UTF_8);
      if ((int) r[0] == 1) argv.add(v);
      if ((int) r[0] == 2) envSent.add(v);
      if ((int) r[0] == 3) cwd = v;
      if ((int) r[0] == 2 || (int) r[0] == 3) execFilled.add(r);
    }
    String config = Files.readString(rt.resolve(id).resolve("config.json"));
    java.util.regex.Matcher created = java.util.regex.Pattern.compile("\n  \"created\": ([0-9]+),\n").matcher(config);
    assertTrue(created.find(), config);
    List<String> tokens = dev.jbox.sandboxes.ShellSandboxes.RECORD_TOKENS;
    String ct = new String(withId(Files.readAllBytes(dir.resolve("start.config.json")), id), java.nio.charset.StandardCharsets.UTF_8);
    String filledConfig = ct.replace(dev.jbox.json.Json.write(tokens.get(0)), jsonList(argv, 4))
        .replace(dev.jbox.json.Json.write(tokens.get(1)), created.group(1))
        .replace(dev.jbox.json.Json.write(tokens.get(2)), jsonList(envSent, 6))
        .replace(dev.jbox.json.Json.write(tokens.get(3)), dev.jbox.json.Json.write(cwd))
        .replace(dev.jbox.json.Json.write(tokens.get(4)) + ",\n      ", "");
    assertEquals(config, filledConfig);
    boolean afterCwd = false;
    for (Object[] r : records(Files.readAllBytes(dir.resolve("start.exec.plan")))) {
      if (afterCwd) execFilled.add(r);
      afterCwd |= (int) r[0] == 3;
    }
    assertEquals(java.util.HexFormat.of().formatHex(Files.readAllBytes(rt.resolve(id).resolve("exec.plan"))),
        java.util.HexFormat.of().formatHex(encode(execFilled)));
    // a start the launcher could not take drops the KEY and every template
    start(home, Map.of(), List.of("shell", "--new", "--project", project.toString(), "--", "true"));
    try (var l = Files.list(dir)) {
      assertEquals(List.of(), l.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void theLaunchersStart_fromTheTemplates_sendsAndRecordsWhatTheJvmsStartDoes_byteForByte() throws Exception {
    prepared();
    Path sub = project.resolve("src/d\u00e9j\u00e0-vu"); // a space in a path the KEY records makes it one the launcher cannot split
    Files.createDirectories(sub);
    // hostile parts: quotes, backslashes, control characters, a newline, non-ASCII, a long value;
    // a denied name and a JBOX_ one; run from a directory of the project
    Map<String, String> extra = new HashMap<>();
    extra.put("LC_ALL", "C.UTF-8");
    extra.put("FOO_TOKEN", "secret");
    extra.put("QUOTED", "a\"b\\c\\\"d");
    extra.put("CONTROLS", "\u0001\u0002\t\u001f\u007f end");
    extra.put("MULTI", "line one\nline two\r\n");
    extra.put("UNICODE", "caf\u00e9 \u2615 \u2028 \ud83d\ude00");
    extra.put("LONG", "x".repeat(20_000));
    extra.put("JBOX_SOMETHING", "not passed");
    extra.put("PWD", sub.toString());
    for (String k : List.of("container", "JBOX_SANDBOX", "debian_chroot", "PS1", "OLDPWD")) extra.put(k, null);
    List<String> cmd = List.of("shell", "--", "sh", "-c", "exit 0", "a\"b", "c\\d", "\u00e9\t\u0001", "\ud83d\ude00");
    for (boolean network : List.of(false, true)) {
      Path dry = Files.createDirectories(tmp.resolve("dry" + network));
      Path dump = tmp.resolve("sent" + network);
      extra.put("JBOX_DEBUG_PRESTART_DIR", dry.toString());
      extra.put("JBOX_DEBUG_PLAN_FILE", dump.toString());
      List<String> args = new java.util.ArrayList<>(cmd);
      if (network) args.addAll(1, List.of("--network", "none"));
      if (network) {
        // a KEY for --network none first (the options are part of it), from a start that runs
        extra.remove("JBOX_DEBUG_PRESTART_DIR");
        extra.remove("JBOX_DEBUG_PLAN_FILE");
        start(sub, extra, args);
        extra.put("JBOX_DEBUG_PRESTART_DIR", dry.toString());
        extra.put("JBOX_DEBUG_PLAN_FILE", dump.toString());
      }
      Start s = start(sub, extra, args);
      assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
      // the JVM's start: its plan (dumped, not run) and its records, under the id it drew
      Path dir = keyFile().getParent();
      String id = Files.readSymbolicLink(dir.resolveSibling(dir.getFileName().toString().replace(".prestart", ""))).toString();
      Path rt = scratch.runtime().resolve(id);
      String zeros = "0".repeat(64);
      byte[] plan = Files.readAllBytes(dry.resolve("plan"));
      assertEquals(java.util.HexFormat.of().formatHex(Files.readAllBytes(dump)),
          java.util.HexFormat.of().formatHex(replaced(plan, zeros, id)), "the launcher's plan is the JVM's:\n" + s.r());
      assertFalse(new String(plan, java.nio.charset.StandardCharsets.ISO_8859_1).contains("FOO_TOKEN"));
      assertTrue(new String(plan, java.nio.charset.StandardCharsets.UTF_8).contains("LONG=" + "x".repeat(20_000)));
      String created = "\n  \"created\": ([0-9]+),\n";
      String want = Files.readString(rt.resolve("config.json")).replaceFirst(created, "\n  \"created\": 0,\n");
      String got = new String(replaced(Files.readAllBytes(dry.resolve("config.json")), zeros, id), java.nio.charset.StandardCharsets.UTF_8);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(created).matcher(got);
      assertTrue(m.find(), got);
      long ms = Long.parseLong(m.group(1));
      assertTrue(Math.abs(ms - System.currentTimeMillis()) < 120_000, "created now: " + ms);
      assertEquals(want, got.replaceFirst(created, "\n  \"created\": 0,\n"));
      assertEquals(java.util.HexFormat.of().formatHex(Files.readAllBytes(rt.resolve("exec.plan"))),
          java.util.HexFormat.of().formatHex(Files.readAllBytes(dry.resolve("exec.plan"))));
      for (String f : List.of("plan", "config.json", "exec.plan")) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dry.resolve(f))), f);
      }
      // the JVM's start was recorded, not run: its record keeps the project's name until removed
      // (the launcher's start plans with the template's name, and must find it free)
      Jbox.Result rm = jbox(project, Map.of(), List.of("rm", "-f", id));
      assertEquals(0, rm.code(), rm.toString());
    }
    // bytes the JVM would decode otherwise (a UTF-8 locale that is not installed leaves it in
    // ASCII): the launcher's start would go to the JVM, and nothing is planned
    // (from the project: such a JVM cannot take a directory whose name is not ASCII)
    extra.remove("JBOX_DEBUG_PRESTART_DIR");
    extra.remove("JBOX_DEBUG_PLAN_FILE");
    start(project, extra, List.of("shell", "--", "true"));
    Path dry = Files.createDirectories(tmp.resolve("dry-ascii"));
    extra.put("JBOX_DEBUG_PRESTART_DIR", dry.toString());
    extra.put("LC_ALL", "xx_XX.UTF-8");
    Start s = start(project, extra, List.of("shell", "--", "sh", "-c", "exit 0", "caf\u00e9"));
    assertEquals("jbox: prestart: fresh", s.verdict(), s.r().toString());
    assertTrue(s.r().err().contains("jbox: prestart: the launcher's start would go to the JVM"), s.r().toString());
    try (var l = Files.list(dry)) {
      assertEquals(0, l.count(), "nothing planned");
    }
  }

  static byte[] replaced(byte[] b, String from, String to) {
    String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    return s.replace(from, to).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  @Test
  void aBrokenStartTemplate_isNeverFresh_andTheJvmStartsTheSandbox() throws Exception {
    prepared();
    Path t = keyFile().resolveSibling("start.plan");
    byte[] good = Files.readAllBytes(t);
    byte[] garbage = "garbage".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 9);
    // the lock file's marker one byte short: 63 `@` are text, so the sandbox's lock file would not be its own
    byte[] shortMarker = good.clone();
    String g = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1);
    shortMarker[g.lastIndexOf("@".repeat(64))] = 'x';
    assertTrue(g.indexOf("/fgstate", g.lastIndexOf("@".repeat(64))) == g.lastIndexOf("@".repeat(64)) + 64, "the last marker is the lock file's");
    // the caller's terminal in the template
    byte[] tty = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\u000e\u0000\u0005\u0000\u0000\u0000stdin",
        "\u000e\u0000\u0003\u0000\u0000\u0000tty\u000e\u0000\u0005\u0000\u0000\u0000stdin").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    java.nio.ByteBuffer.wrap(tty, 6, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(tty.length);
    assertEquals(good.length + 9, tty.length);
    for (byte[] bad : List.of(garbage, truncated, shortMarker, tty)) {
      Files.write(t, bad);
      Start s = shell(Map.of(), "test -e ~/notes.txt && echo ok");
      assertEquals("jbox: prestart: stale: start template: not one this helper starts from", s.verdict(), s.r().toString());
      assertEquals("ok\n", s.out());
      assertArrayEquals(good, Files.readAllBytes(t), "the JVM wrote the template again");
      assertFresh(Map.of());
    }
    // the record templates: garbage, cut short, a token twice, an exec template without its CWD
    Path ct = t.resolveSibling("start.config.json"), et = t.resolveSibling("start.exec.plan");
    byte[] goodConfig = Files.readAllBytes(ct), goodExec = Files.readAllBytes(et);
    String gc = new String(goodConfig, java.nio.charset.StandardCharsets.UTF_8);
    String cwdToken = dev.jbox.json.Json.write(dev.jbox.sandboxes.ShellSandboxes.RECORD_TOKENS.get(3));
    List<Object[]> noCwd = new java.util.ArrayList<>(records(goodExec));
    noCwd.removeIf(r -> (int) r[0] == 3);
    List<Object[]> broken = List.of(new Object[] {ct, garbage}, new Object[] {ct, java.util.Arrays.copyOf(goodConfig, goodConfig.length - 2)},
        new Object[] {ct, gc.replace("\"kind\": \"shell\"", "\"kind\": " + cwdToken).getBytes(java.nio.charset.StandardCharsets.UTF_8)},
        new Object[] {et, garbage}, new Object[] {et, encode(noCwd)});
    for (Object[] b : broken) {
      Path f = (Path) b[0];
      Files.write(f, (byte[]) b[1]);
      Start s = shell(Map.of(), "test -e ~/notes.txt && echo ok");
      assertEquals("jbox: prestart: stale: record template: not one this helper starts from", s.verdict(), s.r().toString());
      assertEquals("ok\n", s.out());
      assertArrayEquals(f.equals(ct) ? goodConfig : goodExec, Files.readAllBytes(f), "the JVM wrote the template again");
      assertFresh(Map.of());
    }
    Files.delete(et);
    Start gone = shell(Map.of(), "true");
    assertTrue(gone.verdict().startsWith("jbox: prestart: stale: record template: none: start.exec.plan"), gone.verdict());
    assertFresh(Map.of());
    // not the caller's own 0600 file, a symlink, none
    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-rw----"));
    Start s = shell(Map.of(), "true");
    assertEquals("jbox: prestart: stale: start template: not the caller's own 0600 file: start.plan", s.verdict());
    assertFresh(Map.of());
    Path copy = tmp.resolve("start-copy");
    Files.write(copy, good);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    Files.delete(t);
    Files.createSymbolicLink(t, copy);
    s = shell(Map.of(), "true");
    assertEquals("jbox: prestart: stale: start template: not the caller's own 0600 file: start.plan", s.verdict());
    assertFalse(Files.isSymbolicLink(t), "the JVM replaced the link with a file");
    assertFresh(Map.of());
    Files.delete(t);
    s = shell(Map.of(), "true");
    assertTrue(s.verdict().startsWith("jbox: prestart: stale: start template: none:"), s.verdict());
    assertFresh(Map.of());
  }
}
