package dev.rollcall.destination.delivery;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery is tried again, classified as Segment's own libraries do: network errors
 * (the caller's business), {@code 408}, {@code 429} and every {@code 5xx} except {@code 501},
 * {@code 505} and {@code 511} are retryable; any other status is permanent.
 *
 * <p>The wait before the next attempt is exponential backoff with full jitter: a uniformly random
 * delay in {@code [0, min(cap, base * 2^attempts)]} milliseconds, where {@code attempts} is how
 * many attempts had failed before the one that just failed (0 after the first failure). A {@code
 * Retry-After} header (integer seconds, or an RFC 1123 HTTP date) replaces the backoff when it can
 * be read, and is capped too. After {@code maxAttempts} attempts the delivery is dead ("retries
 * used up").
 *
 * <p>Defaults: base 1 s, cap 10 min per wait, 25 attempts. The 24 waits' windows add up to 9,423 s;
 * with full jitter a delivery is retried for about 78 minutes on average (± 11 min, one standard
 * deviation) before it is dead, so an outage of an hour is usually ridden out and one of a few
 * minutes always is. Safe for concurrent use when the random generator is (a seeded {@link
 * java.util.Random} is).
 */
public final class RetryPolicy {
  public static final Duration DEFAULT_BASE = Duration.ofSeconds(1);
  public static final Duration DEFAULT_CAP = Duration.ofMinutes(10);
  public static final int DEFAULT_MAX_ATTEMPTS = 25;

  private final long baseMillis;
  private final long capMillis;
  private final int maxAttempts;
  private final RandomGenerator random;

  /** The defaults (base 1 s, cap 10 min, 25 attempts) with the given source of jitter. */
  public RetryPolicy(RandomGenerator random) {
    this(DEFAULT_BASE, DEFAULT_CAP, DEFAULT_MAX_ATTEMPTS, random);
  }

  /**
   * @param base the backoff window after the first failure (positive)
   * @param cap the longest single wait, backoff or {@code Retry-After} (at least {@code base})
   * @param maxAttempts attempts in all, the first included, before a delivery is dead (at least 1)
   * @param random the source of jitter; tests pass a seeded one
   */
  public RetryPolicy(Duration base, Duration cap, int maxAttempts, RandomGenerator random) {
    if (random == null) throw new NullPointerException("random == null");
    if (base.toMillis() <= 0) throw new IllegalArgumentException("base must be positive: " + base);
    if (cap.compareTo(base) < 0) throw new IllegalArgumentException("cap < base: " + cap);
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts < 1: " + maxAttempts);
    this.baseMillis = base.toMillis();
    this.capMillis = cap.toMillis();
    this.maxAttempts = maxAttempts;
    this.random = random;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public long baseMillis() {
    return baseMillis;
  }

  public long capMillis() {
    return capMillis;
  }

  /** True for 408, 429 and 5xx except 501, 505 and 511. */
  public boolean isRetryable(int status) {
    if (status == 408 || status == 429) return true;
    return status >= 500 && status <= 599 && status != 501 && status != 505 && status != 511;
  }

  /**
   * True when an attempt that just failed was the last one allowed.
   *
   * @param attempts how many attempts had failed before this one ({@code Delivery.attempts()})
   */
  public boolean usedUp(int attempts) {
    return attempts + 1 >= maxAttempts;
  }

  /** The backoff window for the wait after a failure: {@code min(cap, base * 2^attempts)} ms. */
  public long windowMillis(int attempts) {
    int shift = Math.max(0, Math.min(attempts, 40));
    long window = baseMillis << shift;
    return window <= 0 || window > capMillis || (window >> shift) != baseMillis
        ? capMillis
        : window;
  }

  /**
   * Milliseconds to wait before the next attempt.
   *
   * @param attempts how many attempts had failed before the one that just failed
   * @param retryAfterHeader the response's {@code Retry-After}, or null; used when it is integer
   *     seconds or an RFC 1123 date, ignored otherwise
   * @param nowMillis the current time, ms since the epoch, for a date in {@code Retry-After}
   * @return in {@code [0, cap]}
   */
  public long nextDelayMillis(int attempts, String retryAfterHeader, long nowMillis) {
    long retryAfter = retryAfterMillis(retryAfterHeader, nowMillis);
    if (retryAfter >= 0) return Math.min(retryAfter, capMillis);
    return random.nextLong(windowMillis(attempts) + 1);
  }

  /** The wait a {@code Retry-After} value asks for in ms, or -1 when there is none to read. */
  static long retryAfterMillis(String header, long nowMillis) {
    if (header == null) return -1;
    String value = header.trim();
    if (value.isEmpty()) return -1;
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (value.length() > 12) return Long.MAX_VALUE; // absurdly long; the cap applies
      return Long.parseLong(value) * 1000;
    }
    try {
      long at =
          ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
              .toInstant()
              .toEpochMilli();
      return Math.max(0, at - nowMillis);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }
}
