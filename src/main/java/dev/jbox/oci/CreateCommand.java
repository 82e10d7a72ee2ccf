package dev.jbox.oci;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code create}: the container set up and waiting on its exec fifo; its init's pid in --pid-file. */
@Command(name = "create", mixinStandardHelpOptions = true, description = "Create a container from a bundle.")
final class CreateCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "The bundle (default: the current directory).")
  Path bundle;

  @Option(names = "--pid-file", paramLabel = "FILE") Path pidFile;

  @Option(names = "--console-socket", paramLabel = "SOCKET", description = "Unix socket that receives the pty master.")
  Path consoleSocket;

  @Option(names = "--preserve-fds", paramLabel = "N") int preserveFds;

  @Option(names = "--no-pivot", description = "Accepted; pivot_root is always used.") boolean noPivot;

  @Option(names = "--no-new-keyring", description = "Accepted; no session keyring is created.") boolean noNewKeyring;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Override
  public Integer call() {
    Main.createAndSend(main, id, bundle, "create", pidFile, consoleSocket, preserveFds);
    return 0;
  }
}
