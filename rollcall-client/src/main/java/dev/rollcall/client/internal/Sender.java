package dev.rollcall.client.internal;

import dev.rollcall.client.DeliveryException;
import dev.rollcall.client.DeliveryException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that turns the queue into batches. It takes what the application threads enqueued
 * ({@link Entry}s and {@link FlushMarker}s, in order) and closes a batch when it holds {@code
 * flushAt} messages, when the next message would take the body past {@link #MAX_BATCH_BYTES}, when
 * {@code flushInterval} has passed since the batch's first message, or at a flush marker; then
 * hands it to the {@link Uploader}. A flush marker completes when every batch started before it has
 * been delivered or failed. A stop marker ends the thread; so does an interrupt (close() out of
 * time), after the messages still here are failed as {@link Reason#CLOSED}.
 *
 * <p>Draining the queue in runs ({@link BlockingQueue#drainTo}) takes its lock once per run, not
 * once per message. A run is at most what fills the batch in progress, so that messages held here
 * are at most one batch: memory is bounded by {@code maxQueueSize + (maxInFlight + 1) * flushAt}
 * messages.
 */
public final class Sender implements Runnable {
  /** Segment's limit for a batch request (bytes, before compression). */
  public static final int MAX_BATCH_BYTES = 500 * 1024;

  private static final int DRAIN = 1024;

  private final BlockingQueue<Object> queue;
  private final int flushAt;
  private final long flushIntervalNanos;
  private final Uploader uploader;
  private final Delivery delivery;
  private final List<Object> drained = new ArrayList<>(DRAIN);
  private Batch batch;
  private long batchDeadline;

  public Sender(
      BlockingQueue<Object> queue,
      int flushAt,
      long flushIntervalNanos,
      Uploader uploader,
      Delivery delivery) {
    this.queue = queue;
    this.flushAt = flushAt;
    this.flushIntervalNanos = flushIntervalNanos;
    this.uploader = uploader;
    this.delivery = delivery;
  }

  @Override
  public void run() {
    try {
      while (true) {
        Object first =
            batch == null
                ? queue.take()
                : queue.poll(batchDeadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (first == null) { // the interval passed
          send();
          continue;
        }
        drained.add(first);
        // no more than the batch has room for: what the sender holds stays within one batch, and
        // the queue's bound stays the bound on what waits
        int room = flushAt - (batch == null ? 0 : batch.size());
        queue.drainTo(drained, Math.min(DRAIN, room) - 1);
        for (int i = 0; i < drained.size(); i++) {
          // an item leaves the list only once it is in a batch or done with, so that what is
          // left after a stop or an interrupt is exactly what was not taken
          Object item = drained.get(i);
          if (item instanceof Entry) {
            Entry entry = (Entry) item;
            if (batch != null && batch.bodyBytesWith(entry) > MAX_BATCH_BYTES) {
              send();
            }
            drained.set(i, null);
            add(entry);
          } else {
            boolean stop = take((FlushMarker) item);
            drained.set(i, null);
            if (stop) {
              return;
            }
          }
        }
        drained.clear();
      }
    } catch (InterruptedException e) {
      // close() ran out of time: what has not been sent is failed below
    } finally {
      if (batch != null) {
        failAll(batch.entries);
        batch = null;
      }
      failRest();
    }
  }

  private void add(Entry entry) throws InterruptedException {
    if (batch == null) {
      batch = new Batch(Math.min(flushAt, DRAIN));
      batchDeadline = System.nanoTime() + flushIntervalNanos;
    }
    batch.add(entry);
    if (batch.size() >= flushAt) {
      send();
    }
  }

  /** Sends what came before the marker; answers whether the sender stops. */
  private boolean take(FlushMarker marker) throws InterruptedException {
    if (batch != null) {
      send();
    }
    uploader.idle().whenComplete((ignored, error) -> marker.done.complete(null));
    return marker.stop;
  }

  private void send() throws InterruptedException {
    uploader.start(batch); // an interrupt while waiting leaves the batch here, to be failed
    batch = null;
  }

  /**
   * Fails the entries left in the drained list and those still in the queue; completes the flush
   * markers among them.
   */
  private void failRest() {
    List<Object> rest = new ArrayList<>();
    for (Object item : drained) {
      if (item != null) {
        rest.add(item);
      }
    }
    drained.clear();
    queue.drainTo(rest);
    List<Entry> entries = new ArrayList<>();
    for (Object item : rest) {
      if (item instanceof Entry) {
        entries.add((Entry) item);
      } else {
        ((FlushMarker) item).done.complete(null);
      }
    }
    failAll(entries);
  }

  private void failAll(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    DeliveryException closed =
        new DeliveryException(
            Reason.CLOSED, 0, "the client was closed before the message was sent", null);
    for (Entry entry : entries) {
      delivery.failure(entry.message, closed);
    }
  }
}
