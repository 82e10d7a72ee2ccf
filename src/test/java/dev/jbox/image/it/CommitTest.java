package dev.jbox.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.it.Jbox.Home;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbox commit}'s round trip: change files in a sandbox, commit it, run the new image and
 * see the changes (a deleted file and an emptied directory stay so); --change, -m and --author
 * in the config; bad input is one line, exit 125, no image and no temporary file.
 */
class CommitTest extends ImageRunFixture {
  @BeforeAll
  static void registry(@TempDir Path dir) throws Exception {
    PullTest.requireEnvironment(dir);
    startRegistry(dir);
  }

  private static void ok(Home.Run r) {
    assertEquals(0, r.status(), r.toString());
  }

  private static void bad(Home.Run r) {
    assertEquals(125, r.status(), r.toString());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  private static List<String> tmp(Home j) throws Exception {
    Path d = j.storage.resolve("tmp");
    if (!Files.isDirectory(d)) return List.of();
    try (var s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void commit_thenRunTheNewImage_seesTheChanges_deletionsStay_andTheConfigChanges() throws Exception {
    Home j = jbox();
    ok(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c",
        "echo changed > /srv/data; rm /etc/passwd; mkdir /new; echo a > /new/f; rm -rf /home/u; mkdir /home/u; echo x > /home/u/x"));

    var c = j.run("commit", "-c", "CMD [\"sh\", \"-c\", \"cat /srv/data\"]", "--change", "ENV FOO=bar", "-c", "WORKDIR /new",
        "-c", "LABEL made=by-test", "-c", "EXPOSE 8080", "-m", "the message", "--author", "tester", "k", "mine:1");
    ok(c);
    String id = c.out().strip();
    assertTrue(id.matches("[0-9a-f]{64}"), c.out());

    var img = j.run("image", "inspect", "mine:1");
    ok(img);
    Map<String, Object> m = ((List<Map<String, Object>>) (List<?>) Json.parse(img.out())).get(0);
    assertEquals(id, m.get("Id"));
    assertEquals(List.of("localhost/mine:1"), m.get("RepoTags"));
    assertEquals(2, ((List<?>) m.get("Layers")).size(), "the image's layer and the sandbox's");
    Map<String, Object> cfg = (Map<String, Object>) m.get("Config");
    Map<String, Object> conf = (Map<String, Object>) cfg.get("config");
    assertTrue(((List<String>) conf.get("Env")).contains("FOO=bar"), conf.toString());
    assertTrue(((List<String>) conf.get("Env")).contains("PATH=/bin"), "the image's own env stays: " + conf);
    assertEquals("/new", conf.get("WorkingDir"));
    assertEquals(Map.of("made", "by-test"), conf.get("Labels"));
    assertEquals(Map.of("8080/tcp", Map.of()), conf.get("ExposedPorts"));
    assertEquals("tester", cfg.get("author"));
    List<Map<String, Object>> history = (List<Map<String, Object>>) cfg.get("history");
    assertEquals("the message", history.get(history.size() - 1).get("comment"));

    var def = j.launch("run", "--rm", "--network=none", "mine:1");
    ok(def);
    assertEquals("changed\n", def.out(), "the new CMD, and the changed file");

    var r = j.launch("run", "--rm", "--network=none", "mine:1", "sh", "-c",
        "test -e /etc/passwd && echo present || echo gone; cat /new/f; ls -A /home/u; pwd; echo $FOO; cat /bin/suid | head -1");
    ok(r);
    assertEquals("gone\na\nx\n/new\nbar\n#!/bin/sh\n", r.out(), "deleted stays deleted, the emptied directory holds only the new file");

    // unnamed
    var anon = j.run("commit", "k");
    ok(anon);
    assertTrue(anon.out().strip().matches("[0-9a-f]{64}"), anon.out());
    assertEquals(List.of(), tmp(j), "no temporary file left");
  }

  /** The state letter of /proc/PID/stat, or 'X' when it is gone. */
  private static char state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (Exception e) {
      return 'X';
    }
  }

  @Test
  void commitPause_stopsTheSandboxsProcessesWhileItReads_andContinuesThemAfter() throws Exception {
    Home j = jbox();
    // pid 1 and its child note each SIGCONT they get (a trap, which also makes pid 1 take it)
    ok(j.launch("run", "-d", "--name", "busy", "--network=none", busybox, "sh", "-c",
        "trap 'echo pid1 >> /srv/cont' CONT; echo made > /srv/made;"
            + " sh -c \"trap 'echo loop >> /srv/cont' CONT; while :; do sleep 1; done\" & while :; do wait; done"));
    try {
      var pidOut = j.run("inspect", "--format", "{{.State.Pid}}", "busy");
      ok(pidOut);
      long pid1 = Long.parseLong(pidOut.out().strip());
      // a child of pid 1 in the sandbox: the loop's sh
      long child = -1;
      for (int i = 0; i < 1200 && child < 0; i++) {
        String children = Files.readString(Path.of("/proc/" + pid1 + "/task/" + pid1 + "/children")).strip();
        if (!children.isEmpty()) child = Long.parseLong(children.split(" ")[0]);
        else Thread.sleep(50);
      }
      assertTrue(child > 0, "the loop runs");
      long watched = child;
      var c = j.run("commit", "--pause", "busy", "paused:1");
      ok(c);
      // stopped during the commit and continued after: each ran its CONT trap (a watcher of
      // /proc/PID/stat for 'T' missed the stop now and then on a loaded machine, where a thread
      // polling every millisecond is not scheduled for longer than a short commit takes)
      // (through sh: the test image has no `cat` of its own, only busybox's sh, which runs applets)
      Home.Run conts = null;
      for (int i = 0; i < 600; i++) {
        conts = j.launch("exec", "busy", "sh", "-c", "cat /srv/cont");
        if (conts.out().contains("pid1\n") && conts.out().contains("loop\n")) break;
        Thread.sleep(100);
      }
      assertEquals("loop\npid1\n", conts.out().lines().sorted().map(l -> l + "\n").reduce("", String::concat),
          "pid 1 and its child were stopped and continued once by the commit: " + conts);
      char after1 = state(pid1);
      char after2 = state(child);
      assertTrue(after1 != 'T' && after2 != 'T', "both continue after it: " + after1 + " " + after2);
      var r = j.launch("run", "--rm", "--network=none", "paused:1", "sh", "-c", "cat /srv/made");
      ok(r);
      assertEquals("made\n", r.out());

      // without -p (podman's default) nothing is stopped
      var stopped1 = new java.util.concurrent.atomic.AtomicBoolean();
      var done = new java.util.concurrent.atomic.AtomicBoolean();
      Thread watch2 = new Thread(() -> {
        while (!done.get()) {
          if (state(pid1) == 'T' || state(watched) == 'T') stopped1.set(true);
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      watch2.start();
      ok(j.run("commit", "busy", "notpaused:1"));
      done.set(true);
      watch2.join();
      assertTrue(!stopped1.get(), "not stopped without --pause");
    } finally {
      j.run("rm", "-f", "busy");
    }
  }

  @Test
  void badInput_isOneLine_exit125_noImage_noTemporaryFile() throws Exception {
    Home j = jbox();
    ok(j.launch("run", "--name", "k", "--network=none", busybox, "sh", "-c", "echo x > /x"));
    long before = j.run("images", "-q").out().lines().count();
    bad(j.run("commit", "-c", "FROM scratch", "k", "a:1"));
    bad(j.run("commit", "-c", "EXPOSE eighty", "k", "a:1"));
    bad(j.run("commit", "-c", "CMD [\"unterminated", "k", "a:1"));
    bad(j.run("commit", "-c", "ENV", "k", "a:1"));
    bad(j.run("commit", "nosuch", "a:1"));
    bad(j.run("commit", "k", "Bad Name!!"));
    assertEquals(before, j.run("images", "-q").out().lines().count(), "no image made");
    assertEquals(List.of(), tmp(j));
  }
}
