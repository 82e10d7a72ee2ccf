package dev.jbox.image.registry;

import dev.jbox.image.Descriptor;

/** Receives a blob download's progress; called from the downloading thread. */
public interface Progress {
  /** A progress that shows nothing. */
  Progress NONE = (d, done, total) -> {};

  /** {@code done} of {@code total} bytes of {@code d} are verified and written. */
  void update(Descriptor d, long done, long total);

  /** The blob is complete, verified and in place. */
  default void done(Descriptor d) {}
}
