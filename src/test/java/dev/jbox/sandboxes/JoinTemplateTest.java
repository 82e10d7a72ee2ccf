package dev.jbox.sandboxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbox.Sha256;
import dev.jbox.config.ConfigLoader;
import dev.jbox.helper.PlanWriter;
import dev.jbox.it.Jbox;
import dev.jbox.sandbox.DevShell;
import dev.jbox.sandbox.ShellSettings;
import dev.jbox.sandbox.idmap.IdMaps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The join template a project's shell sandbox gets (T_JOINDENY 48, T_JOINTOML 49) and the plan the
 * JVM's join sends for one call on it, against helpers/tests/golden/join-template.bin,
 * join-plan.bin and join-env.txt (the caller's environment): helpers/tests/test_shell_join.c
 * parses the template, completes it with the same call and must produce the plan byte for byte
 * (what the launcher sends without a JVM). sha256-vectors.txt: dev.jbox.Sha256 of many inputs,
 * which the C SHA-256 of the project's id must reproduce.
 */
class JoinTemplateTest {
  static final Path GOLDEN = Jbox.source().resolve("helpers/tests/golden");
  static final IdMaps.Caller CALLER = new IdMaps.Caller("dev", 1000, 1000, List.of(), List.of(), true);
  static final Path PROJECT = Path.of("/home/dev/src/app");

  /** The caller's environment: secrets, a JBOX_ name, a marker the host has (kept in place), a name the toml denies. */
  static final List<String> ENV = List.of(
      "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/dev", "LANG=C.UTF-8", "TERM=xterm-256color", "GH_TOKEN=secret",
      "MY_PASSWORD=x", "JBOX_CDS=0", "container=podman", "SSH_AUTH_SOCK=/run/user/1000/ssh", "PROJECT_VAR=1",
      "A=first", "Z_LAST=z", "EMPTY=", "WITH_EQ=a=b", "AWS_REGION=eu", "MY_PRIVATE=no", "SHELL=/bin/bash");

  @Test
  void template_andThePlanOfOneCall_matchTheBytesTheHelperTests() throws Exception {
    ShellSettings s = ShellSettings.defaults();
    s.add("env-deny", "MY_PRIV*TE", "toml");
    List<String> deny = s.strings("env-deny");
    String toml = Sha256.hexPrefix("env-deny = [\"MY_PRIV*TE\"]\n".getBytes(StandardCharsets.UTF_8), 32);
    byte[] template = ShellSandboxes.joinTemplate(DevShell.joinTemplate(CALLER, "app", PROJECT), deny, toml);
    Map<String, String> host = new LinkedHashMap<>();
    for (String e : ENV) host.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    // `jbox shell -- sh -c 'echo hi'` on a terminal, in a directory of the project
    DevShell joiner = new DevShell(ConfigLoader.builtin(), CALLER, host);
    DevShell.Request r = new DevShell.Request(s, PROJECT, PROJECT.resolve("lib/x"), Path.of("/home/dev"), null, null, null,
        List.of("sh", "-c", "echo hi"), false, true, true, "app", null, null);
    byte[] sent = PlanWriter.encode(joiner.joinPlan(r), List.of(new PlanWriter.Extra(PlanWriter.T_EXEC, "4242 987654321")));
    String env = String.join("\n", ENV) + "\n";
    String vectors = vectors();
    if (System.getProperty("jbox.writeGolden") != null) {
      Files.write(GOLDEN.resolve("join-template.bin"), template);
      Files.write(GOLDEN.resolve("join-plan.bin"), sent);
      Files.writeString(GOLDEN.resolve("join-env.txt"), env);
      Files.writeString(GOLDEN.resolve("sha256-vectors.txt"), vectors);
    }
    assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("join-template.bin")), template);
    assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("join-plan.bin")), sent);
    assertEquals(Files.readString(GOLDEN.resolve("join-env.txt")), env);
    assertEquals(Files.readString(GOLDEN.resolve("sha256-vectors.txt")), vectors);
  }

  /** "INPUT-HEX DIGEST-HEX" lines ("-" for no input): every length from 0 to 140 (each padding case), paths, random lengths. */
  static String vectors() {
    Random rnd = new Random(20261203);
    List<byte[]> inputs = new ArrayList<>();
    for (int n = 0; n <= 140; n++) {
      byte[] b = new byte[n];
      rnd.nextBytes(b);
      inputs.add(b);
    }
    for (String p : List.of("/home/dev/src/app", "/", "/tmp/café ☕/x", "/var/tmp/jbox-test/work"))
      inputs.add(p.getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 40; i++) {
      byte[] b = new byte[rnd.nextInt(400)];
      rnd.nextBytes(b);
      inputs.add(b);
    }
    StringBuilder sb = new StringBuilder();
    HexFormat h = HexFormat.of();
    for (byte[] b : inputs) sb.append(b.length == 0 ? "-" : h.formatHex(b)).append(' ').append(h.formatHex(Sha256.digest(b))).append('\n');
    return sb.toString();
  }
}
