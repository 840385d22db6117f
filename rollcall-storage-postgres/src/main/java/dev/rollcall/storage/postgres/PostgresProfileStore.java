package dev.rollcall.storage.postgres;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Profiles on PostgreSQL, for when one machine is not enough: the same tables and statements as the
 * SQLite store, so that both give the same profiles for the same calls, and written by any number
 * of processors at once (one per Kafka partition group member, in several servers).
 *
 * <h2>Design: several processors, one profile per person</h2>
 *
 * Each {@link #write} is one transaction on one pooled connection, at PostgreSQL's default READ
 * COMMITTED. The identity rules of {@link dev.rollcall.profile.CallApplier} read and then write (is
 * the call applied? who owns this id? then create, join, merge), and READ COMMITTED alone does not
 * keep two transactions doing so from both creating a profile for one new user, or from merging one
 * anonymous profile twice. Calls of one person are mostly in one Kafka partition (the log is keyed
 * by userId, else anonymousId), but not all: an anonymous visitor's calls are keyed by the
 * anonymousId, the call that joins it to a user by the userId, and the two may be applied by two
 * processors at the same moment. So writes lock what they touch, with transaction-level advisory
 * locks ({@link PersonLocks}), strict two-phase: each lock is taken before the first read of what
 * it guards and held until commit or rollback.
 *
 * <ul>
 *   <li>A <b>person key</b> (a userId, an anonymousId) is locked before its owner is looked up:
 *       which profile an id belongs to only changes in a transaction that holds the id's lock
 *       (creating a user's profile, joining an anonymous id, moving it to another user).
 *   <li>A <b>profile</b> is locked as soon as it is found, before its user, traits or calls are
 *       read: a profile is written (traits, calls, merged into another, deleted by a merge) only by
 *       a transaction that found it, through any of its ids, and so holds its lock.
 *   <li>Emails are lookup keys, not persons, and are not locked: an email row moves to another
 *       profile only for a later stamp (a conditional upsert, which PostgreSQL applies to the
 *       latest row version under the row's lock), and a merge moves the emails of the profile it
 *       locked. Both commute: whichever commits first, the email ends with the latest stamp's
 *       profile.
 * </ul>
 *
 * With every item a transaction reads or writes locked until it ends, the transactions are
 * serializable: the result is that of applying the chunks one after another in some order. And the
 * result of {@link dev.rollcall.profile.CallApplier} does not depend on the order of the calls
 * (per-trait stamps, joins decided by stamps: {@code ProfileOrderContract}), and a call already
 * applied is skipped by its messageId; so several processors at once give the profiles that one
 * processor gives, which are the embedded store's.
 *
 * <p><b>No deadlock.</b> Lock order is found while applying (the profile of an id is known only
 * once the id is locked), so locks cannot all be taken in one global order. Instead, a lock needed
 * in the middle of a transaction is only <em>tried</em> ({@code pg_try_advisory_xact_lock}); if
 * another transaction holds it, this one rolls back and runs again, first taking, in ascending
 * order and waiting for each, every lock the failed attempt held or wanted. A transaction waits
 * only while taking that ordered prefix, and only for a lock above all it holds, so no cycle of
 * waits can form; a transaction in its apply phase never waits for a lock, so it always finishes or
 * rolls back. Each retry knows more locks up front, so retries end. Row locks that PostgreSQL takes
 * by itself (two transactions writing one email row) can still form a cycle; PostgreSQL breaks it
 * by aborting one transaction (deadlock detected), which runs again the same way.
 *
 * <p>{@link #delete} and {@link #suppress} (the Profile API) take {@link #WRITE_LOCK} exclusively,
 * and processors take it shared: a deletion waits for the transactions in flight and keeps new ones
 * out while it runs. The schema migration takes it exclusively too.
 *
 * <p>Offsets of a log in partitions ({@link #partitionOffsets}) move in the transaction that
 * applies the entries, by compare-and-set ({@link
 * dev.rollcall.profile.ProfileWriter#movePartitionOffset}), so that a processor that lost its
 * partition in a rebalance, and still applies what it had read, cannot apply it a second time
 * alongside the partition's new owner: the second of the two finds the offset moved and rolls back.
 *
 * <p>Reads ({@link #find}, {@link #events}) run in one REPEATABLE READ, read-only transaction each,
 * so that a profile is read whole as of one instant even while a merge commits. Writers never block
 * readers.
 *
 * <p>The schema is created, or migrated to this version of Rollcall, by {@link #open}; its version
 * is kept in {@code rollcall_schema_version}. The tables have plain names ({@code profiles}, {@code
 * ids}, {@code calls}, ...): give Rollcall a database of its own, or a schema of its own with
 * {@code currentSchema} in the JDBC URL.
 */
public final class PostgresProfileStore implements ProfileStore {
  /**
   * The advisory lock that processors take shared and deletions and migrations exclusively,
   * database-wide: "rollcall" in ASCII, so that it is unlikely to collide with another
   * application's advisory locks and easy to spot in {@code pg_locks}.
   */
  static final long WRITE_LOCK = 0x726f6c6c63616c6cL;

  /**
   * Attempts of one write before it fails: each retry after a lock conflict knows more locks up
   * front, so a few suffice; this bounds a pathological case instead of looping forever.
   */
  private static final int MAX_ATTEMPTS = 100;

  /** SQLSTATEs after which a write runs again: deadlock detected, serialization failure. */
  private static final java.util.Set<String> RETRIED = java.util.Set.of("40P01", "40001");

  /**
   * Connections of a pool opened by {@link #open(String, String, String)}: a Kafka processor's
   * transactions at once (4 by default), and readers.
   */
  private static final int POOL_SIZE = 8;

  private final DataSource dataSource;
  private final AutoCloseable owned;
  private final AtomicLong conflicts = new AtomicLong();

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
    HikariDataSource pool = Sql.pool("rollcall-profiles", jdbcUrl, user, password, POOL_SIZE);
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

  /**
   * Runs {@code work} in one transaction that holds {@link #WRITE_LOCK} shared and locks persons
   * and profiles as it goes; after a conflict with another transaction it runs {@code work} again.
   * See the class comment.
   */
  @Override
  public <T> T write(Function<ProfileWriter, T> work) {
    Set<Long> upFront = new HashSet<>();
    for (int attempt = 1; ; attempt++) {
      PersonLocks locks = null;
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(false);
        try {
          try (PreparedStatement lock =
              Sql.bind(connection, "SELECT pg_advisory_xact_lock_shared(?)", WRITE_LOCK)) {
            lock.executeQuery().close();
          }
          locks = new PersonLocks(connection);
          locks.acquireAll(upFront);
          PostgresProfileWriter writer = new PostgresProfileWriter(connection, locks);
          try {
            T result = work.apply(writer);
            writer.flush();
            connection.commit();
            return result;
          } finally {
            writer.close();
          }
        } catch (PersonLocks.Conflict e) {
          rollback(connection);
          upFront.addAll(locks.held());
          upFront.add(e.lock());
          conflicts.incrementAndGet();
        } catch (Sql.ProfileStoreException e) {
          rollback(connection);
          if (!retried(e.getCause()) || attempt >= MAX_ATTEMPTS) throw e;
          if (locks != null) upFront.addAll(locks.held());
          conflicts.incrementAndGet();
        } catch (SQLException | RuntimeException | Error e) {
          rollback(connection);
          throw e;
        }
      } catch (SQLException e) {
        if (!retried(e) || attempt >= MAX_ATTEMPTS) throw new Sql.ProfileStoreException(e);
        conflicts.incrementAndGet();
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new IllegalStateException(
            "a write conflicted with others " + attempt + " times in a row; giving up");
      }
    }
  }

  private static boolean retried(Throwable e) {
    return e instanceof SQLException sql && RETRIED.contains(sql.getSQLState());
  }

  /**
   * How many times a write was rolled back and run again after a conflict with another one, since
   * this store was opened.
   */
  public long conflicts() {
    return conflicts.get();
  }

  /** Runs {@code work} in one transaction that holds {@link #WRITE_LOCK} exclusively. */
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
  public Map<Integer, Long> partitionOffsets(String log) {
    return read(
        c -> {
          Map<Integer, Long> offsets = new HashMap<>();
          try (PreparedStatement statement =
                  Sql.bind(
                      c, "SELECT partition_id, next_offset FROM log_offsets WHERE log = ?", log);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) offsets.put(rows.getInt(1), rows.getLong(2));
          }
          return offsets;
        });
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
