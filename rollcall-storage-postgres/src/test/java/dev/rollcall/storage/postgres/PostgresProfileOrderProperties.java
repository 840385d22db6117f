package dev.rollcall.storage.postgres;

import dev.rollcall.profile.ProfileStore;
import dev.rollcall.tests.ProfileOrderContract;

/**
 * The order property on PostgreSQL, where ties between stamps are broken by PostgreSQL's
 * comparisons (row values, {@code COLLATE "C"}) and not SQLite's. Each store is a schema of its own
 * in the shared embedded server.
 */
class PostgresProfileOrderProperties extends ProfileOrderContract {
  @Override
  protected ProfileStore newEmptyStore() throws Exception {
    return TestPostgres.newStore();
  }
}
