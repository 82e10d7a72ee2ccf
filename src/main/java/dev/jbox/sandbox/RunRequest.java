package dev.jbox.sandbox;

import java.util.List;

/** What the user asked of {@code jbox run}, validated only for syntax (the builder checks the rest). */
public record RunRequest(
    String rootfs,
    List<String> command,
    List<String> env,
    List<String> envFiles,
    String workdir,
    String user,
    String hostname,
    List<String> ulimits,
    List<String> capAdd,
    List<String> capDrop,
    List<String> securityOpts,
    Boolean init,
    boolean tty,
    boolean interactive,
    boolean readOnly,
    boolean readOnlyTmpfs,
    List<String> uidmap,
    List<String> gidmap,
    String pid,
    String network,
    String ipc,
    String uts,
    String cgroupns,
    String timens,
    List<String> volumes,
    List<String> mounts,
    List<String> tmpfs,
    List<String> publish,
    boolean rm,
    String entrypoint,
    List<String> dns,
    String storageDriver,
    List<String> sysctls,
    String userns) {
  public RunRequest {
    command = List.copyOf(command);
    env = List.copyOf(env);
    envFiles = List.copyOf(envFiles);
    ulimits = List.copyOf(ulimits);
    capAdd = List.copyOf(capAdd);
    capDrop = List.copyOf(capDrop);
    securityOpts = List.copyOf(securityOpts);
    uidmap = List.copyOf(uidmap);
    gidmap = List.copyOf(gidmap);
    volumes = List.copyOf(volumes);
    mounts = List.copyOf(mounts);
    tmpfs = List.copyOf(tmpfs);
    publish = List.copyOf(publish);
    dns = List.copyOf(dns);
    sysctls = List.copyOf(sysctls);
  }

  /** The same request with other -v and --mount specs (volumes resolved to their directories). */
  public RunRequest withMounts(List<String> newVolumes, List<String> newMounts) {
    return new RunRequest(rootfs, command, env, envFiles, workdir, user, hostname, ulimits, capAdd, capDrop, securityOpts,
        init, tty, interactive, readOnly, readOnlyTmpfs, uidmap, gidmap, pid, network, ipc, uts, cgroupns, timens,
        newVolumes, newMounts, tmpfs, publish, rm, entrypoint, dns, storageDriver, sysctls, userns);
  }
}
