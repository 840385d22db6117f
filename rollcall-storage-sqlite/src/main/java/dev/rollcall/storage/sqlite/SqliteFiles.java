package dev.rollcall.storage.sqlite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteConfig;

/** Opening SQLite files the way every Rollcall store wants them, and migrating their schema. */
final class SqliteFiles {
  /** How long a connection waits for another's write lock before failing (milliseconds). */
  private static final int BUSY_TIMEOUT_MILLIS = 10_000;

  private SqliteFiles() {}

  static Connection connect(Path file) throws SQLException {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create the directory of " + file + ": " + e.getMessage(), e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.setTempStore(SQLiteConfig.TempStore.MEMORY);
    return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
  }

  /**
   * Brings the schema to the latest version: {@code PRAGMA user_version} counts the migrations
   * applied, and each missing one runs in its own transaction.
   */
  static void migrate(Connection connection, List<String> migrations) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      int version;
      try (var rows = statement.executeQuery("PRAGMA user_version")) {
        version = rows.next() ? rows.getInt(1) : 0;
      }
      for (int v = version; v < migrations.size(); v++) {
        for (String sql : migrations.get(v).split(";")) {
          if (!sql.isBlank()) {
            statement.executeUpdate(sql);
          }
        }
        statement.executeUpdate("PRAGMA user_version = " + (v + 1));
        connection.commit();
      }
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // closing: nothing left to do with it
    }
  }
}
