package dev.rollcall.profile;

import dev.rollcall.internal.Redacted;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
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

  /**
   * Entries read from the log at a time within a chunk. A backlog's chunk grows to 16,000 calls;
   * held whole, a chunk of calls near the 32 KB limit was about 500 MB, more than the heap the
   * server's benchmarks give it (rollcall-bench's LargeCallsDrain ran out of memory under {@code
   * -Xmx512m}), and even one of 1.3 KB calls was 20 MB that each young collection copied during the
   * chunk's second or so. Read in slices, one slice is held at a time: 16 MB at most.
   */
  public static final int DEFAULT_READ_SLICE = 500;

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
  private final int readSlice;
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
  private volatile Consumer<List<LogEntry>> onSuppressed = entries -> {};

  public Processor(EventLog log, ProfileStore store, int chunk) {
    this(log, store, chunk, DEFAULT_READ_SLICE);
  }

  /**
   * @param readSlice entries read from the log at a time ({@link #DEFAULT_READ_SLICE})
   */
  public Processor(EventLog log, ProfileStore store, int chunk, int readSlice) {
    if (chunk <= 0) throw new IllegalArgumentException("chunk <= 0: " + chunk);
    if (readSlice <= 0) throw new IllegalArgumentException("readSlice <= 0: " + readSlice);
    this.log = log;
    this.store = store;
    this.chunk = chunk;
    this.readSlice = readSlice;
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
    Chunk chunk = new Chunk(checkpoint, size);
    if (!chunk.hasEntries()) {
      return 0;
    }
    List<LogEntry> dropped = new ArrayList<>();
    long[] counts =
        store.write(
            writer -> {
              chunk.rewind(); // a store may run this again after a conflict
              dropped.clear();
              long[] c = new long[CallApplier.Result.values().length];
              for (List<LogEntry> slice = chunk.next(); !slice.isEmpty(); slice = chunk.next()) {
                for (LogEntry entry : slice) {
                  CallApplier.Result result = CallApplier.apply(writer, entry);
                  c[result.ordinal()]++;
                  if (result == CallApplier.Result.SUPPRESSED) dropped.add(entry);
                }
              }
              writer.setCheckpoint(chunk.last);
              return c;
            });
    if (!dropped.isEmpty()) tellSuppressed(dropped);
    long last = chunk.last;
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
    return chunk.read;
  }

  /**
   * The entries of one chunk, read from the log a slice at a time ({@link #readSlice}): the first
   * slice before the transaction (no transaction for an empty log), each next one when the one
   * before was applied. A slice is forgotten once handed out, so a transaction run again reads the
   * chunk again from its start ({@link #rewind}).
   */
  private final class Chunk {
    private final long start;
    private final int size;
    private List<LogEntry> first;
    private boolean exhausted; // the last read found fewer entries than it asked for
    int read;
    long last;

    Chunk(long after, int size) {
      this.start = after;
      this.size = size;
      this.last = after;
      this.first = readAfterLast();
    }

    /** Back to the chunk's start, unless nothing was handed out yet. */
    void rewind() {
      if (first != null) return;
      last = start;
      read = 0;
      exhausted = false;
    }

    boolean hasEntries() {
      return !first.isEmpty();
    }

    /** The next slice; empty when the chunk is full or the log has no more now. */
    List<LogEntry> next() {
      List<LogEntry> slice = first;
      first = null;
      if (slice == null) {
        slice = read < size && !exhausted ? readAfterLast() : List.of();
      }
      return slice;
    }

    private List<LogEntry> readAfterLast() {
      int limit = Math.min(readSlice, size - read);
      List<LogEntry> slice = log.read(last, limit);
      exhausted = slice.size() < limit;
      read += slice.size();
      if (!slice.isEmpty()) last = slice.get(slice.size() - 1).offset();
      return slice;
    }
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

  /**
   * Hands the calls of suppressed people that a chunk dropped to {@code listener}, after the chunk
   * is committed: the embedded server deletes them from the event log and the console's feed, so
   * that nothing of a forgotten person's later calls stays behind. Set it before {@link #start}.
   */
  public void onSuppressed(Consumer<List<LogEntry>> listener) {
    if (listener == null) throw new NullPointerException("listener == null");
    this.onSuppressed = listener;
  }

  private void tellSuppressed(List<LogEntry> dropped) {
    try {
      onSuppressed.accept(dropped);
    } catch (RuntimeException e) {
      // they stay where they are, and stay dropped: the ids are still suppressed on any replay
      LOG.warn(
          "{} calls of suppressed people could not be deleted after they were dropped",
          dropped.size(),
          Redacted.of(e));
      LOG.debug("deleting the calls of suppressed people failed", e);
    }
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
