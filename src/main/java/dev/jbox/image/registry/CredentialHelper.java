package dev.jbox.image.registry;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import dev.jbox.json.JsonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code docker-credential-NAME} program on PATH, spoken to with the docker-credential-helpers
 * protocol: a verb as the only argument ({@code get}, {@code store}, {@code erase}), the request on
 * stdin, the answer on stdout.
 */
public final class CredentialHelper {
  /** The user name a helper returns when the secret is an identity (refresh) token. */
  public static final String IDENTITY_TOKEN_USER = "<token>";

  // The helpers' shared "not found" message (credentials.errCredentialsNotFoundMessage).
  private static final String NOT_FOUND = "credentials not found in native keychain";
  private static final long TIMEOUT_SECONDS = 120;
  private static final int MAX_OUTPUT = 1 << 20;

  private final String name;
  private final String origin;
  private final String searchPath;

  /**
   * @param name the suffix after {@code docker-credential-}
   * @param origin where it was configured, for messages ({@code credHelpers in FILE})
   * @param searchPath the PATH value to look for the program in
   */
  public CredentialHelper(String name, String origin, String searchPath) {
    if (name == null || name.isEmpty() || name.contains("/")) {
      throw new JboxException("credential helper \"" + name + "\" (" + origin + "): not a program name");
    }
    this.name = name;
    this.origin = origin;
    this.searchPath = searchPath == null ? "" : searchPath;
  }

  /** The program's name, {@code docker-credential-NAME}. */
  public String program() {
    return "docker-credential-" + name;
  }

  /** The program and where it was configured, for messages. */
  public String describe() {
    return program() + " (" + origin + ")";
  }

  /** The credentials stored for {@code server}, or null when the helper has none. */
  public AuthFile.Credentials get(String server) {
    Result r = exec("get", server, null);
    if (r.notFound()) return null;
    if (r.status() != 0) throw failure("get", server, r, null);
    Map<String, Object> m;
    try {
      m = Json.parseObject(r.out());
    } catch (JsonException e) {
      throw new JboxException(program() + " get " + server + " (" + origin + "): malformed answer");
    }
    Object user = m.get("Username");
    Object secret = m.get("Secret");
    if (!(user instanceof String u) || u.isEmpty() || !(secret instanceof String s) || s.isEmpty()) {
      return null; // some helpers answer an empty record instead of "not found"
    }
    return new AuthFile.Credentials(u, s);
  }

  /** Stores credentials for {@code server}. */
  public void store(String server, String user, String secret) {
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("ServerURL", server);
    req.put("Username", user);
    req.put("Secret", secret);
    Result r = exec("store", server, Json.write(req));
    if (r.status() != 0) throw failure("store", server, r, secret);
  }

  /** Removes the credentials for {@code server}; false when the helper had none. */
  public boolean erase(String server) {
    Result r = exec("erase", server, server);
    if (r.notFound()) return false;
    if (r.status() != 0) throw failure("erase", server, r, null);
    return true;
  }

  private record Result(int status, String out, String err) {
    boolean notFound() {
      return status != 0 && (out.contains(NOT_FOUND) || err.contains(NOT_FOUND));
    }
  }

  private Path locate() {
    for (String dir : searchPath.split(":")) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, program());
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
    }
    throw new JboxException("credential helper " + program() + " (" + origin + ") not found on PATH;"
        + " install it or remove the entry");
  }

  private Result exec(String verb, String server, String input) {
    Path exe = locate();
    Process p;
    try {
      p = new ProcessBuilder(List.of(exe.toString(), verb)).start();
    } catch (IOException e) {
      throw new JboxException("credential helper " + exe + ": cannot run it: " + e.getMessage());
    }
    Drain out = new Drain(p.getInputStream());
    Drain err = new Drain(p.getErrorStream());
    out.start();
    err.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write((input == null ? server : input).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // a helper that exits without reading its request: its status says what happened
    }
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new JboxException(program() + " " + verb + " " + server + " (" + origin + "): no answer within "
            + TIMEOUT_SECONDS + " s");
      }
      out.join();
      err.join();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new JboxException("interrupted");
    }
    return new Result(p.exitValue(), out.text(), err.text());
  }

  // The helper's own message (first non-empty line, from stdout where the protocol puts it, else
  // stderr), with the secret masked in case a helper echoes its input.
  private JboxException failure(String verb, String server, Result r, String secret) {
    String msg = firstLine(r.out());
    if (msg.isEmpty()) msg = firstLine(r.err());
    if (secret != null && !secret.isEmpty()) msg = msg.replace(secret, "***");
    if (msg.length() > 200) msg = msg.substring(0, 200) + "...";
    return new JboxException(program() + " " + verb + " " + server + " (" + origin + ") failed with status "
        + r.status() + (msg.isEmpty() ? "" : ": " + msg));
  }

  private static String firstLine(String s) {
    for (String line : s.split("\n")) {
      if (!line.isBlank()) return line.strip();
    }
    return "";
  }

  /** Reads one of the helper's output streams to its end, keeping at most 1 MiB. */
  private static final class Drain extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Drain(InputStream in) {
      this.in = in;
      setDaemon(true);
    }

    @Override
    public void run() {
      byte[] b = new byte[8192];
      try (in) {
        for (int n; (n = in.read(b)) > 0; ) {
          if (buf.size() < MAX_OUTPUT) buf.write(b, 0, Math.min(n, MAX_OUTPUT - buf.size()));
        }
      } catch (IOException e) {
        // the stream ends with the process; what was read is what there is
      }
    }

    String text() {
      return buf.toString(StandardCharsets.UTF_8);
    }
  }
}
