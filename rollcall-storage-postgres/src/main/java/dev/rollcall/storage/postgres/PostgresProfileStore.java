package dev.rollcall.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.profile.TraitValue;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Profiles on PostgreSQL, for when one machine is not enough: the same tables and statements as the
 * SQLite store, so that both give the same profiles for the same calls.
 *
 * <h2>Transactions</h2>
 *
 * Each {@link #write} is one transaction on one pooled connection, at PostgreSQL's default READ
 * COMMITTED. It starts by taking a transaction-level advisory lock ({@code pg_advisory_xact_lock})
 * on {@link #WRITE_LOCK}, released by the commit or rollback. The identity rules of {@link
 * dev.rollcall.profile.CallApplier} read and then write (is the call applied? who owns this id?
 * then create, join, merge), and READ COMMITTED does not keep two transactions doing so from both
 * creating a profile for one new user, or from merging one anonymous profile twice. The lock makes
 * two processors on one database (two servers, or a server and a {@code rebuild}) take turns, as
 * the SQLite store's single write connection does within one process. Writers wait on each other,
 * never readers: the Profile API reads from snapshots. A finer scheme (a lock per person, so that
 * processors of different partitions write in parallel) is left for when one writer is not enough.
 *
 * <p>Reads ({@link #find}, {@link #events}) run in one REPEATABLE READ, read-only transaction each,
 * so that a profile is read whole as of one instant even while a merge commits.
 *
 * <p>The schema is created, or migrated to this version of Rollcall, by {@link #open}; its version
 * is kept in {@code rollcall_schema_version}. The tables have plain names ({@code profiles}, {@code
 * ids}, {@code calls}, ...): give Rollcall a database of its own, or a schema of its own with
 * {@code currentSchema} in the JDBC URL.
 */
public final class PostgresProfileStore implements ProfileStore {
  /**
   * The advisory lock that serializes writes to profiles, database-wide: "rollcall" in ASCII, so
   * that it is unlikely to collide with another application's advisory locks and easy to spot in
   * {@code pg_locks}.
   */
  static final long WRITE_LOCK = 0x726f6c6c63616c6cL;

  /** Connections of a pool opened by {@link #open(String, String, String)}: one writer, readers. */
  private static final int POOL_SIZE = 4;

  private final DataSource dataSource;
  private final AutoCloseable owned;

  private PostgresProfileStore(DataSource dataSource, AutoCloseable owned) {
    this.dataSource = dataSource;
    this.owned = owned;
  }

  /**
   * Opens the store in the database at {@code jdbcUrl} ({@code jdbc:postgresql://host/db}), with a
   * pool of its own that {@link #close} closes, creating or migrating the schema.
   *
   * @param password null when the server does not ask for one
   */
  public static PostgresProfileStore open(String jdbcUrl, String user, String password)
      throws SQLException {
    if (jdbcUrl == null) throw new NullPointerException("jdbcUrl == null");
    HikariConfig config = new HikariConfig();
    config.setPoolName("rollcall-profiles");
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(1);
    HikariDataSource pool = new HikariDataSource(config);
    try {
      return open(pool, pool);
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Opens the store in the database of {@code dataSource}, creating or migrating the schema. The
   * data source stays the caller's: {@link #close} leaves it open.
   */
  public static PostgresProfileStore open(DataSource dataSource) throws SQLException {
    if (dataSource == null) throw new NullPointerException("dataSource == null");
    return open(dataSource, null);
  }

  private static PostgresProfileStore open(DataSource dataSource, AutoCloseable owned)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      Sql.migrate(connection, ProfileSchema.COMPONENT, WRITE_LOCK, ProfileSchema.MIGRATIONS);
    }
    return new PostgresProfileStore(dataSource, owned);
  }

  @Override
  public <T> T write(Function<ProfileWriter, T> work) {
    return transaction(connection -> work.apply(new PostgresProfileWriter(connection)));
  }

  /** Runs {@code work} in one write transaction, holding {@link #WRITE_LOCK}. */
  private <T> T transaction(Sql.Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        try (PreparedStatement lock =
            Sql.bind(connection, "SELECT pg_advisory_xact_lock(?)", WRITE_LOCK)) {
          lock.executeQuery().close();
        }
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollback(connection);
        throw e;
      }
    } catch (SQLException e) {
      throw new Sql.ProfileStoreException(e);
    }
  }

  private static void rollback(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool drops it
    }
  }

  /** Runs {@code work} in a read-only transaction that sees one snapshot of the database. */
  private <T> T read(Sql.Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        Sql.update(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollback(connection);
        throw e;
      }
    } catch (SQLException e) {
      throw new Sql.ProfileStoreException(e);
    }
  }

  @Override
  public long checkpoint() {
    return read(
        c -> ((Number) Sql.one(c, "SELECT log_offset FROM checkpoint WHERE id = 1")).longValue());
  }

  @Override
  public Optional<Profile> find(ExternalId id) {
    return read(
        c -> {
          String profileId = PostgresProfileWriter.owner(c, id);
          if (profileId == null) {
            return Optional.empty();
          }
          String userId =
              (String) Sql.one(c, "SELECT user_id FROM profiles WHERE id = ?", profileId);
          List<Profile.IdSighting> ids = new ArrayList<>();
          try (PreparedStatement statement =
                  Sql.bind(
                      c,
                      "SELECT kind, value, first_seen, first_message_id FROM ids WHERE profile_id = ?"
                          + " ORDER BY first_seen, kind, value",
                      profileId);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              ids.add(
                  new Profile.IdSighting(
                      ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2)),
                      rows.getLong(3),
                      rows.getString(4)));
            }
          }
          TreeMap<String, TraitValue> traits =
              new TreeMap<>(PostgresProfileWriter.readTraits(c, profileId));
          return Optional.of(new Profile(profileId, userId, ids, traits));
        });
  }

  @Override
  public EventPage events(ExternalId id, String cursor, int limit) {
    long[] after = parseCursor(cursor);
    return read(
        c -> {
          String profileId = PostgresProfileWriter.owner(c, id);
          if (profileId == null) {
            return null;
          }
          List<byte[]> events = new ArrayList<>();
          String last = null;
          boolean more = false;
          try (PreparedStatement statement =
                  Sql.bind(
                      c,
                      "SELECT body, ts, seq FROM calls WHERE profile_id = ? AND (ts < ? OR (ts = ? AND seq < ?))"
                          + " ORDER BY ts DESC, seq DESC LIMIT ?",
                      profileId,
                      after[0],
                      after[0],
                      after[1],
                      limit + 1);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              if (events.size() == limit) {
                more = true; // the extra row only tells that there is a next page
                break;
              }
              events.add(rows.getBytes(1));
              last = rows.getLong(2) + ":" + rows.getLong(3);
            }
          }
          return new EventPage(events, more ? last : null);
        });
  }

  /** {@code ts:seq} of the last call of the previous page; no cursor starts past the newest. */
  private static long[] parseCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return new long[] {Long.MAX_VALUE, Long.MAX_VALUE};
    }
    int colon = cursor.indexOf(':');
    try {
      return new long[] {
        Long.parseLong(cursor.substring(0, colon)), Long.parseLong(cursor.substring(colon + 1))
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the cursor is not one this API gave: " + cursor);
    }
  }

  @Override
  public List<ExternalId> delete(ExternalId id, boolean suppress) {
    return transaction(
        c -> {
          String profileId = PostgresProfileWriter.owner(c, id);
          if (profileId == null) {
            return List.of();
          }
          List<ExternalId> ids = new ArrayList<>();
          try (PreparedStatement statement =
                  Sql.bind(c, "SELECT kind, value FROM ids WHERE profile_id = ?", profileId);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              ids.add(ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2)));
            }
          }
          if (suppress) {
            insertSuppressed(c, ids);
          }
          Sql.update(c, "DELETE FROM calls WHERE profile_id = ?", profileId);
          Sql.update(c, "DELETE FROM traits WHERE profile_id = ?", profileId);
          Sql.update(c, "DELETE FROM ids WHERE profile_id = ?", profileId);
          Sql.update(c, "DELETE FROM profiles WHERE id = ?", profileId);
          return ids;
        });
  }

  @Override
  public boolean isSuppressed(ExternalId id) {
    return read(
        c ->
            Sql.one(
                    c,
                    "SELECT 1 FROM suppressed WHERE kind = ? AND value = ?",
                    id.kind().prefix(),
                    id.value())
                != null);
  }

  /** The ids whose calls are dropped; a rebuild carries them over to the new store. */
  public List<ExternalId> suppressedIds() {
    return read(
        c -> {
          List<ExternalId> ids = new ArrayList<>();
          try (PreparedStatement statement = Sql.bind(c, "SELECT kind, value FROM suppressed");
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              ids.add(ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2)));
            }
          }
          return ids;
        });
  }

  /** Drops every later call for these ids. */
  public void suppress(List<ExternalId> ids) {
    transaction(
        c -> {
          insertSuppressed(c, ids);
          return null;
        });
  }

  private static void insertSuppressed(Connection c, List<ExternalId> ids) throws SQLException {
    for (ExternalId each : ids) {
      Sql.update(
          c,
          "INSERT INTO suppressed (kind, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
          each.kind().prefix(),
          each.value());
    }
  }

  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception ignored) {
        // closing: nothing left to do with the pool
      }
    }
  }
}
