package dev.jbox.sandbox;

/**
 * One filesystem step for the helper: KIND (bind, dev, proc, sysfs, tmpfs, devpts, mqueue,
 * cgroup2, mask, ro, symlink, mkdir), a host source or link text, a target inside the sandbox,
 * and options "word,word|fsdata" (see helpers/PROTOCOL.md).
 */
public record MountOp(String kind, String source, String target, String options) {
  public MountOp {
    if (!target.startsWith("/")) throw new IllegalArgumentException("mount target not absolute: " + target);
    for (String part : target.split("/")) {
      if (part.equals("..") || part.equals(".")) {
        throw new IllegalArgumentException("mount target not clean: " + target);
      }
    }
  }

  public static MountOp of(String kind, String target, String options) {
    return new MountOp(kind, "", target, options);
  }
}
