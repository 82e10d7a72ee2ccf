package dev.jbox.image.it;

import dev.jbox.helper.UserNamespace;
import java.util.List;

/** Exits 0 when this user can run a command as root in a user namespace with jbox's helper. */
public final class UsernsProbe {
  private UsernsProbe() {}

  public static void main(String[] args) throws Exception {
    List<String> argv = UserNamespace.wrap(List.of("/bin/true"));
    Process p = new ProcessBuilder(argv).inheritIO().start();
    System.exit(p.waitFor());
  }
}
