package dev.rollcall.server.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.Dates;
import java.time.Clock;
import java.time.Instant;

/**
 * Calls and rejects per minute over the last hour, for the console's overview chart.
 *
 * <p>Sampled, not counted: {@link #sample} reads the feed's running totals and adds what changed
 * since the last sample to the current minute's bucket, so the collector pays nothing for the
 * chart. The server samples every few seconds and before each read, so a minute's count is off by
 * at most the calls of one sampling period that straddled a minute boundary.
 */
public final class CallRates {
  /** Minutes of history kept: one hour. */
  public static final int MINUTES = 60;

  /** How often the server samples, in milliseconds. */
  public static final long SAMPLE_MILLIS = 5_000;

  private static final long MINUTE_MILLIS = 60_000;

  private final CallFeed feed;
  private final Clock clock;
  private final long[] calls = new long[MINUTES];
  private final long[] rejects = new long[MINUTES];
  private long currentMinute;
  private long lastTotal;
  private long lastRejected;

  public CallRates(CallFeed feed, Clock clock) {
    this.feed = feed;
    this.clock = clock;
    this.currentMinute = clock.millis() / MINUTE_MILLIS;
    this.lastTotal = feed.total();
    this.lastRejected = feed.rejectedTotal();
  }

  /** Adds the calls since the last sample to the current minute. */
  public synchronized void sample() {
    long minute = clock.millis() / MINUTE_MILLIS;
    advanceTo(minute);
    long total = feed.total();
    long rejected = feed.rejectedTotal();
    long newRejected = rejected - lastRejected;
    int slot = (int) (minute % MINUTES);
    calls[slot] += (total - lastTotal) - newRejected;
    rejects[slot] += newRejected;
    lastTotal = total;
    lastRejected = rejected;
  }

  private void advanceTo(long minute) {
    if (minute <= currentMinute) return;
    long clear = Math.min(minute - currentMinute, MINUTES);
    for (long m = minute - clear + 1; m <= minute; m++) {
      int slot = (int) (m % MINUTES);
      calls[slot] = 0;
      rejects[slot] = 0;
    }
    currentMinute = minute;
  }

  /**
   * {@code {"minutes": [{"minute": "2026-...T10:41:00Z", "calls": 12, "rejected": 1}, ...]}},
   * oldest first, the current (partial) minute last; {@code calls} counts the accepted ones.
   */
  public synchronized ObjectNode toJson() {
    sample();
    ObjectNode json = Json.object();
    ArrayNode minutes = json.putArray("minutes");
    for (long m = currentMinute - MINUTES + 1; m <= currentMinute; m++) {
      int slot = (int) (m % MINUTES);
      ObjectNode bucket = minutes.addObject();
      bucket.put("minute", Dates.format(Instant.ofEpochMilli(m * MINUTE_MILLIS)));
      bucket.put("calls", calls[slot]);
      bucket.put("rejected", rejects[slot]);
    }
    return json;
  }
}
