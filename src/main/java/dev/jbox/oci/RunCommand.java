package dev.jbox.oci;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code run}: create and start; the helper supervises and exits with the container's status, then removes it. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Create, start and wait for a container.")
final class RunCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = {"-b", "--bundle"}, paramLabel = "DIR") Path bundle;

  @Option(names = "--pid-file", paramLabel = "FILE") Path pidFile;

  @Option(names = "--console-socket", paramLabel = "SOCKET") Path consoleSocket;

  @Option(names = {"-d", "--detach"}, description = "Start it and return (the container is left to the caller).")
  boolean detach;

  @Option(names = "--preserve-fds", paramLabel = "N") int preserveFds;

  @Option(names = "--no-pivot") boolean noPivot;

  @Option(names = "--no-new-keyring") boolean noNewKeyring;

  @Option(names = "--keep", description = "Accepted; a stopped container is always removed by run without -d.")
  boolean keep;

  @Parameters(index = "0", paramLabel = "ID") String id;

  @Override
  public Integer call() {
    Main.createAndSend(main, id, bundle, detach ? "start" : "run", pidFile, consoleSocket, preserveFds);
    return 0;
  }
}
