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
 * <p>The writer also copies the WAL back into the database file itself (a passive checkpoint every
 * second under load, and when idle) after answering, instead of letting SQLite do it inside
 * whichever commit crosses the threshold, which held that commit's requests for the copy's
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
 * Table {@code dedup} holds (source, messageId, when the log last stored it, by the log's clock).
 * An entry whose pair is there inside the window is skipped; one outside the window refreshes the
 * row and is stored. Old rows are pruned a few thousand at a time between commits, oldest first.
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

  /** How often the writer checkpoints the WAL under continuous load (ms). */
  private static final long CHECKPOINT_EVERY_MILLIS = 1_000;

  /** Dedup rows inspected per prune, between commits. */
  private static final int PRUNE_BATCH = 5_000;

  private final Connection writeConnection;
  private final Connection readConnection;
  private final Clock clock;
  private final long dedupWindowMillis;
  private final int maxPendingEntries;
  private final BlockingQueue<PendingAppend> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger pendingEntries = new AtomicInteger();
  private final Thread writer;
  private final List<CommitListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean running = true;
  private volatile boolean writable = true;

  /** The writer thread's statements, prepared once. */
  private PreparedStatement dedup;

  private PreparedStatement insert;

  /** When the writer last copied the WAL into the database file (ms, from the clock). */
  private long lastCheckpointMillis;

  private SqliteEventLog(
      Connection writeConnection,
      Connection readConnection,
      Clock clock,
      Duration dedupWindow,
      int maxPendingEntries) {
    this.writeConnection = writeConnection;
    this.readConnection = readConnection;
    this.clock = clock;
    this.dedupWindowMillis = dedupWindow.toMillis();
    this.maxPendingEntries = maxPendingEntries;
    this.writer = new Thread(this::writeLoop, "rollcall-log-writer");
    this.writer.setDaemon(true);
  }

  /** Opens (creating or migrating) the log in {@code file} and starts its writer. */
  public static SqliteEventLog open(
      Path file, Clock clock, Duration dedupWindow, int maxPendingEntries) throws SQLException {
    if (maxPendingEntries <= 0) {
      throw new IllegalArgumentException("maxPendingEntries <= 0: " + maxPendingEntries);
    }
    Connection write = SqliteFiles.connect(file);
    try {
      SqliteFiles.migrate(write, EventLogSchema.MIGRATIONS);
      try (java.sql.Statement statement = write.createStatement()) {
        statement.execute(
            "PRAGMA wal_autocheckpoint = 0"); // the writer checkpoints itself, see checkpoint()
      }
      write.setAutoCommit(false);
      Connection read = SqliteFiles.connect(file);
      SqliteEventLog log = new SqliteEventLog(write, read, clock, dedupWindow, maxPendingEntries);
      log.writer.start();
      return log;
    } catch (SQLException | RuntimeException e) {
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
      if (first == null) {
        pruneDedup();
        checkpoint();
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
      if (System.nanoTime() / 1_000_000 - lastCheckpointMillis >= CHECKPOINT_EVERY_MILLIS) {
        checkpoint();
      }
    }
  }

  private void commit(List<PendingAppend> group, int entries) {
    long start = System.nanoTime();
    long now = clock.millis();
    AppendResult[] results = new AppendResult[group.size()];
    try {
      if (dedup == null) {
        dedup = writeConnection.prepareStatement(EventLogSchema.DEDUP_UPSERT);
        insert = writeConnection.prepareStatement(EventLogSchema.INSERT_EVENT);
      }
      long cutoff = now - dedupWindowMillis;
      for (int g = 0; g < group.size(); g++) {
        int appended = 0;
        int duplicates = 0;
        for (LogEntry entry : group.get(g).entries) {
          dedup.setString(1, entry.sourceId());
          dedup.setString(2, entry.messageId());
          dedup.setLong(3, now); // the log's clock, the one the cutoff is read from
          dedup.setLong(4, cutoff);
          if (dedup.executeUpdate() == 0) {
            duplicates++;
            continue;
          }
          insert.setString(1, entry.sourceId());
          insert.setString(2, entry.messageId());
          insert.setString(3, entry.personKey());
          insert.setString(4, entry.type().wireName());
          insert.setLong(5, entry.receivedAtMillis());
          insert.setBytes(6, entry.json());
          insert.executeUpdate();
          appended++;
        }
        results[g] = new AppendResult(appended, duplicates);
      }
      writeConnection.commit();
      writable = true;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      writable = false;
      dedup = null; // prepared again on the next commit, in case the connection was reset
      insert = null;
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

  /**
   * Copies the WAL into the database file, after the futures of the last commit were completed, so
   * that no acknowledgement waits for it (SQLite would otherwise do it inside a commit once the WAL
   * passes its threshold). PASSIVE: it never blocks readers.
   */
  private void checkpoint() {
    lastCheckpointMillis = System.nanoTime() / 1_000_000;
    try (java.sql.Statement statement = writeConnection.createStatement()) {
      statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (SQLException e) {
      // housekeeping: the next one tries again
    }
  }

  private void pruneDedup() {
    try (PreparedStatement prune = writeConnection.prepareStatement(EventLogSchema.DEDUP_PRUNE)) {
      prune.setInt(1, PRUNE_BATCH);
      prune.setLong(2, clock.millis() - dedupWindowMillis);
      prune.executeUpdate();
      writeConnection.commit();
    } catch (SQLException e) {
      rollbackQuietly(); // pruning is housekeeping: the next idle moment tries again
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
   * deletion request. Runs on the read connection, waiting for the writer's lock.
   *
   * @return the number of entries deleted
   */
  public int deletePeople(java.util.Collection<String> personKeys) {
    synchronized (readConnection) {
      try (PreparedStatement delete =
          readConnection.prepareStatement(EventLogSchema.DELETE_PERSON)) {
        int deleted = 0;
        for (String key : personKeys) {
          delete.setString(1, key);
          deleted += delete.executeUpdate();
        }
        return deleted;
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
    writer.interrupt();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (dedup != null) dedup.close();
      if (insert != null) insert.close();
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
