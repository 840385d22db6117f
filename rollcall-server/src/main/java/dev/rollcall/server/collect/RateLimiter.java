package dev.rollcall.server.collect;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The per-write-key rate limit: each source (write key) may send {@code callsPerSecond} calls per
 * second on average, and up to {@code burst} at once after a quiet spell.
 *
 * <p>Design: one generic cell rate algorithm (GCRA, the token bucket's single-number form) per
 * source. Its state is the theoretical arrival time (TAT): the moment the source's bucket would be
 * empty again if it sent nothing more. A call costs an emission interval (1/rate); a request is let
 * in while {@code TAT - now <= (burst - 1) × interval}, and its calls then push TAT on by their
 * number. That one number fits an {@link AtomicLong}, so the collector's event loops share a
 * source's state with a compare-and-set and no lock; the map of sources is built once and only
 * read. A request is judged before its body is read (when its key is in the header) and charged
 * once its messages are counted, so a batch larger than the burst still gets in when the bucket is
 * not in debt, and then waits it off: big batches are never starved, and the average holds.
 *
 * <p>Time comes from an injected nanosecond ticker ({@link System#nanoTime} in the server).
 */
public final class RateLimiter {
  /** No limit: every call is let in, at the cost of one field read. */
  public static final RateLimiter NONE = new RateLimiter(0, 0, List.of(), System::nanoTime);

  private final long intervalNanos;
  private final long toleranceNanos;
  private final double callsPerSecond;
  private final Map<String, AtomicLong> arrivals;
  private final LongSupplier nanoTime;

  /**
   * @param callsPerSecond the average each source may send; 0 for no limit
   * @param burst calls a source may send at once after a quiet spell (at least 1)
   * @param sourceIds the sources known at start (every write key's source id)
   * @param nanoTime the clock, in nanoseconds, as {@link System#nanoTime}
   */
  public RateLimiter(
      double callsPerSecond, int burst, List<String> sourceIds, LongSupplier nanoTime) {
    if (callsPerSecond < 0 || Double.isNaN(callsPerSecond) || Double.isInfinite(callsPerSecond)) {
      throw new IllegalArgumentException("callsPerSecond < 0: " + callsPerSecond);
    }
    if (callsPerSecond > 0 && burst < 1) throw new IllegalArgumentException("burst < 1: " + burst);
    this.callsPerSecond = callsPerSecond;
    this.intervalNanos = callsPerSecond == 0 ? 0 : Math.max(1, (long) (1e9 / callsPerSecond));
    this.toleranceNanos = (burst - 1L) * intervalNanos;
    this.nanoTime = nanoTime;
    Map<String, AtomicLong> map = new HashMap<>();
    long now = nanoTime.getAsLong();
    for (String id : sourceIds) map.put(id, new AtomicLong(now));
    this.arrivals = Map.copyOf(map);
  }

  public boolean enabled() {
    return intervalNanos > 0;
  }

  public double callsPerSecond() {
    return callsPerSecond;
  }

  /** A rate as people write it: {@code 5}, {@code 0.5}. */
  static String format(double callsPerSecond) {
    return callsPerSecond == Math.rint(callsPerSecond)
        ? Long.toString((long) callsPerSecond)
        : Double.toString(callsPerSecond);
  }

  /**
   * Zero when {@code sourceId} may send now, else how many whole seconds it should wait (at least
   * 1), for {@code Retry-After}.
   */
  public long retryAfterSeconds(String sourceId) {
    if (intervalNanos == 0) return 0;
    AtomicLong tat = arrivals.get(sourceId);
    if (tat == null) return 0;
    long wait = tat.get() - toleranceNanos - nanoTime.getAsLong();
    return wait <= 0 ? 0 : Math.max(1, (wait + 999_999_999) / 1_000_000_000);
  }

  /** Counts {@code calls} calls of {@code sourceId} as sent now. */
  public void charge(String sourceId, int calls) {
    if (intervalNanos == 0 || calls <= 0) return;
    AtomicLong tat = arrivals.get(sourceId);
    if (tat == null) return;
    long now = nanoTime.getAsLong();
    long cost = calls * intervalNanos;
    tat.getAndUpdate(t -> (t - now > 0 ? t : now) + cost); // nanoTime: compare by difference
  }
}
