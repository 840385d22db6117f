package dev.rollcall.storage.sqlite;

import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.storage.StoreUnavailableException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Delivery queues of every destination in one SQLite file (WAL): one write connection, used by one
 * transaction at a time under a lock, and one read connection for {@link #due}, {@link #stats} and
 * {@link #list}, which WAL lets read while a write is under way.
 *
 * <p>Commits are fsync'ed ({@link SqliteFiles.Durability#FSYNC_EACH_COMMIT}): a delivery stands for
 * a call already acknowledged to a client and cannot be computed again, and a lost "delivered"
 * would send the call twice after a power cut.
 *
 * <p>Person order: {@link #due} returns a delivery only when no earlier (lower id) delivery of the
 * same destination and person is PENDING or RETRYING, so a retried call is never overtaken by the
 * same person's later ones (an alias before its identify, a trait set before it is unset). A DEAD
 * or SKIPPED delivery releases the queue; replaying it later may reach the destination out of
 * order, which the operator asked for.
 *
 * <p>{@link #replay} keeps {@code last_error}, so the list still shows why a replayed delivery had
 * failed until its next attempt; {@link #stats} only reports errors of RETRYING or DEAD deliveries.
 * {@code updated_at} is a wall-clock stamp made strictly increasing under the write lock, so the
 * latest change is the latest failure even within one millisecond.
 */
public final class SqliteDeliveryQueue implements DeliveryQueue {
  private static final String COLUMNS =
      "id, destination, person_key, message_id, message, status, attempts, next_attempt_at,"
          + " last_error";

  private static final String DUE =
      "SELECT "
          + COLUMNS
          + " FROM deliveries d WHERE d.destination = ? AND d.status IN ('PENDING', 'RETRYING')"
          + " AND d.next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM deliveries e"
          + " WHERE e.destination = d.destination AND e.person_key = d.person_key AND e.id < d.id"
          + " AND e.status IN ('PENDING', 'RETRYING')) ORDER BY d.id LIMIT ?";

  /**
   * How often the WAL is copied into the database file, beside the commits (ms): as the profile
   * store's, since deliveries' rows are written again as their attempts go on.
   */
  private static final long CHECKPOINT_EVERY_MILLIS = 1_000;

  private final Statements writer;
  private final Statements reader;
  private final WalCheckpointer checkpointer;

  /** The last {@code updated_at} written; read and written under the writer's lock. */
  private long lastStamp;

  private SqliteDeliveryQueue(Statements writer, Statements reader, WalCheckpointer checkpointer)
      throws SQLException {
    this.writer = writer;
    this.reader = reader;
    this.checkpointer = checkpointer;
    Object max = writer.one("SELECT MAX(updated_at) FROM deliveries");
    this.lastStamp = max == null ? 0 : ((Number) max).longValue();
  }

  /** Opens (creating or migrating) the queues in {@code file}. */
  public static SqliteDeliveryQueue open(Path file) {
    Connection write = null;
    Connection read = null;
    WalCheckpointer checkpointer = null;
    try {
      write = SqliteFiles.connect(file, SqliteFiles.Durability.FSYNC_EACH_COMMIT);
      SqliteFiles.migrate(write, DeliverySchema.MIGRATIONS);
      write.setAutoCommit(false);
      read = SqliteFiles.connect(file, SqliteFiles.Durability.FSYNC_EACH_COMMIT);
      checkpointer =
          WalCheckpointer.open(
              file,
              write,
              SqliteFiles.Durability.FSYNC_EACH_COMMIT,
              CHECKPOINT_EVERY_MILLIS,
              "rollcall-deliveries-checkpointer");
      SqliteDeliveryQueue queue =
          new SqliteDeliveryQueue(new Statements(write), new Statements(read), checkpointer);
      checkpointer.start();
      return queue;
    } catch (SQLException | RuntimeException e) {
      if (checkpointer != null) checkpointer.close();
      if (write != null) SqliteFiles.closeQuietly(write);
      if (read != null) SqliteFiles.closeQuietly(read);
      throw failure("cannot open the delivery queue " + file, e);
    }
  }

  @Override
  public void enqueue(List<NewDelivery> deliveries, long nowMillis, long routedUpTo) {
    write(
        sql -> {
          long stamp = stamp();
          for (NewDelivery d : deliveries) {
            sql.update(
                "INSERT OR IGNORE INTO deliveries (destination, person_key, message_id, message,"
                    + " status, attempts, next_attempt_at, last_error, updated_at)"
                    + " VALUES (?, ?, ?, ?, 'PENDING', 0, ?, NULL, ?)",
                d.destination(),
                d.personKey(),
                d.messageId(),
                d.message(),
                nowMillis,
                stamp);
          }
          if (routedUpTo >= 0) {
            sql.update("UPDATE router SET routed_up_to = ? WHERE id = 1", routedUpTo);
          }
          return null;
        });
  }

  @Override
  public long routedUpTo() {
    return read(
        sql -> ((Number) sql.one("SELECT routed_up_to FROM router WHERE id = 1")).longValue());
  }

  @Override
  public List<Delivery> due(String destination, long nowMillis, int limit) {
    return read(sql -> deliveries(sql, DUE, destination, nowMillis, limit));
  }

  @Override
  public void record(List<Outcome> outcomes) {
    write(
        sql -> {
          long stamp = stamp();
          for (Outcome outcome : outcomes) {
            sql.update(
                "UPDATE deliveries SET status = ?, attempts = attempts + ?,"
                    + " next_attempt_at = CASE WHEN ? = 'RETRYING' THEN ? ELSE next_attempt_at END,"
                    + " last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?",
                outcome.status().name(),
                outcome.attempted() ? 1 : 0,
                outcome.status().name(),
                outcome.nextAttemptAtMillis(),
                outcome.error(),
                stamp,
                outcome.id());
          }
          return null;
        });
  }

  @Override
  public Optional<Delivery> find(long id) {
    return read(
        sql ->
            deliveries(sql, "SELECT " + COLUMNS + " FROM deliveries WHERE id = ?", id).stream()
                .findFirst());
  }

  @Override
  public int replay(String destination, List<Long> ids, long nowMillis) {
    String set =
        "UPDATE deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = ?,"
            + " updated_at = ? WHERE destination = ? AND status = 'DEAD'";
    return write(
        sql -> {
          long stamp = stamp();
          if (ids.isEmpty()) {
            return sql.update(set, nowMillis, stamp, destination);
          }
          int replayed = 0;
          for (long id : ids) {
            replayed += sql.update(set + " AND id = ?", nowMillis, stamp, destination, id);
          }
          return replayed;
        });
  }

  @Override
  public Stats stats(String destination) {
    return read(
        sql -> {
          long[] counts = new long[DeliveryStatus.values().length];
          try (ResultSet rows =
              sql.bind(
                      "SELECT status, COUNT(*) FROM deliveries WHERE destination = ?"
                          + " GROUP BY status",
                      destination)
                  .executeQuery()) {
            while (rows.next()) {
              counts[DeliveryStatus.valueOf(rows.getString(1)).ordinal()] = rows.getLong(2);
            }
          }
          String lastError =
              (String)
                  sql.one(
                      "SELECT last_error FROM deliveries WHERE destination = ?"
                          + " AND status IN ('RETRYING', 'DEAD')"
                          + " ORDER BY updated_at DESC, id DESC LIMIT 1",
                      destination);
          return new Stats(
              counts[DeliveryStatus.DELIVERED.ordinal()],
              counts[DeliveryStatus.PENDING.ordinal()],
              counts[DeliveryStatus.RETRYING.ordinal()],
              counts[DeliveryStatus.SKIPPED.ordinal()],
              counts[DeliveryStatus.DEAD.ordinal()],
              lastError);
        });
  }

  @Override
  public List<Delivery> list(String destination, DeliveryStatus status, int limit) {
    return read(
        sql ->
            deliveries(
                sql,
                "SELECT "
                    + COLUMNS
                    + " FROM deliveries WHERE destination = ? AND status = ?"
                    + " ORDER BY id DESC LIMIT ?",
                destination,
                status.name(),
                limit));
  }

  @Override
  public int forget(Collection<String> personKeys) {
    List<String> destinations = destinations();
    return write(
        sql -> {
          int deleted = 0;
          for (String destination : destinations) {
            for (String key : personKeys) {
              // by destination too, so the person index serves the delete
              deleted +=
                  sql.update(
                      "DELETE FROM deliveries WHERE destination = ? AND person_key = ?",
                      destination,
                      key);
            }
          }
          return deleted;
        });
  }

  @Override
  public List<String> destinations() {
    return read(
        sql -> {
          List<String> names = new ArrayList<>();
          try (ResultSet rows =
              sql.bind("SELECT DISTINCT destination FROM deliveries ORDER BY destination")
                  .executeQuery()) {
            while (rows.next()) names.add(rows.getString(1));
          }
          return names;
        });
  }

  @Override
  public void close() {
    checkpointer.close();
    synchronized (writer) {
      writer.close();
      SqliteFiles.closeQuietly(writer.connection());
    }
    synchronized (reader) {
      reader.close();
      SqliteFiles.closeQuietly(reader.connection());
    }
  }

  private static List<Delivery> deliveries(Statements sql, String query, Object... args)
      throws SQLException {
    List<Delivery> deliveries = new ArrayList<>();
    try (ResultSet rows = sql.bind(query, args).executeQuery()) {
      while (rows.next()) {
        deliveries.add(
            new Delivery(
                rows.getLong(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getBytes(5),
                DeliveryStatus.valueOf(rows.getString(6)),
                rows.getInt(7),
                rows.getLong(8),
                rows.getString(9)));
      }
    }
    return deliveries;
  }

  /** A strictly increasing wall-clock stamp for {@code updated_at}; under the writer's lock. */
  private long stamp() {
    lastStamp = Math.max(System.currentTimeMillis(), lastStamp + 1);
    return lastStamp;
  }

  /** Runs {@code work} in one transaction of the write connection, committed (fsync'ed). */
  private <T> T write(SqliteProfileWriter.SqlWork1<T> work) {
    synchronized (writer) {
      try {
        T result = work.run(writer);
        writer.connection().commit();
        checkpointer.afterCommit(writer.connection());
        return result;
      } catch (SQLException e) {
        rollback();
        throw failure("the delivery queue cannot write", e);
      } catch (RuntimeException | Error e) {
        rollback();
        throw e;
      }
    }
  }

  private void rollback() {
    SqliteFiles.rollbackQuietly(writer.connection());
  }

  private <T> T read(SqliteProfileWriter.SqlWork1<T> work) {
    synchronized (reader) {
      try {
        return work.run(reader);
      } catch (SQLException e) {
        throw failure("the delivery queue cannot read", e);
      }
    }
  }

  private static RuntimeException failure(String message, Exception cause) {
    return new StoreUnavailableException(message + ": " + cause.getMessage(), cause, false);
  }
}
