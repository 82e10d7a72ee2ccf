package dev.jbox.image.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A docker-credential-helpers program for tests: a shell script {@code docker-credential-NAME} in
 * its own bin directory that keeps one JSON file per server in a store directory and logs each
 * verb and server it is asked for.
 */
public final class ScriptCredentialHelper {
  public final Path bin;
  public final Path store;
  public final Path log;

  private ScriptCredentialHelper(Path bin, Path store) {
    this.bin = bin;
    this.store = store;
    this.log = store.resolve("log");
  }

  /** Writes {@code DIR/bin/docker-credential-NAME} with its store in {@code DIR/store}. */
  public static ScriptCredentialHelper create(Path dir, String name) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path store = Files.createDirectories(dir.resolve("store"));
    String script = String.join("\n",
        "#!/bin/sh",
        "store='" + store + "'",
        "key() { printf %s \"$1\" | tr '/:' '__'; }",
        "case \"$1\" in",
        "get|erase)",
        "  read -r server",
        "  echo \"$1 $server\" >> \"$store/log\"",
        "  f=\"$store/$(key \"$server\").json\"",
        "  if [ ! -f \"$f\" ]; then echo 'credentials not found in native keychain'; exit 1; fi",
        "  if [ \"$1\" = get ]; then cat \"$f\"; else rm \"$f\"; fi ;;",
        "store)",
        "  j=$(cat)",
        "  server=$(printf %s \"$j\" | sed -n 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/p')",
        "  echo \"store $server\" >> \"$store/log\"",
        "  printf %s \"$j\" > \"$store/$(key \"$server\").json\" ;;",
        "*) echo \"unknown verb $1\" >&2; exit 2 ;;",
        "esac",
        "");
    Path exe = bin.resolve("docker-credential-" + name);
    Files.writeString(exe, script, StandardCharsets.UTF_8);
    exe.toFile().setExecutable(true);
    return new ScriptCredentialHelper(bin, store);
  }

  /** Puts credentials for {@code server} in the store, as {@code store} would. */
  public ScriptCredentialHelper put(String server, String user, String secret) throws IOException {
    Files.writeString(store.resolve(server.replace('/', '_').replace(':', '_') + ".json"),
        "{\"ServerURL\":\"" + server + "\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}");
    return this;
  }

  /** Whether the store has credentials for {@code server}. */
  public boolean has(String server) {
    return Files.exists(store.resolve(server.replace('/', '_').replace(':', '_') + ".json"));
  }

  /** The logged calls, such as {@code get 127.0.0.1:5000}. */
  public List<String> calls() throws IOException {
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }
}
