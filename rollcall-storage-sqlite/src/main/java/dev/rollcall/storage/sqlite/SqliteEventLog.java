package dev.rollcall.storage.sqlite;

import dev.rollcall.MessageType;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.StoreUnavailableException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event log in one SQLite file, in WAL mode, written with group commit.
 *
 * <h2>Group commit</h2>
 *
 * One writer thread owns the write connection. {@link #append} queues its entries and returns a
 * future at once; the writer takes everything queued, writes it in one transaction, commits, and
 * completes the futures of all of it. While a commit is on its way to disk, new appends queue up
 * and go together into the next one, so the number of commits (and fsyncs) per second stays about
 * constant as the load grows, while each request still waits for the commit that holds it. No
 * thread is parked per request: callers are called back.
 *
 * <p>The WAL is copied back into the database file by {@link WalCheckpointer}, on a thread and
 * connection of its own, beside the commits; the writer only copies the last few megabytes, between
 * two commits, so that the WAL starts over (and when idle). SQLite's own checkpoint inside
 * whichever commit crosses its threshold is off: it held that commit's requests for the copy's
 * duration.
 *
 * <h2>Durability</h2>
 *
 * {@code synchronous=FULL}: a commit returns when the WAL is fsync'ed, so a completed append
 * survives {@code kill -9} and a power cut. A failed commit (full disk, read-only file) fails the
 * futures of the whole group with {@link StoreUnavailableException}; nothing of it was
 * acknowledged, and the next group tries again, so the log recovers by itself when space returns.
 *
 * <h2>De-duplication</h2>
 *
 * An entry whose (source, messageId) the log stored inside the window, by the log's clock, is
 * skipped. The pairs stored lately are in memory ({@link RecentMessages}, at most {@code
 * dedupMaxCalls} of them: past that, the window is shorter); each commit also appends the keys of
 * its calls, 20 bytes a call, to table {@code event_keys} ({@link EventKeys}), from which the
 * memory is loaded again on open. The log keeps no B-tree index on a random key: such an index
 * costs a random page written per call, which made the writer the collector's bottleneck.
 *
 * <h2>Backpressure</h2>
 *
 * At most {@code maxPendingEntries} entries wait for the writer; beyond that, appends fail at once
 * as overloaded, and the collector answers 503 with Retry-After instead of queueing without bound.
 */
public final class SqliteEventLog implements EventLog {
  /** The de-duplication window of Segment's API: 24 hours. */
  public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofHours(24);

  /** Entries waiting for the writer before appends are refused; about 70 MB of 700-byte calls. */
  public static final int DEFAULT_MAX_PENDING_ENTRIES = 100_000;

  /** Upper bound of one transaction, so that one commit's latency stays bounded (entries). */
  static final int MAX_ENTRIES_PER_COMMIT = 20_000;

  /**
   * How often the WAL is copied into the database file (ms). Often and small is better than rarely
   * and large: each copy ends by fsync'ing the database file, and while the disk writes that out
   * the writer's own fsyncs wait. Under the collector's batch load (BENCHMARKS.md), copies every
   * 1,000 ms gave a p99 latency of 450–470 ms, every 250 ms 200–260 ms, every 100 ms 160 ms. The
   * log is only appended to, so close copies write almost no page twice.
   */
  private static final long CHECKPOINT_EVERY_MILLIS = 100;

  /**
   * Calls remembered for de-duplication, at most: about 56 MB. At a million calls a day the whole
   * 24-hour window fits; beyond that, the window is the last million calls.
   */
  public static final int DEFAULT_DEDUP_MAX_CALLS = 1_000_000;

  /** Calls per row of event_keys when keying calls stored before the table existed. */
  private static final int BACKFILL_CHUNK = 10_000;

  private final Connection writeConnection;
  private final Connection readConnection;
  private final Clock clock;
  private final long dedupWindowMillis;
  private final int maxPendingEntries;
  private final BlockingQueue<PendingAppend> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger pendingEntries = new AtomicInteger();
  private final Thread writer;
  private final WalCheckpointer checkpointer;
  private final List<CommitListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean running = true;
  private volatile boolean writable = true;

  /** The calls stored lately, for de-duplication; the writer thread's. */
  private final RecentMessages recent;

  /** The writer thread's statements, prepared once. */
  private PreparedStatement isStoredAt;

  private PreparedStatement insert;
  private PreparedStatement insertKeys;
  private PreparedStatement readLastOffset;

  /** The offset of the call inserted last in the current commit; the writer thread's. */
  private long offset;

  private SqliteEventLog(
      Connection writeConnection,
      Connection readConnection,
      WalCheckpointer checkpointer,
      Clock clock,
      Duration dedupWindow,
      int maxPendingEntries,
      int dedupMaxCalls) {
    this.writeConnection = writeConnection;
    this.readConnection = readConnection;
    this.checkpointer = checkpointer;
    this.clock = clock;
    this.dedupWindowMillis = dedupWindow.toMillis();
    this.maxPendingEntries = maxPendingEntries;
    this.recent = new RecentMessages(dedupMaxCalls);
    this.writer = new Thread(this::writeLoop, "rollcall-log-writer");
    this.writer.setDaemon(true);
  }

  /** Opens (creating or migrating) the log in {@code file} and starts its writer. */
  public static SqliteEventLog open(
      Path file, Clock clock, Duration dedupWindow, int maxPendingEntries) throws SQLException {
    return open(file, clock, dedupWindow, maxPendingEntries, DEFAULT_DEDUP_MAX_CALLS);
  }

  /**
   * Opens (creating or migrating) the log in {@code file} and starts its writer, remembering at
   * most {@code dedupMaxCalls} calls for de-duplication.
   */
  public static SqliteEventLog open(
      Path file, Clock clock, Duration dedupWindow, int maxPendingEntries, int dedupMaxCalls)
      throws SQLException {
    if (maxPendingEntries <= 0) {
      throw new IllegalArgumentException("maxPendingEntries <= 0: " + maxPendingEntries);
    }
    Connection write = SqliteFiles.connect(file);
    WalCheckpointer checkpointer = null;
    try {
      SqliteFiles.migrate(write, EventLogSchema.MIGRATIONS);
      write.setAutoCommit(false);
      Connection read = SqliteFiles.connect(file);
      checkpointer =
          WalCheckpointer.open(
              file,
              write,
              SqliteFiles.Durability.FSYNC_EACH_COMMIT,
              CHECKPOINT_EVERY_MILLIS,
              "rollcall-log-checkpointer");
      SqliteEventLog log =
          new SqliteEventLog(
              write, read, checkpointer, clock, dedupWindow, maxPendingEntries, dedupMaxCalls);
      log.keyUnkeyedCalls();
      log.loadRecent();
      log.writer.start();
      checkpointer.start();
      return log;
    } catch (SQLException | RuntimeException e) {
      if (checkpointer != null) checkpointer.close();
      write.close();
      throw e;
    }
  }

  /** Called on the writer thread after each commit, with the number of entries it held. */
  public interface CommitListener {
    void committed(int entries, long nanos);
  }

  public void addCommitListener(CommitListener listener) {
    listeners.add(listener);
  }

  @Override
  public CompletableFuture<AppendResult> append(List<LogEntry> entries) {
    CompletableFuture<AppendResult> future = new CompletableFuture<>();
    if (entries.isEmpty()) {
      future.complete(new AppendResult(0, 0));
      return future;
    }
    if (!running) {
      future.completeExceptionally(new StoreUnavailableException("the log is closed", null, false));
      return future;
    }
    if (pendingEntries.addAndGet(entries.size()) > maxPendingEntries) {
      pendingEntries.addAndGet(-entries.size());
      future.completeExceptionally(
          new StoreUnavailableException(
              "more than " + maxPendingEntries + " calls are waiting to be stored", null, true));
      return future;
    }
    queue.add(new PendingAppend(entries, future));
    return future;
  }

  @Override
  public boolean isOverloaded() {
    return pendingEntries.get() >= maxPendingEntries;
  }

  @Override
  public boolean isWritable() {
    return running && writable;
  }

  /** Entries queued and not yet committed. */
  public int pendingEntries() {
    return pendingEntries.get();
  }

  private void writeLoop() {
    List<PendingAppend> group = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      PendingAppend first;
      try {
        first = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue; // close() interrupts only to hurry the loop; the flag decides
      }
      if (first == null) { // idle: copy the rest of the WAL, so that the next commit starts it over
        WalCheckpointer.checkpoint(writeConnection);
        continue;
      }
      group.clear();
      group.add(first);
      int entries = first.entries.size();
      PendingAppend next;
      while (entries < MAX_ENTRIES_PER_COMMIT && (next = queue.poll()) != null) {
        group.add(next);
        entries += next.entries.size();
      }
      commit(group, entries);
      pendingEntries.addAndGet(-entries);
      checkpointer.afterCommit(writeConnection);
    }
  }

  private void commit(List<PendingAppend> group, int entries) {
    long start = System.nanoTime();
    long now = clock.millis();
    AppendResult[] results = new AppendResult[group.size()];
    try {
      if (insert == null) {
        isStoredAt = writeConnection.prepareStatement(EventLogSchema.IS_STORED_AT);
        insert = writeConnection.prepareStatement(EventLogSchema.INSERT_EVENT);
        insertKeys = writeConnection.prepareStatement(EventLogSchema.INSERT_KEYS);
        readLastOffset = writeConnection.prepareStatement(EventLogSchema.LAST_OFFSET);
      }
      offset = lastOffset();
      recent.expire(now - dedupWindowMillis);
      EventKeys keys = EventKeys.writer(entries);
      long lastOffset = 0;
      for (int g = 0; g < group.size(); g++) {
        int appended = 0;
        int duplicates = 0;
        for (LogEntry entry : group.get(g).entries) {
          long hash = RecentMessages.hash(entry.sourceId(), entry.messageId());
          if (recent.anyMatch(hash, offset -> isStoredAt(offset, entry))) {
            duplicates++;
            continue;
          }
          lastOffset = insert(entry);
          recent.add(hash, lastOffset, now);
          keys.add(lastOffset, hash, EventKeys.personHash(entry.personKey()));
          appended++;
        }
        results[g] = new AppendResult(appended, duplicates);
      }
      if (lastOffset() != offset) { // another writer: the offsets in `keys` would be wrong
        throw new IllegalStateException("the events table was written by someone else");
      }
      if (!keys.isEmpty()) {
        insertKeys.setLong(1, lastOffset);
        insertKeys.setLong(2, now);
        insertKeys.setBytes(3, keys.bytes());
        insertKeys.executeUpdate();
      }
      writeConnection.commit();
      writable = true;
    } catch (SQLException | RuntimeException e) {
      // what this group put in `recent` names offsets that were rolled back: harmless, as every
      // match is confirmed against the stored call
      rollbackQuietly();
      writable = false;
      insert = null; // prepared again on the next commit, in case the connection was reset
      StoreUnavailableException failure =
          new StoreUnavailableException(
              "the event log cannot be written: " + e.getMessage(), e, false);
      for (PendingAppend pending : group) {
        pending.future.completeExceptionally(failure);
      }
      return;
    }
    long nanos = System.nanoTime() - start;
    for (CommitListener listener : listeners) {
      listener.committed(entries, nanos);
    }
    for (int g = 0; g < group.size(); g++) {
      group.get(g).future.complete(results[g]);
    }
  }

  /** Stores one call and returns its offset. */
  private long insert(LogEntry entry) throws SQLException {
    insert.setString(1, entry.sourceId());
    insert.setString(2, entry.messageId());
    insert.setString(3, entry.personKey());
    insert.setString(4, entry.type().wireName());
    insert.setLong(5, entry.receivedAtMillis());
    insert.setBytes(6, entry.json());
    insert.executeUpdate();
    return ++offset; // AUTOINCREMENT: one more than the last offset given out
  }

  private long lastOffset() throws SQLException {
    try (ResultSet rows = readLastOffset.executeQuery()) {
      return rows.next() ? rows.getLong(1) : 0;
    }
  }

  /** True when the call stored at {@code offset} has the entry's source and messageId. */
  private boolean isStoredAt(long offset, LogEntry entry) {
    try {
      isStoredAt.setLong(1, offset);
      isStoredAt.setString(2, entry.sourceId());
      isStoredAt.setString(3, entry.messageId());
      try (ResultSet rows = isStoredAt.executeQuery()) {
        return rows.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e); // fails the group, as any write error
    }
  }

  /**
   * Loads into {@link #recent} the calls committed inside the window, newest first until it is
   * full, then adds them oldest first (the order in which they leave).
   */
  private void loadRecent() throws SQLException {
    long cutoff = clock.millis() - dedupWindowMillis;
    List<byte[]> keys = new ArrayList<>(); // a commit's keys each, newest first
    List<Long> times = new ArrayList<>(); // and when it was committed
    int calls = 0;
    try (PreparedStatement select =
            writeConnection.prepareStatement(EventLogSchema.KEYS_NEWEST_FIRST);
        ResultSet rows = select.executeQuery()) {
      while (calls < recent.capacity() && rows.next()) {
        long committedAt = rows.getLong(1);
        if (committedAt < cutoff) break;
        byte[] commitKeys = rows.getBytes(2);
        keys.add(commitKeys);
        times.add(committedAt);
        calls += commitKeys.length / EventKeys.BYTES_PER_CALL;
      }
    }
    writeConnection.commit(); // ends the read transaction the driver began
    for (int r = keys.size() - 1; r >= 0; r--) {
      long committedAt = times.get(r);
      EventKeys.reader(keys.get(r))
          .forEach((offset, hash, person) -> recent.add(hash, offset, committedAt));
    }
  }

  /**
   * Keys the calls that no row of event_keys covers: those of a log written before the table
   * existed (every commit since writes its calls' keys with them).
   */
  private void keyUnkeyedCalls() throws SQLException {
    try (PreparedStatement last =
            writeConnection.prepareStatement(EventLogSchema.LAST_KEYED_OFFSET);
        PreparedStatement select = writeConnection.prepareStatement(EventLogSchema.UNKEYED);
        PreparedStatement insertRow =
            writeConnection.prepareStatement(EventLogSchema.INSERT_KEYS)) {
      long after;
      try (ResultSet rows = last.executeQuery()) {
        after = rows.next() ? rows.getLong(1) : 0;
      }
      while (true) {
        select.setLong(1, after);
        select.setInt(2, BACKFILL_CHUNK);
        EventKeys keys = EventKeys.writer(BACKFILL_CHUNK);
        long newest = 0;
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            after = rows.getLong(1);
            keys.add(
                after,
                RecentMessages.hash(rows.getString(2), rows.getString(3)),
                EventKeys.personHash(rows.getString(4)));
            newest = Math.max(newest, rows.getLong(5));
          }
        }
        if (keys.isEmpty()) break;
        insertRow.setLong(1, after);
        insertRow.setLong(2, newest); // the collector's clock: the best left of when it was stored
        insertRow.setBytes(3, keys.bytes());
        insertRow.executeUpdate();
        writeConnection.commit();
      }
      writeConnection.commit();
    }
  }

  private void rollbackQuietly() {
    SqliteFiles.rollbackQuietly(writeConnection);
  }

  @Override
  public List<LogEntry> read(long offset, int limit) {
    synchronized (readConnection) {
      try (PreparedStatement select = readConnection.prepareStatement(EventLogSchema.READ)) {
        select.setLong(1, offset);
        select.setInt(2, limit);
        List<LogEntry> entries = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            entries.add(
                new LogEntry(
                    rows.getLong(1),
                    rows.getString(2),
                    rows.getString(3),
                    rows.getString(4),
                    MessageType.fromWireName(rows.getString(5)),
                    rows.getLong(6),
                    rows.getBytes(7)));
          }
        }
        return entries;
      } catch (SQLException e) {
        throw new StoreUnavailableException(
            "the event log cannot be read: " + e.getMessage(), e, false);
      }
    }
  }

  /**
   * Deletes every entry of the given people (by person key: their userIds and anonymousIds), for a
   * deletion request: finds their calls by scanning the compact keys of {@code event_keys} (20
   * bytes a call), then deletes each, checking its person key. Runs on the read connection, waiting
   * for the writer's lock.
   *
   * @return the number of entries deleted
   */
  public int deletePeople(java.util.Collection<String> personKeys) {
    java.util.Map<Integer, List<String>> keysByHash = new java.util.HashMap<>();
    for (String key : personKeys) {
      keysByHash.computeIfAbsent(EventKeys.personHash(key), h -> new ArrayList<>()).add(key);
    }
    return deleteCalls(
        (connection, delete) -> {
          List<long[]> candidates = new ArrayList<>(); // offset, person hash
          try (PreparedStatement keys = connection.prepareStatement(EventLogSchema.ALL_KEYS);
              ResultSet rows = keys.executeQuery()) {
            while (rows.next()) {
              EventKeys.reader(rows.getBytes(1))
                  .forEach(
                      (offset, hash, person) -> {
                        if (keysByHash.containsKey(person)) {
                          candidates.add(new long[] {offset, person});
                        }
                      });
            }
          }
          int deleted = 0;
          for (long[] candidate : candidates) {
            for (String key : keysByHash.get((int) candidate[1])) {
              deleted += delete.delete(candidate[0], key);
            }
          }
          return deleted;
        });
  }

  /**
   * Deletes these entries (by offset and person key), read from this log before: the calls of a
   * suppressed person that the processor dropped. Runs on the read connection, waiting for the
   * writer's lock.
   *
   * @return the number of entries deleted
   */
  public int deleteEntries(List<LogEntry> entries) {
    return deleteCalls(
        (connection, delete) -> {
          int deleted = 0;
          for (LogEntry entry : entries)
            deleted += delete.delete(entry.offset(), entry.personKey());
          return deleted;
        });
  }

  /** Deletes one call, if it is there, by offset and person key; returns 1 or 0. */
  private interface CallDelete {
    int delete(long offset, String personKey) throws SQLException;
  }

  private interface Deletion {
    int run(Connection connection, CallDelete delete) throws SQLException;
  }

  /** Runs {@code deletion} in one transaction of the read connection. */
  private int deleteCalls(Deletion deletion) {
    synchronized (readConnection) {
      try {
        readConnection.setAutoCommit(false);
        try (PreparedStatement delete =
            readConnection.prepareStatement(EventLogSchema.DELETE_CALL)) {
          int deleted =
              deletion.run(
                  readConnection,
                  (offset, key) -> {
                    delete.setLong(1, offset);
                    delete.setString(2, key);
                    return delete.executeUpdate();
                  });
          readConnection.commit();
          return deleted;
        } catch (SQLException | RuntimeException e) {
          SqliteFiles.rollbackQuietly(readConnection);
          throw e;
        } finally {
          readConnection.setAutoCommit(true);
        }
      } catch (SQLException e) {
        throw new StoreUnavailableException(
            "the event log cannot be written: " + e.getMessage(), e, false);
      }
    }
  }

  /** Stops taking appends, commits what is queued, and closes the file. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    checkpointer.close();
    writer.interrupt();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (insert != null) {
        isStoredAt.close();
        insert.close();
        insertKeys.close();
        readLastOffset.close();
      }
    } catch (SQLException ignored) {
      // closing
    }
    SqliteFiles.closeQuietly(writeConnection);
    synchronized (readConnection) {
      SqliteFiles.closeQuietly(readConnection);
    }
  }

  private static final class PendingAppend {
    final List<LogEntry> entries;
    final CompletableFuture<AppendResult> future;

    PendingAppend(List<LogEntry> entries, CompletableFuture<AppendResult> future) {
      this.entries = entries;
      this.future = future;
    }
  }
}
