package dev.rollcall.profile;

import dev.rollcall.internal.Redacted;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the event log from the store's checkpoint and applies each call to the profiles.
 *
 * <p>Calls are applied in chunks, one transaction each, and the checkpoint moves in the same
 * transaction: after a crash the processor starts again from the last committed chunk, and since
 * applying is idempotent by messageId, no call is lost and none counts twice. One processor runs
 * per store; {@link #wake()} tells it new calls were committed, so it need not poll fast.
 */
public final class Processor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Processor.class);

  /** Calls per transaction: large enough to amortize the commit, small enough to keep lag low. */
  public static final int DEFAULT_CHUNK = 2_000;

  /**
   * How many times the chunk a backlog may grow to: while each read fills the chunk, the next one
   * reads twice as many, up to this many chunks. A transaction's cost is mostly the pages it
   * dirties, and calls in random order (the indexes by messageId and by profile) dirty a page each
   * in a small chunk but share pages in a large one; a backlog's calls wait for the whole backlog
   * anyway, so larger chunks cost them no lag. The next partial read starts small again.
   */
  static final int MAX_GROWTH = 8;

  /** How long the loop sleeps without a wake-up before it looks at the log again (ms). */
  private static final long IDLE_POLL_MILLIS = 200;

  /**
   * After a partial chunk, how long the loop waits for more calls before the next transaction (ms).
   * Waking on every commit of the log made many small transactions under load, each with its fixed
   * cost, and took CPU from the collector; a backlog of this much is cheap lag.
   */
  private static final long GATHER_MILLIS = 50;

  /** How long it waits after a failing chunk before trying again (ms). */
  private static final long RETRY_MILLIS = 1_000;

  private final EventLog log;
  private final ProfileStore store;
  private final int chunk;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private final AtomicLong alreadyApplied = new AtomicLong();
  private final AtomicLong unreadable = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition committed = lock.newCondition();
  private volatile long checkpoint = -1;
  private volatile boolean running;
  private volatile boolean closing;
  private boolean woken;
  private Thread thread;

  public Processor(EventLog log, ProfileStore store, int chunk) {
    if (chunk <= 0) throw new IllegalArgumentException("chunk <= 0: " + chunk);
    this.log = log;
    this.store = store;
    this.chunk = chunk;
  }

  /**
   * Applies every call in the log now, or until {@link #close()} is called (between chunks, so a
   * long backlog does not keep the store busy past shutdown); returns how many entries it read.
   */
  public long drain() {
    long total = 0;
    int size = chunk;
    int read;
    do {
      read = applyNextChunk(size);
      total += read;
      if (read < size) break;
      size = (int) Math.min(2L * size, (long) chunk * MAX_GROWTH);
    } while (!closing);
    return total;
  }

  private int applyNextChunk(int size) {
    if (checkpoint < 0) {
      checkpoint = store.checkpoint();
    }
    List<LogEntry> entries = log.read(checkpoint, size);
    if (entries.isEmpty()) {
      return 0;
    }
    long last = entries.get(entries.size() - 1).offset();
    long[] counts =
        store.write(
            writer -> {
              long[] c = new long[CallApplier.Result.values().length];
              for (LogEntry entry : entries) {
                c[CallApplier.apply(writer, entry).ordinal()]++;
              }
              writer.setCheckpoint(last);
              return c;
            });
    applied.addAndGet(counts[CallApplier.Result.APPLIED.ordinal()]);
    alreadyApplied.addAndGet(counts[CallApplier.Result.ALREADY_APPLIED.ordinal()]);
    suppressed.addAndGet(counts[CallApplier.Result.SUPPRESSED.ordinal()]);
    long unreadableNow = counts[CallApplier.Result.UNREADABLE.ordinal()];
    if (unreadableNow > 0) {
      unreadable.addAndGet(unreadableNow);
      LOG.error(
          "{} stored calls up to log offset {} are not readable messages; skipped",
          unreadableNow,
          last);
    }
    checkpoint = last;
    return entries.size();
  }

  /** Starts applying in a thread of its own until {@link #close()}. */
  public synchronized void start() {
    if (thread != null) return;
    running = true;
    thread = new Thread(this::loop, "rollcall-processor");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      try {
        drain(); // returns once a read finds less than a chunk: caught up
        // then gathers, even if calls came meanwhile: draining again at once took the few that
        // came during the last chunk, many small transactions under a steady load
        awaitWake();
        sleep(GATHER_MILLIS);
      } catch (RuntimeException e) {
        LOG.error(
            "applying calls to profiles failed; retrying in {} ms", RETRY_MILLIS, Redacted.of(e));
        LOG.debug("applying calls to profiles failed", e);
        checkpoint = -1; // read it again: the failed transaction was rolled back
        sleep(RETRY_MILLIS);
      }
    }
  }

  /** Tells the processor that the log has new calls. */
  public void wake() {
    lock.lock();
    try {
      woken = true;
      committed.signal();
    } finally {
      lock.unlock();
    }
  }

  private void awaitWake() {
    lock.lock();
    try {
      if (!woken) {
        committed.await(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
      }
      woken = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How long the oldest call not applied yet has waited, in milliseconds; 0 when none waits. */
  public long lagMillis(Clock clock) {
    long from = checkpoint >= 0 ? checkpoint : store.checkpoint();
    List<LogEntry> next = log.read(from, 1);
    return next.isEmpty() ? 0 : Math.max(0, clock.millis() - next.get(0).receivedAtMillis());
  }

  /** Offset of the last applied log entry. */
  public long checkpoint() {
    return checkpoint >= 0 ? checkpoint : store.checkpoint();
  }

  public long applied() {
    return applied.get();
  }

  public long suppressed() {
    return suppressed.get();
  }

  public long alreadyApplied() {
    return alreadyApplied.get();
  }

  /** Stored calls skipped because they are not readable messages (should stay 0). */
  public long unreadable() {
    return unreadable.get();
  }

  @Override
  public void close() {
    Thread t;
    closing = true;
    synchronized (this) {
      running = false;
      t = thread;
      thread = null;
    }
    if (t != null) {
      wake();
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
