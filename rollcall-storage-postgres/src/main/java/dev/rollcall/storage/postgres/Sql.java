package dev.rollcall.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Small helpers over JDBC. Statements are prepared anew each time: pgjdbc keeps a per-connection
 * cache of server-side prepared statements keyed by their SQL, so a repeated statement is parsed
 * and planned once per connection all the same.
 */
final class Sql {
  private Sql() {}

  /** The work of one query or transaction, which may fail with an {@link SQLException}. */
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * A pool of connections to {@code jdbcUrl} for one store, named {@code name} (in HikariCP's logs
   * and metrics), of at most {@code size} connections.
   *
   * @param password null when the server does not ask for one
   */
  static HikariDataSource pool(
      String name, String jdbcUrl, String user, String password, int size) {
    if (jdbcUrl == null) throw new NullPointerException("jdbcUrl == null");
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    return new HikariDataSource(config);
  }

  static PreparedStatement bind(Connection connection, String sql, Object... args)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      return statement;
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
  }

  static int update(Connection connection, String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = bind(connection, sql, args)) {
      return statement.executeUpdate();
    }
  }

  /** The first column of the first row, or null. */
  static Object one(Connection connection, String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = bind(connection, sql, args);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getObject(1) : null;
    }
  }

  /**
   * Brings the schema of {@code component} up to the last of {@code migrations}, in one
   * transaction. Each element upgrades by one version; the version reached is kept in {@code
   * rollcall_schema_version}, one row per component, so that other stores can share the database.
   * Two processes starting at once take turns on {@code lockKey}: the second finds the schema done.
   */
  static void migrate(
      Connection connection, String component, long lockKey, List<String> migrations)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      try (PreparedStatement lock = bind(connection, "SELECT pg_advisory_xact_lock(?)", lockKey)) {
        lock.executeQuery().close();
      }
      statement.execute(
          "CREATE TABLE IF NOT EXISTS rollcall_schema_version"
              + " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
      Object current =
          one(
              connection,
              "SELECT version FROM rollcall_schema_version WHERE component = ?",
              component);
      int version = current == null ? 0 : ((Number) current).intValue();
      if (version > migrations.size()) {
        throw new SQLException(
            "the "
                + component
                + " schema is at version "
                + version
                + ", newer than this Rollcall knows ("
                + migrations.size()
                + "); upgrade Rollcall");
      }
      for (int v = version; v < migrations.size(); v++) {
        statement.execute(migrations.get(v)); // pgjdbc runs each of a script's statements
      }
      update(
          connection,
          "INSERT INTO rollcall_schema_version (component, version) VALUES (?, ?)"
              + " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
          component,
          migrations.size());
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static <T> T query(Connection connection, Work<T> work) {
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw new ProfileStoreException(e);
    }
  }

  /** A failure of the profile store's database; the transaction is rolled back. */
  static final class ProfileStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProfileStoreException(SQLException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
