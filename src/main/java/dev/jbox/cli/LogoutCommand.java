package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.image.registry.AuthFile;
import dev.jbox.image.registry.CredentialHelper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jbox logout}: removes a registry's credentials (or all) from auth.json and from the
 * credential helpers it configures.
 */
@Command(name = "logout", mixinStandardHelpOptions = true, description = "Remove saved registry credentials (see jbox-logout(1)).")
final class LogoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-a", "--all"}, description = "Remove the credentials of every registry.")
  boolean all;

  @Option(names = "--authfile", paramLabel = "FILE", description = "The auth file to change instead of the default.")
  Path authfile;

  @Parameters(arity = "0..1", paramLabel = "REGISTRY", description = "Registry host[:port].")
  String registry;

  @Override
  public Integer call() {
    if (all == (registry != null)) throw new JboxException("logout: give either REGISTRY or -a");
    AuthFile authFile = authfile != null ? AuthFile.at(authfile) : AuthFile.load();
    if (all) {
      authFile.logoutAll(null);
      spec.commandLine().getOut().println("Removed login credentials for all registries");
      return 0;
    }
    String key = LoginCommand.normalize(registry);
    CredentialHelper helper = authFile.writeHelper(key, null);
    String where = helper == null ? "" : helper.program() + " or ";
    if (!authFile.logout(key, null)) {
      throw new JboxException("not logged in to " + key + " (in " + where + authFile.writePath() + ")");
    }
    spec.commandLine().getOut().println("Removed login credentials for " + key
        + (helper == null ? "" : " (through " + helper.describe() + ")"));
    return 0;
  }
}
