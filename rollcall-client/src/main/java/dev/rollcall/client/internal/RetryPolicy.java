package dev.rollcall.client.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * When a failed request is tried again, and after how long; Segment's libraries decide the same
 * way.
 *
 * <p><b>What is retried.</b> Network errors and timeouts (the request may not have arrived), 408
 * (the server gave up waiting for it), 429 (rate limited) and 5xx (the server failed), except 501
 * (not implemented), 505 (HTTP version not supported) and 511 (network authentication required),
 * which fail the same way every time. Any other status is final: a 4xx says the request is wrong
 * and sending the same bytes again cannot help.
 *
 * <p><b>How long to wait.</b> A {@code Retry-After} header, in seconds or as an HTTP date, is
 * obeyed as given. Otherwise exponential backoff with full jitter: before retry {@code n} (from 1)
 * a uniformly random wait in {@code [0, min(maxBackoff, firstBackoff * 2^(n-1)))}. Full jitter
 * spreads the retries of many clients that failed together, so that they do not come back together
 * (M. Brooker, "Exponential Backoff and Jitter", 2015).
 *
 * <p><b>When to stop.</b> After {@code maxRetries} retries, or when the next wait would bring the
 * waits of the batch past {@code maxTotalBackoff}: a batch never waits longer than that in all.
 */
public final class RetryPolicy {
  private final int maxRetries;
  private final long firstBackoffNanos;
  private final long maxBackoffNanos;
  private final long maxTotalBackoffNanos;

  public RetryPolicy(
      int maxRetries, Duration firstBackoff, Duration maxBackoff, Duration maxTotalBackoff) {
    this.maxRetries = maxRetries;
    this.firstBackoffNanos = saturatedNanos(firstBackoff);
    this.maxBackoffNanos = saturatedNanos(maxBackoff);
    this.maxTotalBackoffNanos = saturatedNanos(maxTotalBackoff);
  }

  /** Whether a response with {@code status} is worth trying again. */
  public static boolean isRetryable(int status) {
    return status == 408
        || status == 429
        || (status >= 500 && status <= 599 && status != 501 && status != 505 && status != 511);
  }

  public int maxRetries() {
    return maxRetries;
  }

  public long maxTotalBackoffNanos() {
    return maxTotalBackoffNanos;
  }

  /**
   * The jittered wait before retry {@code retry} (from 1), given {@code random} uniform in [0, 1).
   */
  public long backoffNanos(int retry, double random) {
    long ceiling = firstBackoffNanos;
    for (int i = 1; i < retry && ceiling < maxBackoffNanos; i++) {
      ceiling = ceiling > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : ceiling * 2;
    }
    ceiling = Math.min(ceiling, maxBackoffNanos);
    return (long) (random * ceiling);
  }

  /**
   * The wait a {@code Retry-After} value asks for (nanoseconds), or -1 when there is none or it
   * cannot be read. A date in the past asks for no wait.
   */
  public static long retryAfterNanos(String value, Instant now) {
    if (value == null) {
      return -1;
    }
    String trimmed = value.trim();
    if (trimmed.isEmpty()) {
      return -1;
    }
    if (Character.isDigit(trimmed.charAt(0))) {
      try {
        return saturatedNanos(Duration.ofSeconds(Long.parseLong(trimmed)));
      } catch (NumberFormatException | ArithmeticException e) {
        return -1;
      }
    }
    try {
      Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isAfter(now) ? saturatedNanos(Duration.between(now, at)) : 0;
    } catch (DateTimeParseException | ArithmeticException e) {
      return -1;
    }
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
