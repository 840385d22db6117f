package dev.rollcall.storage.sqlite;

import dev.rollcall.profile.ProfileStore;
import dev.rollcall.tests.ProfileStoreContract;
import java.nio.file.Path;

class SqliteProfileStoreTest extends ProfileStoreContract {
  @Override
  protected ProfileStore newStore(Path dir) throws Exception {
    return SqliteProfileStore.open(dir.resolve("profiles.db"));
  }
}
