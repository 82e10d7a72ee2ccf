package dev.jbox.image.it;

import dev.jbox.image.pull.PullService;
import dev.jbox.image.unpack.Unpacker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test cleanup: deletes trees holding subordinate-id files through jbox's user-namespace unpacker. */
public final class StoreWipe {
  private StoreWipe() {}

  public static void main(String[] args) throws Exception {
    List<Path> paths = new ArrayList<>();
    for (String a : args) paths.add(Path.of(a));
    try (Unpacker u = PullService.newUnpacker(System.err)) {
      u.delete(paths);
    }
  }
}
