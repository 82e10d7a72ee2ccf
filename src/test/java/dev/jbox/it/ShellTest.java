package dev.jbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jbox shell} as a developer uses it, as the unprivileged test account with the real
 * helper and pasta: a scratch $HOME with secrets and caches, a scratch git project, and the shell
 * started from that project directory.
 */
public class ShellTest extends ScratchHomeTest {
  @BeforeEach
  void scenario() throws IOException {
    Files.writeString(project.resolve(".git/config"), "[core]\n");
    Files.writeString(project.resolve("Makefile"), "all:\n");
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id_ed25519"), "PRIVATE KEY\n");
    Files.writeString(home.resolve(".bashrc"), "# host rc\n");
    Files.writeString(home.resolve(".profile"), "# host profile\n");
    Files.writeString(home.resolve(".netrc"), "machine x password y\n");
    Files.createDirectories(home.resolve(".m2"));
  }

  /** The home layer's work directory belongs to a subordinate id: --reset removes it (in the user namespace). */
  @org.junit.jupiter.api.AfterEach
  void resetHomeLayer() {
    if (ScratchHome.hasHomeLayer(home) && Files.isDirectory(project)) {
      var r = shell(project, null, "--reset");
      assertEquals(0, r.code(), r.toString());
    }
  }

  Map<String, String> env() {
    Map<String, String> e = scratch.env(false);
    e.put("JBOX_PRESTART", "check"); // the JVM's start, recording as by default (the launcher's: LauncherStartTest)
    e.remove("XDG_DATA_HOME");
    return e;
  }

  Jbox.Result shell(Path cwd, Map<String, String> extraEnv, String... args) {
    ProcessBuilder pb = Jbox.builder(prepend("shell", args));
    pb.directory(cwd.toFile());
    pb.environment().remove("XDG_DATA_HOME");
    pb.environment().putAll(env());
    if (extraEnv != null) pb.environment().putAll(extraEnv);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return Jbox.collect(pb, "jbox shell", 60);
  }

  Jbox.Result sh(String script, String... options) {
    List<String> a = new ArrayList<>(List.of(options));
    a.addAll(List.of("--", "sh", "-c", script));
    return shell(project, null, a.toArray(new String[0]));
  }

  static List<String> prepend(String first, String... rest) {
    List<String> l = new ArrayList<>(List.of(first));
    l.addAll(List.of(rest));
    return l;
  }

  static String hostCommand(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  static long owner(Path p) throws IOException {
    return ((Number) Files.getAttribute(p, "unix:uid")).longValue();
  }

  @Test
  void build_writesProjectFilesOwnedByTheUser_hostRootReadOnly_sameId() throws Exception {
    var r = sh("id; make -s 2>/dev/null; mkdir -p out && echo built > out/result; touch /usr/x 2>&1; "
        + "touch /etc/jbox-x 2>&1; pwd; echo tmp > /tmp/t && cat /tmp/t");
    assertEquals(0, r.code(), r.toString());
    assertEquals(hostCommand("id"), r.out().lines().findFirst().orElse("") + "\n", "id inside equals id outside: " + r);
    assertTrue(r.out().contains("touch: cannot touch '/usr/x': Read-only file system"), r.toString());
    assertTrue(r.out().contains("touch: cannot touch '/etc/jbox-x': Read-only file system"), r.toString());
    assertTrue(r.out().contains(project + "\n"), "starts in the project: " + r);
    assertEquals("built\n", Files.readString(project.resolve("out/result")));
    long me = Jbox.currentUid();
    assertEquals(me, owner(project.resolve("out/result")), "written by the user, owned by the user");
    assertEquals(me, owner(project.resolve("out")));
    assertFalse(Files.exists(Path.of("/tmp/t")) && owner(Path.of("/tmp/t")) == me && Files.readString(Path.of("/tmp/t")).equals("tmp\n"),
        "/tmp is the sandbox's own");
  }

  @Test
  void secretsHidden_homeCopyOnWrite_writeThroughCache_diffAndReset() throws Exception {
    var r = sh("ls -A ~/.ssh; cat ~/.ssh/id_ed25519 2>&1; cat ~/.netrc; echo added >> ~/.bashrc; cat ~/.bashrc; "
        + "echo new > ~/newfile; rm ~/.profile; echo cached > ~/.m2/x; echo done");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("No such file or directory"), "the key is absent: " + r);
    assertFalse(r.out().contains("PRIVATE KEY") || r.out().contains("password"), r.toString());
    assertTrue(r.out().contains("# host rc\nadded\n"), "the sandbox sees its own copy: " + r);
    assertEquals("# host rc\n", Files.readString(home.resolve(".bashrc")), "the host's file is unchanged");
    assertTrue(Files.exists(home.resolve(".profile")));
    assertFalse(Files.exists(home.resolve("newfile")));
    assertEquals("cached\n", Files.readString(home.resolve(".m2/x")), "a write-through cache writes to the host");
    assertEquals(Jbox.currentUid(), owner(home.resolve(".m2/x")));

    // the layer is mounted volatile (no sync of the upper filesystem when the sandbox ends), and
    // the marker the kernel leaves in its work dir does not keep the next session from mounting it
    var again = sh("cat ~/.bashrc; ls ~/newfile; awk -v h=\"$HOME\" '$5 == h' /proc/self/mountinfo");
    assertEquals(0, again.code(), again.toString());
    assertTrue(again.out().contains("added\n") && again.out().contains("newfile"), "the home layer is kept between sessions: " + again);
    assertTrue(again.out().lines().anyMatch(l -> l.contains(" - overlay ") && l.contains("volatile")), "the home layer is volatile: " + again);
    assertTrue(sh("cat ~/newfile").out().equals("new\n"), "a third session mounts it again");

    var diff = shell(project, null, "--diff");
    assertEquals(0, diff.code(), diff.toString());
    List<String> lines = diff.out().lines().toList();
    assertTrue(lines.contains("C " + home.resolve(".bashrc")), diff.toString());
    assertTrue(lines.contains("A " + home.resolve("newfile")), diff.toString());
    assertTrue(lines.contains("D " + home.resolve(".profile")), diff.toString());
    assertFalse(diff.out().contains(".m2"), "write-through is not a change of the layer: " + diff);

    var reset = shell(project, null, "--reset");
    assertEquals(0, reset.code(), reset.toString());
    assertEquals("", shell(project, null, "--diff").out());
    assertEquals("# host rc\n", sh("cat ~/.bashrc").out());
  }

