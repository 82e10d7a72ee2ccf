package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.ImageRef;
import dev.jbox.image.registry.AuthFile;
import dev.jbox.image.registry.CredentialHelper;
import dev.jbox.image.registry.RegistriesConf;
import dev.jbox.image.registry.RegistryClient;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code jbox login}: checks credentials against a registry and saves them in auth.json, or with
 * the credential helper auth.json configures for the registry.
 */
@Command(name = "login", mixinStandardHelpOptions = true, description = "Log in to a registry and save the credentials (see jbox-login(1)).")
final class LoginCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand PicoMain parent;

  @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "User name (prompted for on a terminal).")
  String username;

  @Option(names = {"-p", "--password"}, paramLabel = "PASS", description = "Password (visible to other users in ps).")
  String password;

  @Option(names = "--password-stdin", description = "Read the password from standard input.")
  boolean passwordStdin;

  @Option(names = "--authfile", paramLabel = "FILE", description = "The auth file to write instead of the default.")
  Path authfile;

  @Option(names = "--tls-verify", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Verify TLS certificates (default: per registries.conf).")
  Boolean tlsVerify;

  @Parameters(paramLabel = "REGISTRY", description = "Registry host[:port], optionally with a namespace.")
  String registry;

  @Override
  public Integer call() {
    if (password != null && passwordStdin) {
      throw new JboxException("login: --password and --password-stdin cannot be used together");
    }
    String key = normalize(registry);
    String host = key.indexOf('/') >= 0 ? key.substring(0, key.indexOf('/')) : key;
    Console console = System.console();
    String user = username;
    if (user == null || user.isEmpty()) {
      if (console == null) throw new JboxException("login: missing user name (-u USER)");
      user = console.readLine("Username: ");
      if (user == null || user.isEmpty()) throw new JboxException("login: missing user name");
    }
    String pass = password;
    if (passwordStdin) {
      pass = readStdin(System.in);
    } else if (pass == null) {
      if (console == null) throw new JboxException("login: missing password (-p PASS or --password-stdin)");
      char[] p = console.readPassword("Password: ");
      if (p == null) throw new JboxException("login: missing password");
      pass = new String(p);
    }
    if (pass.isEmpty()) throw new JboxException("login: empty password");
    AuthFile authFile = authfile != null ? AuthFile.at(authfile) : AuthFile.load();
    RegistryClient client = RegistryClient.create(RegistriesConf.load(), authFile, tlsVerify, parent.err());
    client.checkLogin(host, new AuthFile.Credentials(user, pass));
    CredentialHelper helper = authFile.writeHelper(key, null);
    authFile.login(key, user, pass, null);
    if (helper != null) spec.commandLine().getOut().println("Stored the credentials with " + helper.describe());
    spec.commandLine().getOut().println("Login Succeeded!");
    return 0;
  }

  /** The auth.json key for a registry argument: no scheme, no trailing slash, a valid host. */
  static String normalize(String registry) {
    String r = registry.trim();
    if (r.startsWith("https://")) r = r.substring(8);
    else if (r.startsWith("http://")) r = r.substring(7);
    while (r.endsWith("/")) r = r.substring(0, r.length() - 1);
    String host = r.indexOf('/') >= 0 ? r.substring(0, r.indexOf('/')) : r;
    if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
      r = ImageRef.DOCKER_HUB + r.substring(host.length());
    }
    try {
      ImageRef.parseIn(host, "probe");
    } catch (JboxException e) {
      throw new JboxException("invalid registry \"" + registry + "\"");
    }
    return r;
  }

  private static String readStdin(InputStream in) {
    try {
      String s = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      while (s.endsWith("\n") || s.endsWith("\r")) s = s.substring(0, s.length() - 1);
      return s;
    } catch (IOException e) {
      throw new JboxException("login: read password from stdin: " + e.getMessage());
    }
  }
}
