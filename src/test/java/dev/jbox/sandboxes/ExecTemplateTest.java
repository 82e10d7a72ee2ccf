package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbox.helper.PlanWriter;
import dev.jbox.it.Jbox;
import dev.jbox.sandbox.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exec template the store writes beside a record (T_EXECNAME 35) and the plan the JVM's exec
 * path sends for one call on it, against helpers/tests/golden/exec-template.bin and
 * exec-plan.bin: helpers/tests/test_exec_fast.c parses the first, completes it with the same call
 * and must produce the second byte for byte (what the launcher sends without a JVM).
 */
class ExecTemplateTest {
  static final Path TEMPLATE = Jbox.source().resolve("helpers/tests/golden/exec-template.bin");
  static final Path PLAN = Jbox.source().resolve("helpers/tests/golden/exec-plan.bin");

  /** The record's rules: TERM present (so -t adds none), a key -e replaces in place. */
  static final SandboxRecord.Process PROCESS = new SandboxRecord.Process(
      List.of("PATH=/usr/bin:/bin", "TERM=xterm", "FOO=old", "HOME=/root"), "/srv", "daemon", 0x800405fbL,
      List.of("no-new-privs", "seccomp"), List.of(new Plan.Rlimit(7, 1024, 4096)));

  @Test
  void template_andThePlanOfOneCall_matchTheBytesTheHelperTests() throws Exception {
    byte[] template = SandboxStore.execTemplate(PROCESS, "web");
    // `jbox exec -it -e FOO=new -e A=1 -w /tmp -u 1:2 web sh -c 'echo hi'`
    Plan plan = SandboxService.execPlan(PROCESS, List.of("sh", "-c", "echo hi"), List.of("FOO=new", "A=1"), "/tmp", "1:2",
        true, true);
    byte[] sent = PlanWriter.encode(plan, List.of(new PlanWriter.Extra(PlanWriter.T_EXEC, "4242 987654321")));
    if (System.getProperty("jbox.writeGolden") != null) {
      Files.write(TEMPLATE, template);
      Files.write(PLAN, sent);
    }
    assertArrayEquals(Files.readAllBytes(TEMPLATE), template);
    assertArrayEquals(Files.readAllBytes(PLAN), sent);
  }
}
