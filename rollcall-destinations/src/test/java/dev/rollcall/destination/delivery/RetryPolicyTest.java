package dev.rollcall.destination.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RetryPolicyTest {
  private static final long NOW = Instant.parse("2024-01-02T03:04:05Z").toEpochMilli();

  private final RetryPolicy policy = new RetryPolicy(new Random(7));

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 502, 503, 504, 599})
  void isRetryable_transientStatuses(int status) {
    assertThat(policy.isRetryable(status)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 301, 400, 401, 403, 404, 409, 422, 501, 505, 511})
  void isRetryable_permanentStatuses(int status) {
    assertThat(policy.isRetryable(status)).isFalse();
  }

  @Test
  void defaults() {
    assertThat(policy.baseMillis()).isEqualTo(1_000);
    assertThat(policy.capMillis()).isEqualTo(600_000);
    assertThat(policy.maxAttempts()).isEqualTo(25);
    assertThat(policy.usedUp(23)).isFalse();
    assertThat(policy.usedUp(24)).isTrue();
  }

  @Test
  void retryAfter_seconds() {
    assertThat(policy.nextDelayMillis(3, "7", NOW)).isEqualTo(7_000);
    assertThat(policy.nextDelayMillis(0, " 0 ", NOW)).isZero();
  }

  @Test
  void retryAfter_httpDate() {
    String in90s =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.ofEpochMilli(NOW + 90_000).atZone(ZoneOffset.UTC));
    assertThat(policy.nextDelayMillis(0, in90s, NOW)).isEqualTo(90_000);
    assertThat(policy.nextDelayMillis(0, "Tue, 02 Jan 2024 03:04:05 GMT", NOW)).isZero();
    assertThat(policy.nextDelayMillis(0, "Mon, 01 Jan 2024 00:00:00 GMT", NOW)).isZero();
  }

  @Test
  void retryAfter_capped() {
    assertThat(policy.nextDelayMillis(0, "86400", NOW)).isEqualTo(600_000);
    assertThat(policy.nextDelayMillis(0, "99999999999999999999", NOW)).isEqualTo(600_000);
    assertThat(policy.nextDelayMillis(0, "Fri, 01 Jan 2100 00:00:00 GMT", NOW)).isEqualTo(600_000);
  }

  @Test
  void retryAfter_unreadable_fallsBackToBackoff() {
    for (String header : new String[] {"soon", "-5", "1.5", ""}) {
      assertThat(policy.nextDelayMillis(0, header, NOW)).isBetween(0L, 1_000L);
    }
  }

  @Test
  void backoff_windowDoublesUpToTheCap() {
    assertThat(policy.windowMillis(0)).isEqualTo(1_000);
    assertThat(policy.windowMillis(1)).isEqualTo(2_000);
    assertThat(policy.windowMillis(9)).isEqualTo(512_000);
    assertThat(policy.windowMillis(10)).isEqualTo(600_000);
    assertThat(policy.windowMillis(63)).isEqualTo(600_000);
    assertThat(policy.windowMillis(Integer.MAX_VALUE)).isEqualTo(600_000);
  }

  @Test
  void backoff_fullJitter_spreadsOverTheWholeWindow() {
    for (int attempts = 0; attempts < 14; attempts++) {
      long window = policy.windowMillis(attempts);
      long min = Long.MAX_VALUE;
      long max = 0;
      for (int i = 0; i < 2_000; i++) {
        long delay = policy.nextDelayMillis(attempts, null, NOW);
        assertThat(delay).isBetween(0L, window);
        min = Math.min(min, delay);
        max = Math.max(max, delay);
      }
      assertThat(min).isLessThan(window / 10);
      assertThat(max).isGreaterThan(window * 9 / 10);
    }
  }

  @Test
  void backoff_seededRandom_isReproducible() {
    RetryPolicy a = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), 5, new Random(1));
    RetryPolicy b = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), 5, new Random(1));
    for (int i = 0; i < 10; i++) {
      assertThat(a.nextDelayMillis(i, null, NOW)).isEqualTo(b.nextDelayMillis(i, null, NOW));
    }
  }
}
