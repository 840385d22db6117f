package dev.rollcall.storage.postgres;

import dev.rollcall.profile.ExternalId;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The advisory locks one write transaction of {@link PostgresProfileStore} holds: one per person
 * key (a userId or an anonymousId) and one per profile it reads or writes, each taken before the
 * first read of what it guards and held until the transaction ends. See the store's class comment
 * for why this is enough, and why it cannot deadlock.
 *
 * <p>Locks are transaction-level advisory locks with two {@code int} keys, a 64-bit hash of the key
 * ({@code u:97980cfea0067}, {@code a:507f191e...}, {@code p:prf_...}): a space of their own, apart
 * from the one-key locks of the store's {@link PostgresProfileStore#WRITE_LOCK}. Two keys with one
 * hash only share a lock, which costs a wait, never correctness.
 */
final class PersonLocks {
  private final Connection connection;
  private final Set<Long> held = new HashSet<>();

  PersonLocks(Connection connection) {
    this.connection = connection;
  }

  /**
   * Takes {@code locks} in ascending order, waiting for each: what a transaction learned it needs,
   * taken before it reads anything. In one statement, one round trip.
   */
  void acquireAll(Set<Long> locks) throws SQLException {
    if (locks.isEmpty()) return;
    long[] sorted = locks.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    Integer[] high = new Integer[sorted.length];
    Integer[] low = new Integer[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      high[i] = (int) (sorted[i] >>> 32);
      low[i] = (int) sorted[i];
    }
    // unnest yields the elements in array order, and each row's lock is taken as the row is read
    try (PreparedStatement statement =
            Sql.bind(
                connection,
                "SELECT count(pg_advisory_xact_lock(h, l)) FROM unnest(?::int[], ?::int[]) AS t(h, l)",
                connection.createArrayOf("int4", high),
                connection.createArrayOf("int4", low));
        ResultSet rows = statement.executeQuery()) {
      rows.next();
    }
    for (long lock : sorted) held.add(lock);
  }

  /** Takes the lock of a person key (a userId or an anonymousId), if not held already. */
  void person(ExternalId id) throws SQLException {
    take(personLock(id));
  }

  /** Takes the lock of a profile, if not held already. */
  void profile(String profileId) throws SQLException {
    take(profileLock(profileId));
  }

  static long personLock(ExternalId id) {
    return hash(id.kind().prefix() + ":" + id.value());
  }

  static long profileLock(String profileId) {
    return hash("p:" + profileId);
  }

  /**
   * Tries the locks not held yet, all in one statement, without waiting (as {@link #take} does for
   * one): those taken are held; if another transaction holds one, {@link Conflict} names it.
   */
  void tryAll(Set<Long> locks) throws SQLException {
    long[] wanted =
        locks.stream().filter(l -> !held.contains(l)).mapToLong(Long::longValue).toArray();
    if (wanted.length == 0) return;
    Arrays.sort(wanted); // the same order as acquireAll's, for the same locks
    Integer[] high = new Integer[wanted.length];
    Integer[] low = new Integer[wanted.length];
    for (int i = 0; i < wanted.length; i++) {
      high[i] = (int) (wanted[i] >>> 32);
      low[i] = (int) wanted[i];
    }
    Long refused = null;
    try (PreparedStatement statement =
            Sql.bind(
                connection,
                "SELECT h, l, pg_try_advisory_xact_lock(h, l) FROM unnest(?::int[], ?::int[])"
                    + " WITH ORDINALITY AS t(h, l, n) ORDER BY n",
                connection.createArrayOf("int4", high),
                connection.createArrayOf("int4", low));
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        long lock = ((long) rows.getInt(1) << 32) | (rows.getInt(2) & 0xffffffffL);
        if (rows.getBoolean(3)) {
          held.add(lock);
        } else if (refused == null) {
          refused = lock;
        }
      }
    }
    if (refused != null) throw new Conflict(refused);
  }

  /**
   * Takes {@code lock} without waiting: while this transaction holds locks taken out of order, a
   * wait could close a cycle with another transaction, so a lock held by another one ends this
   * transaction instead ({@link Conflict}), and the next attempt takes it in order.
   */
  private void take(long lock) throws SQLException {
    if (held.contains(lock)) return;
    boolean got;
    try (PreparedStatement statement =
            Sql.bind(
                connection,
                "SELECT pg_try_advisory_xact_lock(?, ?)",
                (int) (lock >>> 32),
                (int) lock);
        ResultSet rows = statement.executeQuery()) {
      rows.next();
      got = rows.getBoolean(1);
    }
    if (!got) {
      throw new Conflict(lock);
    }
    held.add(lock);
  }

  /** The locks held now, to take up front in the next attempt. */
  Set<Long> held() {
    return held;
  }

  /** 64-bit FNV-1a of the key's UTF-8 bytes, with a final mix so that both halves vary. */
  static long hash(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }

  /** Another transaction holds a lock this one needs: roll back and try again. */
  static final class Conflict extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long lock;

    Conflict(long lock) {
      super("a person or profile is locked by another transaction", null, false, false);
      this.lock = lock;
    }

    long lock() {
      return lock;
    }
  }
}
