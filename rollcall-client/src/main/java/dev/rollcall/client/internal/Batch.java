package dev.rollcall.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** Messages sent in one request, and what its attempts have cost so far. */
final class Batch {
  final List<Entry> entries;

  /** The request body's size before compression (bytes), envelope included. */
  int bodyBytes = BatchEncoder.ENVELOPE_BYTES - 1; // the first message adds no comma

  /** Requests made for this batch. */
  int attempts;

  /** The waits between them so far (nanoseconds). */
  long backoffNanos;

  /** Completes once every message of the batch has been reported. */
  final CompletableFuture<Void> done = new CompletableFuture<>();

  private final AtomicBoolean finished = new AtomicBoolean();

  Batch() {
    this(16);
  }

  /** A batch with room for {@code expected} messages before its list grows. */
  Batch(int expected) {
    this.entries = new ArrayList<>(expected);
  }

  /** The body's size with {@code entry} added (bytes). */
  int bodyBytesWith(Entry entry) {
    return bodyBytes + 1 + entry.json.length;
  }

  void add(Entry entry) {
    bodyBytes = bodyBytesWith(entry);
    entries.add(entry);
  }

  int size() {
    return entries.size();
  }

  /** True for the one caller that gets to report this batch's outcome. */
  boolean finish() {
    return finished.compareAndSet(false, true);
  }

  boolean isFinished() {
    return finished.get();
  }
}
