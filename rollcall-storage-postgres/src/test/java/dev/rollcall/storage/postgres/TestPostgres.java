package dev.rollcall.storage.postgres;

import java.sql.SQLException;

/**
 * This module's tests on the one real PostgreSQL of the JVM ({@link
 * dev.rollcall.testing.TestPostgres}), each in an empty schema of its own.
 */
final class TestPostgres {
  private TestPostgres() {}

  /** The JDBC URL of a new, empty schema; user {@code postgres}, no password. */
  static String newSchema() {
    return dev.rollcall.testing.TestPostgres.newSchema();
  }

  /** Opens a store in a new, empty schema. */
  static PostgresProfileStore newStore() throws SQLException {
    return PostgresProfileStore.open(newSchema(), dev.rollcall.testing.TestPostgres.USER, null);
  }
}
