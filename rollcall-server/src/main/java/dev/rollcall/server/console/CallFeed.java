package dev.rollcall.server.console;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The last calls the collector saw, accepted or rejected, for the console's live debugger: a
 * fixed-size ring that the collector writes and readers poll.
 *
 * <p>Why a ring that readers poll rather than a list of subscribers the collector pushes to: the
 * collector's cost must not depend on who is watching. {@link #publish} takes a sequence number and
 * stores one reference, whatever the number of debuggers open; it never blocks and never allocates
 * more than the entry itself. Each reader keeps the sequence number of the last entry it saw and
 * asks {@link #since} for what came after. A reader that falls more than {@link #capacity} entries
 * behind (a slow SSE client, a burst of calls) has lost the entries the ring overwrote; {@link
 * Page#missed} tells it how many, and it says so to its client. Memory is bounded by the capacity
 * times the size of an entry, which the collector's 32 KB message limit bounds in turn.
 *
 * <p>Safe for concurrent use: writers on every event loop, readers anywhere.
 */
public final class CallFeed {
  /** Entries kept when no capacity is given: enough for a screen of history, small in memory. */
  public static final int DEFAULT_CAPACITY = 500;

  private final AtomicReferenceArray<FeedEntry> ring;
  private final AtomicLong sequence = new AtomicLong();
  private final LongAdder rejected = new LongAdder();

  public CallFeed(int capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity <= 0: " + capacity);
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  public int capacity() {
    return ring.length();
  }

  /** The sequence number of the newest entry, 0 before the first. */
  public long last() {
    return sequence.get();
  }

  /** Adds an entry, giving it the next sequence number (from 1). Never blocks. */
  public void publish(FeedEntry.Builder entry) {
    long seq = sequence.incrementAndGet();
    FeedEntry built = entry.build(seq);
    if (built.rejected()) rejected.increment();
    ring.set((int) (seq % ring.length()), built);
  }

  /**
   * Replaces the entries of these people (by userId or anonymousId) with {@link
   * FeedEntry#forgotten}: a deleted person's calls leave the debugger with them.
   */
  public void forget(Collection<String> personKeys) {
    if (personKeys.isEmpty()) return;
    Set<String> keys = new HashSet<>(personKeys);
    for (int i = 0; i < ring.length(); i++) {
      FeedEntry entry = ring.get(i);
      if (entry != null && (keys.contains(entry.userId()) || keys.contains(entry.anonymousId()))) {
        ring.compareAndSet(i, entry, entry.forgotten()); // lost to a newer entry: gone anyway
      }
    }
  }

  /** Calls published since start, accepted and rejected. */
  public long total() {
    return sequence.get();
  }

  /** Calls published as rejected since start. */
  public long rejectedTotal() {
    return rejected.sum();
  }

  /**
   * The entries after {@code after}, oldest first, at most {@code limit} of the newest ones, and
   * how many between {@code after} and them are gone from the ring (or beyond the limit).
   */
  public Page since(long after, int limit) {
    long last = sequence.get();
    long from = Math.max(after + 1, Math.max(1, last - ring.length() + 1));
    from = Math.max(from, last - limit + 1);
    List<FeedEntry> entries = new ArrayList<>((int) Math.max(0, last - from + 1));
    long missed = Math.max(0, from - after - 1);
    long cursor = Math.max(after, from - 1);
    for (long seq = from; seq <= last; seq++) {
      FeedEntry entry = ring.get((int) (seq % ring.length()));
      if (entry == null || entry.seq() < seq) {
        break; // numbered but not stored yet: the next read starts here
      }
      if (entry.seq() > seq) {
        missed++; // the ring wrapped past it while we read
      } else {
        entries.add(entry);
      }
      cursor = seq;
    }
    return new Page(entries, missed, cursor);
  }

  /**
   * What {@link #since} found.
   *
   * @param cursor the sequence number to pass to the next {@link #since} call
   */
  public record Page(List<FeedEntry> entries, long missed, long cursor) {}
}
