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

  /** How a store's commits reach the disk. */
  enum Durability {
    /** Each commit is fsync'ed: it survives a power cut. For what was acknowledged to clients. */
    FSYNC_EACH_COMMIT,
    /**
     * Commits survive a crash of the process; a power cut may lose the last ones, never the file's
     * consistency. For what can be computed again from the log.
     */
    SURVIVE_PROCESS_CRASH
  }

  /**
   * WAL pages (4 KiB each) after which a commit copies the WAL back into the database file: 64 MiB.
   * SQLite's default, 1,000 pages, makes a busy store checkpoint on almost every commit. Once open,
   * each store's writer hands the copying to a {@link WalCheckpointer}; this holds for what comes
   * before, such as migrations.
   */
  private static final int WAL_CHECKPOINT_PAGES = 16_384;

  /** Page cache per connection, in KiB (SQLite reads a negative cache_size as KiB): 64 MiB. */
  private static final int CACHE_KIB = 64 * 1024;

  static Connection connect(Path file) throws SQLException {
    return connect(file, Durability.FSYNC_EACH_COMMIT);
  }

  static Connection connect(Path file, Durability durability) throws SQLException {
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
    config.setSynchronous(
        durability == Durability.FSYNC_EACH_COMMIT
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    config.setCacheSize(-CACHE_KIB);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.setTempStore(SQLiteConfig.TempStore.MEMORY);
    // No generated keys: the driver would otherwise run a regex over every INSERT's SQL to look for
    // them.
    config.setGetGeneratedKeys(false);
    Connection connection = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA wal_autocheckpoint = " + WAL_CHECKPOINT_PAGES);
    }
    return connection;
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

  /**
   * Ends a failed transaction so the connection can write again. A full disk (SQLITE_FULL) or an
   * I/O error makes SQLite roll the transaction back by itself; the driver does not know, so its
   * {@code rollback()} then fails ("no transaction is active") before it begins the next
   * transaction, and every later commit would fail the same way. Switching auto-commit on and off
   * again makes the driver begin a fresh transaction whatever state SQLite is in.
   */
  static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
      return;
    } catch (SQLException e) {
      // rolled back by SQLite already, or the connection is broken: reset below
    }
    try {
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      // "cannot commit - no transaction is active": auto-commit is on all the same
    }
    try {
      connection.setAutoCommit(false);
    } catch (SQLException e) {
      // the connection is broken; the next write reports it
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
