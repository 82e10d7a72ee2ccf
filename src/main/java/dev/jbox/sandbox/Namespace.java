package dev.jbox.sandbox;

/** The namespace types jbox creates, shares or joins, in the order the helper joins them. */
public enum Namespace {
  USER("user"),
  MNT("mnt"),
  PID("pid"),
  NET("net"),
  UTS("uts"),
  IPC("ipc"),
  CGROUP("cgroup"),
  TIME("time");

  private final String procName;

  Namespace(String procName) {
    this.procName = procName;
  }

  /** The name under /proc/PID/ns/ and in the plan. */
  public String procName() {
    return procName;
  }
}