  @Test
  void deniedPaths_absentNotEmpty_writesThereStayInTheSandboxesLayer() throws Exception {
    Files.createDirectories(home.resolve(".config/gcloud"));
    Files.writeString(home.resolve(".config/gcloud/credentials.db"), "CLOUD SECRET\n");
    Files.createDirectories(home.resolve(".config/other"));
    Files.writeString(home.resolve(".config/other/x"), "visible\n");
    Files.setPosixFilePermissions(home.resolve(".config"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Files.writeString(home.resolve(".ssh/known_hosts"), "host key\n");
    var r = sh("test -e ~/.ssh || echo ssh-absent; test -e ~/.netrc || echo netrc-absent; "
        + "test -e ~/.config/gcloud || echo gcloud-absent; ls ~/.ssh 2>&1; cat ~/.ssh/id_ed25519 2>&1; "
        + "echo listing; ls -A ~; echo end; cat ~/.config/other/x; stat -c %a ~/.config; "
        + "mkdir ~/.ssh && echo mine > ~/.ssh/id_new && cat ~/.ssh/id_new && ls -A ~/.ssh");
    assertEquals(0, r.code(), r.toString());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.containsAll(List.of("ssh-absent", "netrc-absent", "gcloud-absent")), "absent, not empty: " + r);
    assertTrue(lines.contains("ls: cannot access '" + home.resolve(".ssh") + "': No such file or directory"), r.toString());
    assertTrue(lines.contains("cat: " + home.resolve(".ssh/id_ed25519") + ": No such file or directory"), r.toString());
    List<String> listing = lines.subList(lines.indexOf("listing") + 1, lines.indexOf("end"));
    assertFalse(listing.contains(".ssh") || listing.contains(".netrc"), "not listed in $HOME: " + listing);
    assertTrue(listing.contains(".bashrc") && listing.contains(".config"), listing.toString());
    assertTrue(lines.contains("visible"), "the rest of ~/.config is there: " + r);
    assertTrue(lines.contains("700"), "a directory above a hidden path keeps its mode: " + r);
    assertEquals(List.of("mine", "id_new"), lines.subList(lines.size() - 2, lines.size()), "a denied path made inside is the sandbox's own: " + r);
    try (Stream<Path> ssh = Files.list(home.resolve(".ssh"))) {
      assertEquals(List.of("id_ed25519", "known_hosts"), ssh.map(p -> p.getFileName().toString()).sorted().toList(), "the host's ~/.ssh is untouched");
    }
    assertEquals("PRIVATE KEY\n", Files.readString(home.resolve(".ssh/id_ed25519")));

    var again = sh("cat ~/.ssh/id_new; ls -A ~/.ssh");
    assertEquals("mine\nid_new\n", again.out(), "kept in the project's layer, the host's keys still absent: " + again);
    var diff = shell(project, null, "--diff");
    assertEquals(0, diff.code(), diff.toString());
    assertTrue(diff.out().lines().toList().contains("A " + home.resolve(".ssh/id_new")), diff.toString());
    assertFalse(diff.out().contains(".netrc") || diff.out().contains("gcloud") || diff.out().contains(".mozilla"),
        "the deny list's whiteouts are not the sandbox's changes: " + diff);

    // a name the sandbox chose cannot drive the user's terminal or fake a line of the listing
    var odd = sh("touch ~/\"$(printf 'x\\033]0;title\\007\\nD .bashrc')\"");
    assertEquals(0, odd.code(), odd.toString());
    var oddDiff = shell(project, null, "--diff");
    assertTrue(oddDiff.out().contains("A " + home.resolve("x\\x1b]0;title\\x07\\x0aD .bashrc")), oddDiff.toString());
    assertFalse(oddDiff.out().contains("\u001b") || oddDiff.out().contains("\u0007"), oddDiff.toString());

    var ro = sh("cat ~/.ssh/known_hosts; cat ~/.ssh/id_ed25519 2>&1", "--new", "--ro", "~/.ssh/known_hosts");
    assertTrue(ro.out().startsWith("host key\n") && !ro.out().contains("PRIVATE"), "--ro shows one hidden file again: " + ro);
  }

  /**
   * The tokens a malicious post-install script reads first: ~/.npmrc, ~/.pypirc, Maven's
   * settings.xml (under the write-through ~/.m2: masked, shown empty, a write to it lost) and the shell's
   * history are not readable; the rest of ~/.m2 is still written through to the host.
   */
  @Test
  void registryTokensAndHistories_unreadable_cachesStillWrittenThrough() throws Exception {
    Files.writeString(home.resolve(".npmrc"), "//registry.npmjs.org/:_authToken=NPM-SECRET\n");
    Files.writeString(home.resolve(".pypirc"), "[pypi]\npassword = PYPI-SECRET\n");
    Files.writeString(home.resolve(".bash_history"), "export GH_TOKEN=HIST-SECRET\n");
    Files.writeString(home.resolve(".m2/settings.xml"), "<settings><password>MVN-SECRET</password></settings>\n");
    Files.createDirectories(home.resolve(".cargo"));
    Files.writeString(home.resolve(".cargo/credentials.toml"), "[registry]\ntoken = \"CARGO-SECRET\"\n");
    var r = sh("cat ~/.npmrc ~/.pypirc ~/.bash_history ~/.m2/settings.xml ~/.cargo/credentials.toml 2>/dev/null;"
        + " echo x > ~/.m2/settings.xml 2>/dev/null; cat ~/.m2/settings.xml; echo jar > ~/.m2/lib.jar; echo done");
    assertEquals(0, r.code(), r.toString());
    assertFalse(r.out().contains("SECRET"), "no token is readable in the sandbox: " + r);
    assertEquals("done\n", r.out(), "nothing of them shown, and a write to the masked one goes nowhere: " + r);
    assertEquals("<settings><password>MVN-SECRET</password></settings>\n", Files.readString(home.resolve(".m2/settings.xml")));
    assertEquals("jar\n", Files.readString(home.resolve(".m2/lib.jar")), "the cache is still written through");
    var pc = shell(project, null, "--print-config");
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("hide") && l.contains("~/.npmrc") && l.contains("built-in")), pc.toString());
  }

  @Test
  void gitRepository_readOnly_restOfProjectWritable() throws Exception {
    var r = sh("touch .git/hooks/pre-commit 2>&1; echo x >> .git/config 2>&1; echo ../evil > .git/commondir 2>&1;"
        + " echo ok > .git/other 2>&1; echo ok > built && echo wrote");
    assertTrue(r.out().contains("cannot touch '.git/hooks/pre-commit': Read-only file system"), r.toString());
    assertEquals(4, (r.out() + r.err()).lines().filter(l -> l.contains("Read-only file system")).count(), r.toString());
    assertTrue(r.out().endsWith("wrote\n"), "the rest of the project stays writable: " + r);
    assertFalse(Files.exists(project.resolve(".git/hooks/pre-commit")));
    assertFalse(Files.exists(project.resolve(".git/commondir")) || Files.exists(project.resolve(".git/other")));
    assertEquals("[core]\n", Files.readString(project.resolve(".git/config")));
    assertEquals("ok\n", Files.readString(project.resolve("built")));
  }

  /**
   * git reads {@code commondir} in the main repository's directory too and takes config and hooks
   * from the directory it names: a build that copies the repository, plants a hook in the copy and
   * writes {@code .git/commondir} would run its hook at the user's next commit outside the sandbox.
   * The whole repository is read-only, so the write fails; git's reads still work inside. With
   * {@code --git writable} the same script succeeds (the guard is what stopped it), and the host's
   * real git then takes the planted repository: the attack is real.
   */
  @Test
  void gitCommondir_cannotRedirectTheHostsGit() throws Exception {
    Path repo = home.resolve("src/real");
    Files.createDirectories(repo);
    var init = git(repo, "init", "-q", ".");
    assertEquals(0, init.code(), init.toString());
    Files.writeString(repo.resolve("a"), "a\n");
    assertEquals(0, git(repo, "add", "a").code());
    var c = git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "x");
    assertEquals(0, c.code(), c.toString());
    String attack = "cp -a .git evil && mkdir -p evil/hooks && printf '#!/bin/sh\\ntouch planted\\n' > evil/hooks/pre-commit"
        + " && chmod +x evil/hooks/pre-commit && echo ../evil > .git/commondir && echo redirected;";
    var r = shell(repo, null, "--", "sh", "-c", attack + " git status --short; git log --oneline | wc -l");
    assertEquals(0, r.code(), r.toString());
    assertFalse(r.out().contains("redirected"), r.toString());
    assertTrue(r.err().contains("Read-only file system"), r.toString());
    assertEquals("?? evil/\n1\n", r.out(), "git reads the repository in the sandbox: " + r);
    assertFalse(Files.exists(repo.resolve(".git/commondir")));
    assertEquals(repo.resolve(".git").toString() + "\n", git(repo, "rev-parse", "--absolute-git-dir").out());
    assertEquals(0, shell(repo, null, "--reset").code());

    // the same script with the guard off: the host's git now runs the sandbox's hook
    var off = shell(repo, null, "--git", "writable", "--", "sh", "-c", "rm -rf evil; " + attack);
    assertEquals("redirected\n", off.out(), off.toString());
    var commit = git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "y");
    assertEquals(0, commit.code(), commit.toString());
    assertTrue(Files.exists(repo.resolve("planted")), "git took config and hooks from the planted directory");
    assertEquals(0, shell(repo, null, "--reset").code());

    // from the project's .jbox/shell.toml, `git = "writable"` widens: it needs the user's --trust
    Files.delete(repo.resolve(".git/commondir"));
    Files.createDirectories(repo.resolve(".jbox"));
    Files.writeString(repo.resolve(".jbox/shell.toml"), "git = \"writable\"\n");
    var untrusted = shell(repo, null, "--", "true");
    assertEquals(125, untrusted.code(), untrusted.toString());
    assertTrue(untrusted.err().contains("git") && untrusted.err().contains("--trust"), untrusted.toString());
    assertEquals(1, untrusted.err().lines().count(), untrusted.toString());
    shell(repo, null, "--reset");
  }

  Jbox.Result git(Path dir, String... args) {
    ProcessBuilder pb = new ProcessBuilder(prepend("git", args));
    pb.directory(dir.toFile());
    pb.environment().putAll(env());
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    return Jbox.collect(pb, "git", 30);
  }

  /**
   * A build cannot move .git aside for a fresh one with a planted hook, nor plant one where git
   * looks for hooks or config outside .git: the repository (its submodules' repositories with it)
   * is read-only and immovable, and the paths a config names in the project are read-only; a
   * linked hooks directory is refused (the link's target could lie where the sandbox writes).
   */
  @Test
  void git_cannotBeMovedAsideOrReachedThroughItsConfig() throws Exception {
    Files.delete(project.resolve(".git/hooks"));
    Files.writeString(project.resolve(".git/config"), "[core]\n\thooksPath = .husky\n[include]\n\tpath = ../shared.gitconfig\n");
    Files.writeString(project.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    Path lib = project.resolve(".git/modules/vendor/lib");
    Files.createDirectories(lib.resolve("hooks"));
    Files.writeString(lib.resolve("HEAD"), "ref: refs/heads/main\n");
    Files.writeString(lib.resolve("config"), "[core]\n");
    var r = sh("for step in 'mv .git .git2' 'rm -r .git/modules' 'mkdir .git/hooks' 'mkdir .husky/x'"
        + " 'echo x > shared.gitconfig' 'mv .git/modules/vendor .git/modules/v2' 'mv .git/modules/vendor/lib .git/modules/l2'"
        + " 'touch .git/modules/vendor/lib/hooks/post-checkout' 'echo x >> .git/modules/vendor/lib/config'"
        + " 'echo ../../.. > .git/modules/vendor/lib/commondir'; do"
        + " sh -c \"$step\" 2>/dev/null && echo \"DID $step\"; done; echo ok > other && echo wrote");
    assertEquals(0, r.code(), r.toString());
    assertEquals("wrote\n", r.out(), "nothing of the repository's hooks or config was the sandbox's to change: " + r);
    assertFalse(Files.exists(project.resolve(".git/hooks")), "a missing hooks directory stays missing");
    assertTrue(Files.isDirectory(project.resolve(".husky")) && Files.exists(project.resolve("shared.gitconfig")));
    assertEquals(0, Files.size(project.resolve("shared.gitconfig")));
    assertEquals("[core]\n", Files.readString(lib.resolve("config")));
    Files.createDirectories(project.resolve(".git/hooks"));

    // a worktree's .git file names its repository: the sandbox cannot point it elsewhere
    Path wt = home.resolve("src/wt");
    Files.createDirectories(wt);
    Files.writeString(wt.resolve(".git"), "gitdir: " + project.resolve(".git") + "\n");
    var f = shell(wt, null, "--", "sh", "-c", "echo 'gitdir: /tmp/planted' > .git 2>/dev/null || echo kept");
    assertEquals("kept\n", f.out(), f.toString());
    assertEquals("gitdir: " + project.resolve(".git") + "\n", Files.readString(wt.resolve(".git")));
    assertEquals(0, shell(wt, null, "--reset").code(), "the second project's home layer removed");
    // one whose repository lies in the project (git init --separate-git-dir): that repository is read-only too
    Files.writeString(wt.resolve(".git"), "gitdir: gitdata\n");
    Files.createDirectories(wt.resolve("gitdata/hooks"));
    Files.writeString(wt.resolve("gitdata/commondir"), "../shared-git\n");
    Files.createDirectories(wt.resolve("shared-git/hooks"));
    var sep = shell(wt, null, "--", "sh", "-c", "touch gitdata/hooks/post-checkout shared-git/hooks/x 2>/dev/null || echo kept");
    assertEquals("kept\n", sep.out(), sep.toString());
    assertFalse(Files.exists(wt.resolve("gitdata/hooks/post-checkout")) || Files.exists(wt.resolve("shared-git/hooks/x")));
    var sep2 = shell(wt, null, "--", "sh", "-c", "touch shared-git/hooks/x 2>/dev/null || echo kept");
    assertEquals("kept\n", sep2.out(), "the common directory a commondir names is read-only: " + sep2);
    assertEquals(0, shell(wt, null, "--reset").code());

    // a linked hooks directory: refused, one line, exit 125
    Path hooks = project.resolve(".git/hooks");
    Files.delete(hooks);
    Files.createSymbolicLink(hooks, project.resolve(".husky"));
    var linked = sh("true");
    assertEquals(125, linked.code(), linked.toString());
    assertEquals(1, linked.err().lines().count(), linked.toString());
    assertTrue(linked.err().contains("is a symbolic link"), linked.toString());
  }

  /**
   * A sandbox can leave a symbolic link in the project ({@code build -> $HOME}) for the user's next
   * {@code --rw build} or {@code --ro vendor} to bind: the start refuses it, one line, exit 125,
   * nothing of $HOME reached; so does a chain through one of the user's own links. The user's own
   * links where no sandbox writes are followed as before.
   */
  @Test
  void linkPlantedInTheProject_isNotFollowedByTheNextStart() throws Exception {
    var plant = sh("mkdir -p out && ln -s ~ build && ln -s ~/.ssh vendor && rmdir out && ln -s ~ out && echo planted");
    assertEquals("planted\n", plant.out(), plant.toString());
    Files.createSymbolicLink(home.resolve("work"), project.resolve("out"));
    Files.createSymbolicLink(home.resolve("tools"), Path.of("/usr/share/doc"));
    for (String[] opt : new String[][] {{"--rw", "build"}, {"--ro", "vendor"}, {"--rw", "~/work"}, {"--write-through", "build"}}) {
      var r = sh("echo PWNED >> ~/.bashrc; cat ~/.ssh/id_ed25519; cat vendor/id_ed25519; echo PWNED >> build/.bashrc", opt);
      assertEquals(125, r.code(), String.join(" ", opt) + ": " + r);
      assertEquals(1, r.err().lines().count(), r.toString());
      assertTrue(r.err().contains("is a symbolic link in `" + project + "`"), r.toString());
      assertFalse(r.out().contains("PRIVATE"), r.toString());
    }
    assertEquals("# host rc\n", Files.readString(home.resolve(".bashrc")));
    var own = sh("ls ~/tools/ | grep -c . ", "--ro", "~/tools");
    assertEquals(0, own.code(), "a link of the user's own, where no sandbox writes, is followed: " + own);
  }

  /**
   * The helper's side of it: a bind whose source has the {@code realsrc} option is opened through
   * no symbolic link, so a link made after the policy looked (by a sandbox of the project running
   * beside the start) fails the start instead of binding what it points to.
   */
  @Test
  void realsrcBind_throughALink_failsTheStart() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("real"));
    Files.writeString(data.resolve("real/f"), "real\n");
    Files.createSymbolicLink(data.resolve("link"), data.resolve("real"));
    for (String src : List.of("real", "link")) {
      var ns = new java.util.EnumMap<dev.jbox.sandbox.Namespace, dev.jbox.sandbox.NsMode>(dev.jbox.sandbox.Namespace.class);
      for (var n : dev.jbox.sandbox.Namespace.values()) ns.put(n, dev.jbox.sandbox.NsMode.NEW);
      ns.put(dev.jbox.sandbox.Namespace.NET, dev.jbox.sandbox.NsMode.NEW);
      var idMap = dev.jbox.sandbox.idmap.IdMaps.build(dev.jbox.sandbox.idmap.IdMaps.Caller.current(), List.of(), List.of());
      Path root = Files.createDirectories(tmp.resolve("root-" + src));
      List<dev.jbox.sandbox.MountOp> user = List.of(
          new dev.jbox.sandbox.MountOp("bind", data.resolve(src).toString(), "/mnt", "rec,ro,realsrc"));
      List<dev.jbox.sandbox.MountOp> mounts = new ArrayList<>(List.of(new dev.jbox.sandbox.MountOp("bind", "/", "/", "rec,ro")));
      mounts.addAll(dev.jbox.sandbox.DefaultMounts.build(ns, idMap, user));
      var plan = new dev.jbox.sandbox.Plan(List.of("/bin/cat", "/mnt/f"), List.of("PATH=/bin"), null, null, "realsrc",
          root.toString(), ns, idMap, mounts, List.of(), 0, java.util.Set.of(dev.jbox.sandbox.Plan.Flag.NO_NEW_PRIVS),
          null, List.of(), null, null, null, (dev.jbox.sandbox.Plan.Fuse) null);
      Path file = tmp.resolve("plan-" + src + ".bin");
      Files.write(file, dev.jbox.helper.PlanWriter.encode(plan));
      ProcessBuilder pb = new ProcessBuilder(Jbox.Home.helper().toString(), "run-plan", file.toString());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      var r = Jbox.collect(pb, "run-plan " + src, 60);
      if (src.equals("real")) {
        assertEquals(0, r.code(), r.toString());
        assertEquals("real\n", r.out(), r.toString());
      } else {
        assertEquals(125, r.code(), r.toString());
        assertTrue(r.err().contains("a symbolic link on the way"), r.toString());
      }
    }
  }

  @Test
  void environment_secretsDropped_markersSet() {
    var r = shell(project, Map.of("SSH_AUTH_SOCK", "/run/x/agent", "FOO_TOKEN", "t0k", "MY_SECRET_KEY", "s", "AWS_PROFILE", "p",
        "FOO_PLAIN", "kept", "PGPASSWORD", "pg", "DEPLOY_PRIVATE_KEY", "k"), "--", "env");
    assertEquals(0, r.code(), r.toString());
    assertFalse(r.out().contains("SSH_AUTH_SOCK") || r.out().contains("FOO_TOKEN") || r.out().contains("t0k")
        || r.out().contains("MY_SECRET_KEY") || r.out().contains("AWS_PROFILE") || r.out().contains("PGPASSWORD")
        || r.out().contains("DEPLOY_PRIVATE_KEY"), r.toString());
    assertTrue(r.out().contains("FOO_PLAIN=kept\n"), r.toString());
    assertTrue(r.out().contains("container=jbox\n"), r.toString());
    assertTrue(r.out().contains("JBOX_SANDBOX=app\n"), r.toString());
    assertTrue(r.out().contains("HOME=" + home + "\n"), r.toString());
  }

  @Test
  void root_mappedRootInside_filesStillTheUsersOnTheHost() throws Exception {
    var r = sh("id -u; id -g; echo r > by-root; cat /proc/self/uid_map | head -1", "--root");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("0\n0\n"), r.toString());
    assertEquals(Jbox.currentUid(), owner(project.resolve("by-root")), "uid 0 inside is the user on the host");
    var keep = sh("cat /proc/self/uid_map | grep -c ' " + Jbox.currentUid() + " '");
    assertEquals("1\n", keep.out(), "by default the user's uid maps to itself: " + keep);
  }

  /**
   * The keep-id maps newuidmap and newgidmap write (at once, while the cleaner is forked beside
   * them), exactly as /etc/subuid and /etc/subgid give them: the caller's first range below its
   * own id, the id itself, the rest of the range above. Computed here from the files, not from
   * jbox's own IdMaps.
   */
  @Test
  void idMaps_areExactlyTheKeepIdMaps_withPastaAndWithout() throws Exception {
    long[] ids = dev.jbox.sandbox.idmap.ProcStatus.uidGid();
    String expectUid = keepIdMap("/etc/subuid", ids[0]), expectGid = keepIdMap("/etc/subgid", ids[1]);
    for (String net : List.of("--network=pasta", "--network=none")) {
      var r = sh("cat /proc/self/uid_map; echo ---; cat /proc/self/gid_map", net);
      assertEquals(0, r.code(), r.toString());
      String[] maps = r.out().split("---\n");
      assertEquals(expectUid, normalizeMap(maps[0]), net + ": " + r);
      assertEquals(expectGid, normalizeMap(maps[1]), net + ": " + r);
    }
  }

  /**
   * The account's first subordinate range around ID mapped to itself inside (keep-id): inside
   * 0..ID-1 from the range's start, ID itself, then ID+1 up to the range's end, every id of it.
   */
  static String keepIdMap(String file, long id) throws IOException {
    String user = System.getProperty("user.name");
    String[] f = Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(user + ":")).findFirst()
        .orElseThrow().split(":");
    long start = Long.parseLong(f[1].strip()), count = Long.parseLong(f[2].strip());
    assertTrue(count > id, "the test needs a range of more than " + id + " ids in " + file);
    return "0 " + start + " " + id + "\n" + id + " " + id + " 1\n" + (id + 1) + " " + (start + id) + " " + (count - id) + "\n";
  }

  static String normalizeMap(String map) {
    StringBuilder b = new StringBuilder();
    for (String l : map.strip().split("\n")) b.append(String.join(" ", l.strip().split("\\s+"))).append('\n');
    return b.toString();
  }

  /**
   * pasta starts while stage 1 makes the mounts, and the command waits for it: the first thing the
   * command reads already shows pasta's default route (IPv4 or IPv6). Repeated, since a command
   * that did not wait would lose this race only most of the time.
   */
  @Test
  void network_isUpWhenTheCommandStarts() {
    for (int i = 0; i < 3; i++) {
      var r = sh("cat /proc/self/net/route /proc/self/net/ipv6_route");
      assertEquals(0, r.code(), r.toString());
      boolean v4 = r.out().lines().anyMatch(l -> l.split("\\s+").length > 2 && l.split("\\s+")[1].equals("00000000"));
      boolean v6 = r.out().lines().anyMatch(l -> l.startsWith("00000000000000000000000000000000 00") && !l.endsWith(" lo"));
      assertTrue(v4 || v6, "a default route at the command's first read: " + r);
    }
  }

  /**
   * The sandbox's mounts do not depend on when pasta starts: /proc/self/mountinfo inside is the
   * same with pasta and without a network, but for ids (mount ids, devices, the sandbox's id in
   * its generated /etc files' paths, peer group numbers).
   */
  @Test
  void mountinfo_isTheSameWithPastaAndWithout() {
    // the home layer's first mount: later ones show uuid=on (the upper layer has its uuid then)
    assertEquals(0, sh("true", "--network=none").code());
    var pasta = sh("cat /proc/self/mountinfo", "--network=pasta");
    var none = sh("cat /proc/self/mountinfo", "--network=none");
    assertEquals(0, pasta.code(), pasta.toString());
    assertEquals(0, none.code(), none.toString());
    List<String> a = normalizeMountinfo(pasta.out()), b = normalizeMountinfo(none.out());
    assertTrue(a.size() > 20 && a.stream().anyMatch(l -> l.startsWith("/home ") || l.contains(" overlay ")), a.toString());
    assertEquals(String.join("\n", b), String.join("\n", a));
  }

  /** Mountinfo lines without mount id, parent id and device; ids (hex names: the sandbox's, the
   * deny layer's) and peer group numbers masked. */
  static List<String> normalizeMountinfo(String mountinfo) {
    List<String> out = new ArrayList<>();
    for (String l : mountinfo.strip().split("\n")) {
      String[] f = l.split(" ", 4);
      out.add(f[3].replaceAll("[0-9a-f]{16,}", "ID").replaceAll("(shared|master|propagate_from):[0-9]+", "$1:N"));
    }
    return out;
  }

  /** The monitor waits for the cleaner: the sandbox's generated /etc files are gone when jbox returns. */
  @Test
  void generatedEtcFiles_goneWhenTheShellReturns() throws Exception {
    Path files = scratch.runtime().resolve("files");
    for (String net : List.of("--network=pasta", "--network=none")) {
      var r = sh("cat /etc/hostname >/dev/null", net);
      assertEquals(0, r.code(), r.toString());
      List<String> left = new ArrayList<>();
      if (Files.isDirectory(files)) {
        try (Stream<Path> s = Files.list(files)) {
          s.forEach(p -> left.add(p.getFileName().toString()));
        }
      }
      assertEquals(List.of(), left, net);
    }
  }

  @Test
  void exitStatus_isTheCommands() {
    assertEquals(7, sh("exit 7").code());
    assertEquals(0, sh("true").code());
  }

  @Test
  void network_noneCannotConnect_defaultReachesThePeer() {
    String peer = System.getenv("JBOX_TEST_PEER");
    if (peer == null) {
      if ("1".equals(System.getenv("JBOX_MUST_WORK"))) fail("JBOX_TEST_PEER is unset (scripts/test creates it)");
      org.junit.jupiter.api.Assumptions.abort("JBOX_TEST_PEER is unset");
    }
    String[] hp = peer.split(":");
    String connect = "python3 -c 'import socket,sys\ntry:\n socket.create_connection((\"" + hp[0] + "\"," + hp[1]
        + "),timeout=3); print(\"connected\")\nexcept OSError as e: print(\"failed\", e)'";
    var none = sh(connect, "--network=none");
    assertTrue(none.out().contains("failed"), none.toString());
    var pasta = sh(connect);
    assertTrue(pasta.out().contains("connected"), "benign twin: the default network reaches the peer: " + pasta);
  }

  @Test
  void allowHost_theAllowedPeerAnswers_everythingElseRefusedAtOnce() {
    String peer = System.getenv("JBOX_TEST_PEER");
    String token = System.getenv("JBOX_TEST_PEER_TOKEN");
    if (peer == null || token == null) {
      if ("1".equals(System.getenv("JBOX_MUST_WORK"))) fail("JBOX_TEST_PEER is unset (scripts/test creates it)");
      org.junit.jupiter.api.Assumptions.abort("JBOX_TEST_PEER is unset");
    }
    String[] hp = peer.split(":");
    String probe = String.join("\n",
        "import socket, time",
        "def get(h, p):",
        "    t = time.time()",
        "    try:",
        "        s = socket.create_connection((h, p), timeout=5)",
        "        s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); d = b''",
        "        while True:",
        "            x = s.recv(4096)",
        "            if not x: break",
        "            d += x",
        "        print('answer', d.decode(errors='replace').split('\\r\\n\\r\\n')[-1].strip())",
        "    except OSError as e: print('error', type(e).__name__, round(time.time() - t, 3))",
        "get('" + hp[0] + "', " + hp[1] + ")",
        "get('" + hp[0].substring(0, hp[0].lastIndexOf('.')) + ".1', 22)",
        "");
    var allowed = shell(project, null, "--allow-host", peer, "--", "python3", "-c", probe);
    assertEquals(0, allowed.code(), allowed.toString());
    List<String> lines = allowed.out().lines().toList();
    assertEquals("answer " + token, lines.get(0), "the allowed peer answers: " + allowed);
    assertTrue(lines.get(1).startsWith("error ConnectionRefusedError "), "another address is refused: " + allowed);
    assertTrue(Double.parseDouble(lines.get(1).split(" ")[2]) < 1.0, "refused at once, not after a timeout: " + allowed);

    var otherPort = shell(project, null, "--allow-host", hp[0] + ":9", "--", "python3", "-c", probe);
    String first = otherPort.out().lines().findFirst().orElse("");
    assertTrue(first.startsWith("error ConnectionRefusedError ") && Double.parseDouble(first.split(" ")[2]) < 1.0,
        "only the listed port of the peer: " + otherPort);
    var open = shell(project, null, "--", "python3", "-c", probe);
    assertEquals("answer " + token, open.out().lines().findFirst().orElse(""), "benign twin: without --allow-host the peer answers: " + open);

    var pc = shell(project, null, "--print-config", "--allow-host", peer);
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("allow-host") && l.contains(peer) && l.endsWith("# --allow-host")), pc.toString());
    var bad = shell(project, null, "--allow-host", peer, "--network=none", "--", "true");
    assertEquals(125, bad.code(), bad.toString());
  }

  @Test
  void runtimeDirAndX11_notVisible() throws Exception {
    Path runtime = tmp.resolve("run");
    Files.createDirectories(runtime);
    Files.writeString(runtime.resolve("bus"), "socket stand-in\n");
    var r = shell(project, Map.of("XDG_RUNTIME_DIR", runtime.toString()), "--", "sh", "-c",
        "ls -A $XDG_RUNTIME_DIR; echo end; ls /tmp/.X11-unix 2>&1; touch $XDG_RUNTIME_DIR/mine && echo writable");
    assertEquals(0, r.code(), r.toString());
    assertFalse(r.out().contains("bus"), r.toString());
    assertTrue(r.out().contains("writable"), "an empty runtime dir of the sandbox's own: " + r);
    assertFalse(Files.exists(runtime.resolve("mine")));
  }

  /**
   * The account's /run/user/UID (its session bus, systemd's socket) is not the sandbox's even when
   * the environment names another runtime directory, or none; a socket on the hide list takes no
   * connection although the root is only read-only (which does not stop a connect), and the
   * built-in list holds the host's service sockets.
   */
  @Test
  void ownRunUserDirAndServiceSockets_notReachable() throws Exception {
    Path own = Path.of("/run/user/" + new com.sun.security.auth.module.UnixSystem().getUid());
    assertTrue(Files.isDirectory(own), own + ": scripts/test makes it as logind would");
    Path standIn = own.resolve("jbox-shelltest-bus");
    Files.writeString(standIn, "socket stand-in\n");
    try {
      for (Map<String, String> e : List.of(Map.<String, String>of(), Map.of("XDG_RUNTIME_DIR", ""))) {
        var r = shell(project, e, "--", "sh", "-c", "ls -A " + own + "; echo end");
        assertEquals(0, r.code(), r.toString());
        assertFalse(r.out().contains("jbox-shelltest-bus"), "the account's runtime directory is empty inside: " + r);
      }
    } finally {
      Files.delete(standIn);
    }
    // under the account's real home: part of the read-only root inside (tmp is under the private /tmp)
    Path dir = Path.of(System.getProperty("user.home")).resolve("jbox-shelltest-svc-" + ProcessHandle.current().pid());
    Files.createDirectories(dir);
    String connect = "python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('" + dir.resolve("s")
        + "'); print('connected')\" 2>/dev/null || echo refused";
    Process server = new ProcessBuilder("python3", "-c", "import socket, time; s = socket.socket(socket.AF_UNIX); s.bind('"
        + dir.resolve("s") + "'); s.listen(8); time.sleep(60)").start();
    try {
      for (int i = 0; i < 100 && !Files.exists(dir.resolve("s")); i++) Thread.sleep(20);
      assertEquals("connected\n", sh(connect).out(), "a socket outside the hide list is reached through the read-only root");
      assertEquals("refused\n", sh(connect, "--new", "--hide", dir.toString()).out(), "a hidden one is not");
    } finally {
      server.destroy();
      server.waitFor();
      Files.deleteIfExists(dir.resolve("s"));
      Files.delete(dir);
    }
    var pc = shell(project, null, "--print-config");
    for (String s : List.of("/run/dbus", "/run/docker.sock", "/run/postgresql")) {
      assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("hide") && l.contains(s + " ") && l.contains("built-in")), s + ": " + pc);
    }
  }

  @Test
  void badInput_oneLineExit125_nothingCreated() throws Exception {
    Path data = home.resolve(".local/share/jbox");
    var missing = shell(project, null, "--project", tmp.resolve("nope").toString(), "--", "true");
    assertEquals(125, missing.code(), missing.toString());
    assertEquals(1, missing.err().lines().count(), missing.toString());
    assertTrue(missing.err().contains("no such directory"), missing.toString());

    var escape = shell(project, null, "--hide", "../../etc", "--", "true");
    assertEquals(125, escape.code(), escape.toString());
    assertTrue(escape.err().contains("`..`"), escape.toString());
    assertEquals(1, escape.err().lines().count(), escape.toString());

    Files.createDirectories(project.resolve(".jbox"));
    Files.writeString(project.resolve(".jbox/shell.toml"), "hide = [\"~/.secret\"]\nwrite-thru = [\"~/.m2\"]\n");
    var typo = shell(project, null, "--", "true");
    assertEquals(125, typo.code(), typo.toString());
    assertTrue(typo.err().contains(project.resolve(".jbox/shell.toml").toString()) && typo.err().contains("`write-thru`"), typo.toString());
    assertEquals(1, typo.err().lines().count(), typo.toString());

    var unknown = shell(project, null, "--bogus");
    assertEquals(125, unknown.code(), unknown.toString());
    assertFalse(Files.exists(data), "no home layer was created: " + data);
    Files.delete(project.resolve(".jbox/shell.toml"));
  }

  @Test
  void projectConfig_appliesAndPrintConfigNamesTheSource() throws Exception {
    Files.createDirectories(project.resolve(".jbox"));
    Path toml = project.resolve(".jbox/shell.toml");
    Files.writeString(toml, "hide = [\"~/.config/app-secret\"]\nenv-deny = [\"BUILD_*\"]\nnetwork = \"none\"\n");
    Files.createDirectories(home.resolve(".config/app-secret"));
    Files.writeString(home.resolve(".config/app-secret/key"), "k\n");
    var r = shell(project, Map.of("BUILD_ID", "42"), "--", "sh", "-c", "ls -A ~/.config/app-secret; env | grep BUILD_; ip -o link | grep -vc ' lo:'");
    assertFalse(r.out().contains("key") || r.out().contains("BUILD_ID"), r.toString());
    assertTrue(r.out().contains("0\n"), "network = none: only the loopback: " + r);
    var pc = shell(project, null, "--print-config", "--hide", "~/.other");
    assertEquals(0, pc.code(), pc.toString());
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("hide") && l.contains("~/.config/app-secret") && l.endsWith("# " + toml)), pc.toString());
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("hide") && l.contains("~/.ssh") && l.endsWith("# built-in")), pc.toString());
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("hide") && l.contains("~/.other") && l.endsWith("# --hide")), pc.toString());
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("network") && l.contains("none") && l.endsWith("# " + toml)), pc.toString());
  }

  @Test
  void projectConfigThatOpensMore_countsOnlyOnceTrusted_andTheSandboxCannotPlantOne() throws Exception {
    // a build in the sandbox plants a policy for the next sandbox that would show it the ssh key
    var plant = sh("mkdir -p .jbox && printf 'ro = [\"~/.ssh\"]\\n' > .jbox/shell.toml && echo planted");
    assertEquals(0, plant.code(), plant.toString());
    Path toml = project.resolve(".jbox/shell.toml");
    assertTrue(Files.readString(toml).contains("~/.ssh"), plant.toString());
    var refused = sh("cat ~/.ssh/id_ed25519");
    assertEquals(125, refused.code(), refused.toString());
    assertEquals(1, refused.err().lines().count(), refused.toString());
    assertTrue(refused.err().contains(toml.toString()) && refused.err().contains("ro") && refused.err().contains("--trust"), refused.toString());
    assertFalse(refused.out().contains("PRIVATE KEY"), refused.toString());
    var pc = shell(project, null, "--print-config");
    assertTrue(pc.out().lines().anyMatch(l -> l.startsWith("project config") && l.contains("NOT trusted")), pc.toString());

    // the user reads it and trusts it: the key is readable, and the sandbox cannot change the file
    var trusted = sh("cat ~/.ssh/id_ed25519; echo 'rw = [\"~/.gnupg\"]' >> .jbox/shell.toml 2>&1; echo done", "--trust");
    assertEquals(0, trusted.code(), trusted.toString());
    assertTrue(trusted.out().contains("PRIVATE KEY") && trusted.err().contains("Read-only file system"), trusted.toString());
    assertFalse(Files.readString(toml).contains("gnupg"));
    var again = sh("true");
    assertEquals(0, again.code(), "trusted bytes stay trusted: " + again);

    // a change from the host (a git pull) asks again; a file that only narrows never asks
    Files.writeString(toml, "ro = [\"~/.ssh\"]\nrw = [\"~/.netrc\"]\n");
    var changed = sh("true");
    assertEquals(125, changed.code(), changed.toString());
    assertTrue(changed.err().contains("ro, rw"), changed.toString());
    Files.writeString(toml, "hide = [\"~/.m2\"]\nenv-deny = [\"X_*\"]\nnetwork = \"none\"\n");
    var narrows = sh("true");
    assertEquals(0, narrows.code(), narrows.toString());
    Files.delete(toml);
    Files.delete(toml.getParent());
  }

  @Test
  void sigkillOfJbox_leavesNoProcessAndNoMount() throws Exception {
    String marker = "4" + System.nanoTime() % 100000;
    String mountsBefore = Lifetimes.mountinfo();
    ProcessBuilder pb = Jbox.builder(List.of("shell", "--", "sleep", marker));
    pb.directory(project.toFile());
    pb.environment().putAll(env());
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    List<Long> inside = Lifetimes.withCmdline("sleep " + marker);
    for (int i = 0; i < 600 && inside.isEmpty(); i++) {
      Thread.sleep(100);
      inside = Lifetimes.withCmdline("sleep " + marker);
    }
    assertFalse(inside.isEmpty(), "the sandbox started");
    assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor());
    p.waitFor(60, TimeUnit.SECONDS);
    for (int i = 0; i < 600 && !Lifetimes.withCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(100);
    assertEquals(List.of(), Lifetimes.withCmdline("sleep " + marker), "sandbox processes outlived jbox");
    assertEquals(mountsBefore, Lifetimes.mountinfo(), "no mount appears in the caller's namespace");
  }

  @Test
  void ctrlC_throughARealPty_endsTheForegroundJob_shellGoesOn() throws Exception {
    // ctrl-c once the sleep runs (seen in /proc), not after a guessed time; a sleep of days
    String marker = "6" + (100_000 + System.nanoTime() % 100_000);
    String out = ShellPty.ctrlCSession(tmp.resolve("ptydriver.py"), project, env(), marker);
    assertTrue(out.contains("AFTER42"), "the shell went on after ctrl-c: " + out);
    assertFalse(out.contains("SLEPT2"), "ctrl-c ended the sleep, not only the shell line: " + out);
    assertTrue(out.contains("STATUS 4"), out);
    assertEquals(List.of(), Lifetimes.withCmdline("sleep " + marker), "ctrl-c ended the sleep");
  }

  @Test
  void keepId_runsAsTheCallerInsideAnImageSandboxToo() throws Exception {
    Path rootfs = Jbox.rootfs(tmp);
    var r = Jbox.sh(rootfs, List.of("--userns=keep-id"), "id -u; id -g; cat /proc/self/uid_map");
    assertEquals(0, r.code(), r.toString());
    String[] l = r.out().split("\n");
    assertEquals(Long.toString(Jbox.currentUid()), l[0], r.toString());
    var custom = Jbox.sh(rootfs, List.of("--userns=keep-id:uid=1000,gid=1000"), "id -u; id -g; touch /x && stat -c %u /x");
    assertEquals(0, custom.code(), custom.toString());
    assertTrue(custom.out().startsWith("1000\n1000\n1000\n"), custom.toString());
    assertEquals(Jbox.currentUid(), owner(rootfs.resolve("x")), "uid 1000 inside is the caller on the host");
  }

  @Test
  void secondShell_joinsTheProjectsSandbox_newStartsAnother_psListsIt_nothingLeftAfterExit() throws Exception {
    String marker = "5" + System.nanoTime() % 100000;
    String ns = "readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/user";
    ProcessBuilder pb = Jbox.builder(List.of("shell", "--", "sh", "-c", ns + "; exec sleep " + marker));
    pb.directory(project.toFile());
    pb.environment().putAll(env());
    pb.redirectErrorStream(true);
    Process first = pb.start();
    try {
      java.io.BufferedReader rd = new java.io.BufferedReader(new java.io.InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
      List<String> firstNs = new ArrayList<>();
      for (int i = 0; i < 4; i++) firstNs.add(rd.readLine());
      assertTrue(firstNs.get(0) != null && firstNs.get(0).startsWith("pid:"), firstNs.toString());
      for (int i = 0; i < 1200 && Lifetimes.withCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(50);

      var second = shell(project.resolve(".git"), null, "--", "sh", "-c", ns + "; pwd; ps -e -o comm= | grep -c sleep");
      assertEquals(0, second.code(), second.toString());
      assertEquals(String.join("\n", firstNs) + "\n" + project.resolve(".git") + "\n1\n", second.out(),
          "the same pid, mnt, net and user namespaces, and the first shell's processes in sight: " + second);

      var other = shell(project, null, "--new", "--", "sh", "-c", ns + "; echo \"$JBOX_SANDBOX $debian_chroot\"");
      assertEquals(0, other.code(), other.toString());
      assertFalse(other.out().contains(firstNs.get(0)), "--new: a pid namespace of its own: " + other);
      // the project's name is taken (by the running one): the other name, in the environment too
      String otherName = other.out().lines().reduce((a, b) -> b).orElse("").split(" ")[0];
      assertTrue(otherName.matches("app-[0-9a-f]{6}"), other.toString());
      assertTrue(other.out().endsWith(otherName + " jbox:" + otherName + "\n"), other.toString());
      assertTrue(psEntry(otherName) != null, "ps -a lists the --new one by that name: " + otherName);

      var ps = Jbox.run(List.of("ps"), env());
      assertTrue(ps.out().lines().anyMatch(l -> l.endsWith(" app") && l.contains("(host)") && l.contains("Up")), ps.toString());

      var reset = shell(project, null, "--reset");
      assertEquals(125, reset.code(), "--reset refuses while the sandbox runs: " + reset);
      var policy = shell(project, null, "--hide", "~/x", "--", "true");
      assertEquals(125, policy.code(), "a joined sandbox keeps its policy: " + policy);
    } finally {
      for (long pid : Lifetimes.withCmdline("sleep " + marker)) new ProcessBuilder("kill", Long.toString(pid)).start().waitFor();
      assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    }
    assertEquals(128 + 15, first.exitValue(), "the first shell's status: its command's (SIGTERM)");
    assertEquals(List.of(), Lifetimes.withCmdline("sleep " + marker));
    var ps = Jbox.run(List.of("ps"), env());
    assertFalse(ps.out().contains("(host)"), "gone from ps: " + ps);
    var after = sh("readlink /proc/self/ns/pid");
    assertEquals(0, after.code(), after.toString());
  }

  /** A shell started in the background: {@code sh -c 'SCRIPT; exec sleep MARKER'}, waited for until the sleep runs. */
  Process background(String marker, String script, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("shell"));
    args.addAll(List.of(options));
    args.addAll(List.of("--", "sh", "-c", script + "; exec sleep " + marker));
    ProcessBuilder pb = Jbox.builder(args);
    pb.directory(project.toFile());
    pb.environment().putAll(env());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    for (int i = 0; i < 1200 && Lifetimes.withCmdline("sleep " + marker).isEmpty(); i++) Thread.sleep(50);
    assertFalse(Lifetimes.withCmdline("sleep " + marker).isEmpty(), "the shell started");
    return p;
  }

  Jbox.Result jbox(String... args) {
    return Jbox.run(List.of(args), env());
  }

  static String projectId(Path dir) throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(dir.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(d, 0, 8);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> psEntry(String name) {
    var ps = jbox("ps", "-a", "--format", "json");
    assertEquals(0, ps.code(), ps.toString());
    for (Object o : (List<Object>) dev.jbox.json.Json.parse(ps.out())) {
      Map<String, Object> m = (Map<String, Object>) o;
      if (((List<Object>) m.get("Names")).contains(name)) return m;
    }
    return null;
  }

  @Test
  void shellSandbox_isAKindShellRecord_everyLifecycleVerbReachesIt_byNameOrId() throws Exception {
    String marker = "6" + System.nanoTime() % 100000;
    Process first = background(marker, "true");
    String id;
    try {
      Map<String, Object> e = psEntry("app");
      assertTrue(e != null && "shell".equals(e.get("Kind")) && "running".equals(e.get("State")), "ps lists it as kind shell: " + e);
      id = (String) e.get("Id");
      String shortId = id.substring(0, 12);
      Path runtime = scratch.runtime();
      assertEquals(id, Files.readSymbolicLink(runtime.resolve("projects").resolve(projectId(project))).toString(),
          "the project's link names the sandbox");
      assertTrue(Files.isRegularFile(runtime.resolve(id).resolve("config.json")), "the one typed record");

      var inspect = jbox("inspect", "app");
      assertEquals(0, inspect.code(), inspect.toString());
      assertTrue(inspect.out().contains("\"Kind\": \"shell\"") && inspect.out().contains("\"Status\": \"running\""), inspect.toString());

      var exec = jbox("exec", shortId, "sh", "-c", "echo $JBOX_SANDBOX; id -u; readlink /proc/1/ns/pid; ps -e -o comm= | grep -c sleep");
      assertEquals(0, exec.code(), exec.toString());
      String[] el = exec.out().split("\n");
      assertEquals("app", el[0], exec.toString());
      assertEquals(Long.toString(Jbox.currentUid()), el[1], "exec runs as the shell's user: " + exec);
      assertEquals("1", el[3], "the shell's processes in sight: " + exec);

      var ns = jbox("ns", "--format", "json", "app");
      assertEquals(0, ns.code(), ns.toString());
      String pidIno = el[2].replaceAll("\\D", "");
      assertTrue(ns.out().replace(" ", "").contains("\"type\":\"pid\",\n\"inode\":" + pidIno), "ns shows the sandbox's pid namespace " + pidIno + ": " + ns);

      var top = jbox("top", id);
      assertEquals(0, top.code(), top.toString());
      assertTrue(top.out().contains("sleep " + marker), top.toString());

      var logs = jbox("logs", "app");
      assertEquals(125, logs.code(), logs.toString());
      assertEquals(1, logs.err().lines().count(), logs.toString());
      assertTrue(logs.err().contains("jbox shell") && logs.err().contains("terminal"), logs.toString());

      var rm = jbox("rm", "app");
      assertEquals(125, rm.code(), "rm refuses a running shell: " + rm);

      var kill = jbox("kill", "-s", "TERM", "app");
      assertEquals(0, kill.code(), kill.toString());
      var waited = jbox("wait", shortId);
      assertEquals(0, waited.code(), waited.toString());
      assertEquals("143", waited.out().strip(), "wait prints the shell's exit code: " + waited);
      assertTrue(first.waitFor(60, TimeUnit.SECONDS));
      assertEquals(143, first.exitValue());
    } finally {
      for (long pid : Lifetimes.withCmdline("sleep " + marker)) new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
      first.waitFor(60, TimeUnit.SECONDS);
    }
    Map<String, Object> ended = psEntry("app");
    assertTrue(ended != null && "exited".equals(ended.get("State")) && Long.valueOf(143).equals(ended.get("ExitCode")),
        "ps -a keeps the ended shell with its exit code: " + ended);
    var rm = jbox("rm", "app");
    assertEquals(0, rm.code(), rm.toString());
    assertEquals(null, psEntry("app"), "rm removed it");
    assertFalse(Files.exists(scratch.runtime().resolve(id)), "nothing of it left in the runtime directory");

    // stop: the stop signal, then SIGKILL (an interactive shell ignores SIGTERM)
    String marker2 = "7" + System.nanoTime() % 100000;
    Process second = background(marker2, "trap '' TERM; sleep " + marker2 + " & wait", "--new");
    try {
      Map<String, Object> e = psEntry("app");
      assertTrue(e != null && "running".equals(e.get("State")), "--new is listed too: " + e);
      var stop = jbox("stop", "-t", "1", "app");
      assertEquals(0, stop.code(), stop.toString());
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "stop ended the shell");
      assertEquals(List.of(), Lifetimes.withCmdline("sleep " + marker2));
      assertEquals("exited", psEntry("app").get("State"));
    } finally {
      for (long pid : Lifetimes.withCmdline("sleep " + marker2)) new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
      second.waitFor(60, TimeUnit.SECONDS);
    }
    // the project's next shell removes its ended ones: a project keeps at most its last record
    var next = sh("true");
    assertEquals(0, next.code(), next.toString());
    var all = jbox("ps", "-a", "--format", "{{.Names}}");
    assertEquals(List.of("app"), all.out().lines().toList(), "one record of the project: " + all);
    var rmEnded = jbox("rm", "app");
    assertEquals(0, rmEnded.code(), rmEnded.toString());
  }

  static boolean exists(Stream<Path> s) {
    return s.findAny().isPresent();
  }
}
