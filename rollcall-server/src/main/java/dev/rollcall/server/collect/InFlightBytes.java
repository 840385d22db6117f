package dev.rollcall.server.collect;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A budget for the bodies of the requests the collector holds at once: read, parsed, or waiting for
 * their commit. A request reserves its declared length ({@code Content-Length}) when it starts, as
 * its buffer is allocated at that size, then more if its body outgrows that (a chunked body, which
 * declares none) or is inflated; it gives them back when it is answered or its connection closes. A
 * request that does not fit is shed with 503 and Retry-After, as when the log is overloaded.
 *
 * <p>A client that stalls in the middle of its body holds what it declared until the server's idle
 * timeout closes its connection ({@code ServerConfig.DEFAULT_IDLE_TIMEOUT}, 60 s). Counting only
 * the bytes that had arrived let 200 connections that sent headers and stalled hold 90 MB of
 * buffers the budget did not see: enough of them would run the heap out.
 *
 * <h2>Why bytes</h2>
 *
 * The log bounds how many calls wait for it, not how large they are, and a request holds about
 * three times its body until its commit (the body, the calls as stored, the console's copy of each
 * as sent). 400 clients posting batches of 15 calls of 31 KB ran a 512 MB heap out: the log's
 * writer died with an {@link OutOfMemoryError}. With an eighth of the heap for bodies, the same
 * load is answered with 200s and 503s and the server stays up (a sixteenth shed twice as many
 * requests in that test, and kept no less heap).
 *
 * <p>Safe for concurrent use.
 */
final class InFlightBytes {
  private final long budget;
  private final AtomicLong held = new AtomicLong();

  /**
   * @param budget bytes of bodies held at once, at most
   */
  InFlightBytes(long budget) {
    if (budget <= 0) throw new IllegalArgumentException("budget <= 0: " + budget);
    this.budget = budget;
  }

  /** An eighth of the heap the JVM may use. */
  static InFlightBytes ofHeap() {
    return new InFlightBytes(Runtime.getRuntime().maxMemory() / 8);
  }

  /**
   * A reservation of nothing yet, for one request, or null when the budget is spent already: the
   * request is shed before a byte of its body is read.
   */
  Reservation open() {
    return held.get() >= budget ? null : new Reservation();
  }

  /**
   * The bytes one request holds, grown as its body needs them; given back once, however often
   * {@link #release} is called.
   */
  final class Reservation {
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicBoolean released = new AtomicBoolean();

    /**
     * Grows the reservation to {@code total} bytes if it holds fewer; false when they do not fit.
     */
    boolean growTo(long total) {
      long more = total - bytes.get();
      return more <= 0 || grow(more);
    }

    /**
     * Adds {@code more} bytes; false, adding nothing, when they do not fit. A request alone always
     * fits, even beyond the budget: a budget smaller than the body limit must not refuse them all.
     */
    private boolean grow(long more) {
      if (released.get()) return false;
      long now = held.addAndGet(more);
      long mine = bytes.addAndGet(more);
      if (now > budget && now != mine) {
        held.addAndGet(-more);
        bytes.addAndGet(-more);
        return false;
      }
      return true;
    }

    void release() {
      if (released.compareAndSet(false, true)) held.addAndGet(-bytes.get());
    }
  }
}
