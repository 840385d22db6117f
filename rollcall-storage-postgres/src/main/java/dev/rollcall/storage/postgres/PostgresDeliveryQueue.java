package dev.rollcall.storage.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.storage.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Delivery queues on PostgreSQL, shared by the delivery workers of any number of Rollcall servers.
 * The semantics are those of the SQLite queue (person order, dead letters, replay, the router's
 * mark); what is PostgreSQL's own is that several workers of one destination, in several processes,
 * take deliveries from one queue without sending any twice.
 *
 * <h2>Claims: no delivery sent by two workers</h2>
 *
 * {@link #due} is a read in the SQLite queue, where one worker per destination runs in the one
 * process that owns the file. Here it also <em>claims</em> what it returns, in the same statement:
 * the open deliveries that are due, that are the head of their person's queue and that no other
 * queue holds a live claim on are locked with {@code FOR UPDATE SKIP LOCKED} (so two workers asking
 * at the same instant get disjoint sets instead of waiting for each other), and get {@code
 * claimed_by} = this queue's id and {@code claimed_until} = now + {@link #DEFAULT_LEASE_MILLIS}.
 * Another queue does not see them as due until {@link #record} settles them (and clears the claim)
 * or the claim expires. The claim belongs to the queue object, not to a call of {@code due}: the
 * same queue sees its own claims as due again, as a worker that asks again before it recorded
 * expects, and as the SQLite queue behaves.
 *
 * <p>Person order holds across workers because only the head of a person's queue (no earlier
 * PENDING or RETRYING delivery of the same destination and person) is ever due, and the head is
 * claimed by one worker at a time: the next delivery of that person becomes due only once the head
 * is recorded DELIVERED, DEAD or SKIPPED, in a committed transaction.
 *
 * <p>A claim expires so that a worker that died mid-round (its process killed) does not hold its
 * deliveries forever: after the lease another worker sends them again, at least once, as after a
 * crash of the embedded server. The lease must exceed a round (up to {@code round / concurrency}
 * sends of at most the destination's timeout each); {@link #close} releases the claims not
 * recorded, so a clean stop delays nothing.
 *
 * <p>{@code updated_at}, which orders the last error, comes from a sequence: increasing across
 * every process that writes the queues, one value per transaction.
 */
public final class PostgresDeliveryQueue implements DeliveryQueue {
  /** How long a claim keeps other workers off a delivery: 10 minutes, in ms. */
  public static final long DEFAULT_LEASE_MILLIS = 10 * 60 * 1000L;

  /** Connections of a pool opened by {@link #open(String, String, String)}. */
  private static final int POOL_SIZE = 4;

  private static final String COLUMNS =
      "id, destination, person_key, message_id, message, status, attempts, next_attempt_at,"
          + " last_error";

  private static final String OPEN = "status IN ('PENDING', 'RETRYING')";

  /** Claims and returns the due heads of the persons' queues: see the class comment. */
  private static final String CLAIM =
      "WITH picked AS (SELECT d.id FROM deliveries d WHERE d.destination = ? AND d."
          + OPEN
          + " AND d.next_attempt_at <= ?"
          + " AND (d.claimed_by IS NULL OR d.claimed_by = ? OR d.claimed_until <= ?)"
          + " AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.destination = d.destination"
          + " AND e.person_key = d.person_key AND e.id < d.id AND e."
          + OPEN
          + ") ORDER BY d.id LIMIT ? FOR UPDATE SKIP LOCKED)"
          + " UPDATE deliveries SET claimed_by = ?, claimed_until = ? FROM picked"
          + " WHERE deliveries.id = picked.id RETURNING deliveries.id, deliveries.destination,"
          + " deliveries.person_key, deliveries.message_id, deliveries.message,"
          + " deliveries.status, deliveries.attempts, deliveries.next_attempt_at,"
          + " deliveries.last_error";

  private final DataSource dataSource;
  private final AutoCloseable owned;
  private final String claimant = UUID.randomUUID().toString();
  private final long leaseMillis;

  private PostgresDeliveryQueue(DataSource dataSource, AutoCloseable owned, long leaseMillis) {
    this.dataSource = dataSource;
    this.owned = owned;
    this.leaseMillis = leaseMillis;
  }

  /**
   * Opens the queues in the database at {@code jdbcUrl}, with a pool of its own that {@link #close}
   * closes, creating or migrating the schema.
   *
   * @param password null when the server does not ask for one
   */
  public static PostgresDeliveryQueue open(String jdbcUrl, String user, String password)
      throws SQLException {
    HikariDataSource pool = Sql.pool("rollcall-deliveries", jdbcUrl, user, password, POOL_SIZE);
    try {
      return open(pool, pool, DEFAULT_LEASE_MILLIS);
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Opens the queues in the database of {@code dataSource}, creating or migrating the schema. The
   * data source stays the caller's: {@link #close} leaves it open.
   *
   * @param leaseMillis how long a claim of {@link #due} keeps other queues off a delivery
   */
  public static PostgresDeliveryQueue open(DataSource dataSource, long leaseMillis)
      throws SQLException {
    if (dataSource == null) throw new NullPointerException("dataSource == null");
    if (leaseMillis <= 0) throw new IllegalArgumentException("leaseMillis <= 0: " + leaseMillis);
    return open(dataSource, null, leaseMillis);
  }

  private static PostgresDeliveryQueue open(
      DataSource dataSource, AutoCloseable owned, long leaseMillis) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      Sql.migrate(
          connection,
          DeliverySchema.COMPONENT,
          PostgresProfileStore.WRITE_LOCK,
          DeliverySchema.MIGRATIONS);
    }
    return new PostgresDeliveryQueue(dataSource, owned, leaseMillis);
  }

  @Override
  public void enqueue(List<NewDelivery> deliveries, long nowMillis, long routedUpTo) {
    write(
        c -> {
          insert(c, deliveries, nowMillis);
          if (routedUpTo >= 0) {
            Sql.update(c, "UPDATE delivery_router SET routed_up_to = ? WHERE id = 1", routedUpTo);
          }
          return null;
        });
  }

  /**
   * Enqueues in the transaction of a profile store's {@link ProfileWriter}, so that calls reach the
   * profiles and the queues together or not at all. The store must be a {@link
   * PostgresProfileStore} on the database (and schema) of these queues.
   */
  public static void enqueue(ProfileWriter writer, List<NewDelivery> deliveries, long nowMillis) {
    if (!(writer instanceof PostgresProfileWriter postgres)) {
      throw new IllegalArgumentException("not a PostgreSQL profile writer: " + writer);
    }
    try {
      insert(postgres.connection(), deliveries, nowMillis);
    } catch (SQLException e) {
      throw new Sql.ProfileStoreException(e);
    }
  }

  /** Inserts in one statement, however many there are: one round trip. */
  private static void insert(Connection c, List<NewDelivery> deliveries, long nowMillis)
      throws SQLException {
    if (deliveries.isEmpty()) return;
    int n = deliveries.size();
    String[] destinations = new String[n];
    String[] persons = new String[n];
    String[] messageIds = new String[n];
    byte[][] messages = new byte[n][];
    for (int i = 0; i < n; i++) {
      NewDelivery d = deliveries.get(i);
      destinations[i] = d.destination();
      persons[i] = d.personKey();
      messageIds[i] = d.messageId();
      messages[i] = d.message();
    }
    // WITH ORDINALITY keeps the list's order in the ids; a repeat within the list or of a
    // delivery queued earlier is skipped by the unique (destination, message_id)
    Sql.update(
        c,
        "INSERT INTO deliveries (destination, person_key, message_id, message, status, attempts,"
            + " next_attempt_at, last_error, updated_at)"
            + " SELECT t.destination, t.person_key, t.message_id, t.message, 'PENDING', 0, ?, NULL,"
            + " nextval('delivery_stamps')"
            + " FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[])"
            + " WITH ORDINALITY AS t(destination, person_key, message_id, message, n)"
            + " ORDER BY t.n ON CONFLICT (destination, message_id) DO NOTHING",
        nowMillis,
        c.createArrayOf("text", destinations),
        c.createArrayOf("text", persons),
        c.createArrayOf("text", messageIds),
        c.createArrayOf("bytea", messages));
  }

  @Override
  public long routedUpTo() {
    return read(
        c ->
            ((Number) Sql.one(c, "SELECT routed_up_to FROM delivery_router WHERE id = 1"))
                .longValue());
  }

  @Override
  public List<Delivery> due(String destination, long nowMillis, int limit) {
    List<Delivery> claimed =
        write(
            c ->
                deliveries(
                    c,
                    CLAIM,
                    destination,
                    nowMillis,
                    claimant,
                    nowMillis,
                    limit,
                    claimant,
                    nowMillis + leaseMillis));
    claimed.sort(Comparator.comparingLong(Delivery::id));
    return claimed;
  }

  @Override
  public void record(List<Outcome> outcomes) {
    if (outcomes.isEmpty()) return;
    write(
        c -> {
          long stamp = stamp(c);
          for (Outcome outcome : outcomes) {
            Sql.update(
                c,
                "UPDATE deliveries SET status = ?, attempts = attempts + ?,"
                    + " next_attempt_at = CASE WHEN ? = 'RETRYING' THEN ? ELSE next_attempt_at END,"
                    + " last_error = COALESCE(?, last_error), updated_at = ?,"
                    + " claimed_by = NULL, claimed_until = 0 WHERE id = ?",
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
        c ->
            deliveries(c, "SELECT " + COLUMNS + " FROM deliveries WHERE id = ?", id).stream()
                .findFirst());
  }

  @Override
  public int replay(String destination, List<Long> ids, long nowMillis) {
    String set =
        "UPDATE deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = ?,"
            + " updated_at = ?, claimed_by = NULL, claimed_until = 0"
            + " WHERE destination = ? AND status = 'DEAD'";
    return write(
        c -> {
          long stamp = stamp(c);
          if (ids.isEmpty()) {
            return Sql.update(c, set, nowMillis, stamp, destination);
          }
          return Sql.update(
              c,
              set + " AND id = ANY (?)",
              nowMillis,
              stamp,
              destination,
              c.createArrayOf("bigint", ids.toArray()));
        });
  }

  @Override
  public Stats stats(String destination) {
    return read(
        c -> {
          long[] counts = new long[DeliveryStatus.values().length];
          try (PreparedStatement statement =
                  Sql.bind(
                      c,
                      "SELECT status, COUNT(*) FROM deliveries WHERE destination = ?"
                          + " GROUP BY status",
                      destination);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              counts[DeliveryStatus.valueOf(rows.getString(1)).ordinal()] = rows.getLong(2);
            }
          }
          String lastError =
              (String)
                  Sql.one(
                      c,
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
        c ->
            deliveries(
                c,
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
    if (personKeys.isEmpty()) return 0;
    return write(
        c ->
            Sql.update(
                c,
                "DELETE FROM deliveries WHERE person_key = ANY (?)",
                c.createArrayOf("text", personKeys.toArray())));
  }

  @Override
  public List<String> destinations() {
    return read(
        c -> {
          List<String> names = new ArrayList<>();
          // one index probe per destination instead of a scan of every delivery
          try (PreparedStatement statement =
                  Sql.bind(
                      c,
                      "WITH RECURSIVE names AS ("
                          + " (SELECT destination FROM deliveries ORDER BY destination LIMIT 1)"
                          + " UNION ALL SELECT (SELECT d.destination FROM deliveries d"
                          + " WHERE d.destination > names.destination ORDER BY d.destination LIMIT 1)"
                          + " FROM names WHERE names.destination IS NOT NULL)"
                          + " SELECT destination FROM names WHERE destination IS NOT NULL");
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) names.add(rows.getString(1));
          }
          return names;
        });
  }

  /** Releases this queue's claims that were not recorded, then the pool if it is this queue's. */
  @Override
  public void close() {
    try {
      write(
          c ->
              Sql.update(
                  c,
                  "UPDATE deliveries SET claimed_by = NULL, claimed_until = 0 WHERE claimed_by = ?"
                      + " AND "
                      + OPEN,
                  claimant));
    } catch (RuntimeException e) {
      // the database is gone: the claims expire by themselves
    }
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception ignored) {
        // closing: nothing left to do with the pool
      }
    }
  }

  private static List<Delivery> deliveries(Connection c, String query, Object... args)
      throws SQLException {
    List<Delivery> deliveries = new ArrayList<>();
    try (PreparedStatement statement = Sql.bind(c, query, args);
        ResultSet rows = statement.executeQuery()) {
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

  private static long stamp(Connection c) throws SQLException {
    return ((Number) Sql.one(c, "SELECT nextval('delivery_stamps')")).longValue();
  }

  /** Runs {@code work} in one transaction, committed when it returns. */
  private <T> T write(Sql.Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          connection.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool drops it
        }
        throw e;
      }
    } catch (SQLException e) {
      throw failure("the delivery queue cannot write", e);
    }
  }

  private <T> T read(Sql.Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw failure("the delivery queue cannot read", e);
    }
  }

  private static RuntimeException failure(String message, Exception cause) {
    return new StoreUnavailableException(message + ": " + cause.getMessage(), cause, false);
  }
}
