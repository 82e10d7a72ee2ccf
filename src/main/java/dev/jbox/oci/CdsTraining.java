package dev.jbox.oci;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of jbox-oci's AppCDS archive (scripts/cds, mode {@code oci}): the Java side of
 * what engines call on every container, {@code create} of a rootless and of a root bundle with a
 * seccomp profile (each stopping at the missing plan channel, as the other trainings do), then
 * {@code state}, {@code start}, {@code kill}, {@code delete}, {@code list}, {@code features} and
 * {@code spec}, so that the classes they load come from the archive instead of the jar.
 *
 * <p>Usage: {@code java ... dev.jbox.oci.CdsTraining DIR} (DIR empty and writable; JBOX_HELPER unset).
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws IOException, ClassNotFoundException {
    Path dir = Path.of(args[0]);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
    Class.forName(dev.jbox.sys.QuickExit.class.getName(), true, CdsTraining.class.getClassLoader());
    String root = dir.resolve("root").toString();
    for (String kind : new String[] {"rootless", "root"}) {
      Path bundle = Files.createDirectories(dir.resolve(kind));
      Files.createDirectories(bundle.resolve("rootfs"));
      Main.run(kind.equals("rootless") ? new String[] {"spec", "--rootless", "-b", bundle.toString()}
          : new String[] {"spec", "-b", bundle.toString()}, quiet, quiet);
      Path config = bundle.resolve("config.json");
      String c = Files.readString(config);
      // a small profile in podman's shape: an allow list, an argument condition, errnoRet
      String seccomp = "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
          + "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":["
          + "{\"names\":[\"read\",\"write\",\"execve\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"},"
          + "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]},"
          + "{\"names\":[\"init_module\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]},";
      Files.writeString(config, c.replaceFirst("\"linux\"\\s*:\\s*\\{", "\"linux\":{" + seccomp));
      String id = "training-" + kind;
      Main.run(new String[] {"--root", root, "--log", dir.resolve("log.json").toString(), "--log-format", "json",
          "create", "--bundle", bundle.toString(), "--pid-file", dir.resolve("pid").toString(), id}, quiet, quiet);
      Main.run(new String[] {"--root", root, "state", id}, quiet, quiet);
      Main.run(new String[] {"--root", root, "start", id}, quiet, quiet);
      Main.run(new String[] {"--root", root, "kill", id, "KILL"}, quiet, quiet);
      Main.run(new String[] {"--root", root, "delete", "--force", id}, quiet, quiet);
    }
    Main.run(new String[] {"--root", root, "list"}, quiet, quiet);
    Main.run(new String[] {"features"}, quiet, quiet);
  }
}
