package dev.rollcall.storage.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * Copies a SQLite file's WAL into the database file on a thread and connection of its own, so that
 * the file's writer keeps committing while it copies.
 *
 * <h2>Why not on the writer thread</h2>
 *
 * Under a load of 80,000 calls/s the event log's WAL grows by about 80 MB a second. Its writer
 * copied that into the database file and fsync'ed it once a second, a few hundred milliseconds
 * during which no commit happened and every request in flight waited: the collector's p99 latency
 * was about 0.5 s (BENCHMARKS.md, "Collector"). The profile store's commits did the same inside the
 * processor's thread, SQLite's automatic checkpoint. A PASSIVE checkpoint on another connection
 * runs beside the writer's commits: SQLite copies the frames committed before it started while new
 * ones are appended behind them.
 *
 * <h2>Why the writer still finishes it</h2>
 *
 * SQLite starts the WAL over (instead of growing it) only when a write transaction begins with
 * every frame copied. While the writer commits every few milliseconds, a checkpoint on another
 * thread never catches the WAL's end: under a steady load the file would grow without bound. So
 * this thread copies in passes until what is left is small ({@link #FINISH_FRAMES}), and then cues
 * the writer ({@link #afterCommit}), which copies that rest itself between two commits, a short
 * stall instead of a long one; its next commit starts the WAL over.
 */
final class WalCheckpointer implements AutoCloseable {
  /** Frames (4 KiB pages) left uncopied below which the writer finishes the checkpoint: 4 MiB. */
  private static final int FINISH_FRAMES = 1_024;

  /**
   * Passes of one round at most: each copies what came during the one before, so the rest shrinks
   * as long as copying is faster than the load writes; when it is not, the writer finishes anyway
   * after this many, copying the rest itself as the log's writer always did.
   */
  private static final int MAX_PASSES = 4;

  private final Connection connection;
  private final long everyMillis;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean finishCue;

  /** Whether the writer committed since the last round: an idle file is left alone. */
  private volatile boolean committed;

  private WalCheckpointer(Connection connection, long everyMillis, String threadName) {
    this.connection = connection;
    this.everyMillis = everyMillis;
    this.thread = new Thread(this::loop, threadName);
    this.thread.setDaemon(true);
  }

  /**
   * Takes the copying over from {@code writer}, the file's one writing connection, whose own
   * checkpoint (inside whichever commit passes SQLite's threshold) it turns off, and opens its own
   * connection to {@code file}; {@link #start} starts the thread, which copies what was committed
   * every {@code everyMillis}.
   */
  static WalCheckpointer open(
      Path file,
      Connection writer,
      SqliteFiles.Durability durability,
      long everyMillis,
      String threadName)
      throws SQLException {
    try (Statement statement = writer.createStatement()) {
      statement.execute("PRAGMA wal_autocheckpoint = 0");
    }
    return new WalCheckpointer(SqliteFiles.connect(file, durability), everyMillis, threadName);
  }

  void start() {
    thread.start();
  }

  /**
   * Called by the writer, on its connection, after each commit: when a round of passes has left
   * little to copy, copies that rest, so that the next commit starts the WAL over.
   */
  void afterCommit(Connection writer) {
    committed = true;
    if (finishCue) {
      finishCue = false;
      checkpoint(writer);
    }
  }

  private void loop() {
    while (running) {
      try {
        Thread.sleep(everyMillis);
      } catch (InterruptedException e) {
        continue; // close() interrupts only to hurry the loop; the flag decides
      }
      if (!committed) continue;
      committed = false;
      if (round()) finishCue = true;
    }
  }

  /** Copies in passes; true when there were frames to copy and the writer should finish. */
  private boolean round() {
    boolean copied = false;
    for (int pass = 0; pass < MAX_PASSES && running; pass++) {
      long[] frames = checkpoint(connection);
      if (frames == null) return copied; // another checkpoint is running, or it failed
      copied |= frames[1] > 0;
      if (frames[0] - frames[1] <= FINISH_FRAMES) break;
    }
    return copied;
  }

  /**
   * A PASSIVE checkpoint on {@code connection}: {frames in the WAL, frames copied}, or null when it
   * could not run (another one holds the lock, or an error: housekeeping, the next one tries).
   */
  static long[] checkpoint(Connection connection) {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      if (!row.next() || row.getInt(1) != 0) return null;
      return new long[] {row.getLong(2), row.getLong(3)};
    } catch (SQLException e) {
      return null;
    }
  }

  @Override
  public void close() {
    running = false;
    if (thread.isAlive()) {
      thread.interrupt();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    SqliteFiles.closeQuietly(connection);
  }
}
