package dev.jbox.cli;

import dev.jbox.JboxException;
import dev.jbox.sandbox.Network;
import dev.jbox.sandboxes.SandboxRecord;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbox port}: the ports a sandbox publishes, as podman port prints them. */
@Command(name = "port", mixinStandardHelpOptions = true, description = "List a sandbox's published ports (see jbox-port(1)).")
final class PortCommand extends StateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SANDBOX")
  String ref;

  @Parameters(index = "1", arity = "0..1", paramLabel = "PORT[/PROTO]")
  String port;

  @Override
  public Integer call() {
    SandboxRecord r = service().find(ref).record();
    boolean any = false;
    for (String spec : r.ports()) {
      Network.Port p = Network.Port.parse(spec);
      String host = (p.ip() == null ? "0.0.0.0" : p.ip()) + ":" + p.host();
      if (port == null) {
        out().println(p.container() + "/" + p.proto() + " -> " + host);
      } else if (port.equals(p.container() + "/" + p.proto()) || port.equals(Integer.toString(p.container())) && p.proto().equals("tcp")) {
        out().println(host);
        any = true;
      }
    }
    if (port != null && !any) throw new JboxException("port: sandbox " + r.label() + " does not publish " + port);
    return 0;
  }
}
