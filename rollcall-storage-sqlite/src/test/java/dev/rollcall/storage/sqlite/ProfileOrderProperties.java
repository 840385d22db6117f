package dev.rollcall.storage.sqlite;

import dev.rollcall.profile.ProfileStore;
import dev.rollcall.tests.ProfileOrderContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import net.jqwik.api.lifecycle.AfterContainer;

class ProfileOrderProperties extends ProfileOrderContract {
  /** Every try's store files, under one directory removed when the class is done. */
  private static Path root;

  @Override
  protected ProfileStore newEmptyStore() throws Exception {
    synchronized (ProfileOrderProperties.class) {
      if (root == null) root = Files.createTempDirectory("rollcall-order");
    }
    return SqliteProfileStore.open(Files.createTempDirectory(root, "try").resolve("profiles.db"));
  }

  @AfterContainer
  static void removeFiles() throws IOException {
    if (root == null) return;
    try (var files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    root = null;
  }
}
