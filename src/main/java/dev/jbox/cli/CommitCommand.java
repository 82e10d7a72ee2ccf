package dev.jbox.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbox commit}: a new image from a sandbox's changes; prints its id. */
@Command(name = "commit", mixinStandardHelpOptions = true,
    description = "Make an image of a sandbox's image and its changes (see jbox-commit(1)).")
final class CommitCommand extends StateCommand implements Callable<Integer> {
  @Option(names = {"-c", "--change"}, paramLabel = "INSTRUCTION",
      description = "Change the config: CMD, ENTRYPOINT, ENV, WORKDIR, LABEL, USER or EXPOSE (repeatable).")
  List<String> changes = new ArrayList<>();

  @Option(names = {"-m", "--message"}, paramLabel = "MESSAGE", description = "The history entry's comment.")
  String message;

  @Option(names = {"-a", "--author"}, paramLabel = "AUTHOR", description = "The image's author.")
  String author;

  @Option(names = {"-p", "--pause"}, arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Stop a running sandbox's processes while its changes are read (SIGSTOP, then SIGCONT); podman's default is false.")
  boolean pause;

  @Option(names = {"-q", "--quiet"}, description = "Accepted for podman's sake: only the image id is printed anyway.")
  boolean quiet;

  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Parameters(index = "1", arity = "0..1", paramLabel = "IMAGE")
  String image;

  @Override
  public Integer call() {
    String id = service().files().commit(ref, image, changes, message, author, pause);
    out().println(id.substring(id.indexOf(':') + 1));
    out().flush();
    return 0;
  }
}
