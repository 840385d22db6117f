package dev.rollcall.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy =
      new RetryPolicy(10, Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofMinutes(5));

  @Test
  void isRetryable_followsSegmentsLibraries() {
    assertThat(RetryPolicy.isRetryable(408)).isTrue();
    assertThat(RetryPolicy.isRetryable(429)).isTrue();
    assertThat(RetryPolicy.isRetryable(500)).isTrue();
    assertThat(RetryPolicy.isRetryable(503)).isTrue();
    assertThat(RetryPolicy.isRetryable(599)).isTrue();
    assertThat(RetryPolicy.isRetryable(501)).isFalse();
    assertThat(RetryPolicy.isRetryable(505)).isFalse();
    assertThat(RetryPolicy.isRetryable(511)).isFalse();
    assertThat(RetryPolicy.isRetryable(400)).isFalse();
    assertThat(RetryPolicy.isRetryable(404)).isFalse();
    assertThat(RetryPolicy.isRetryable(413)).isFalse();
    assertThat(RetryPolicy.isRetryable(200)).isFalse();
    assertThat(RetryPolicy.isRetryable(302)).isFalse();
  }

  @Test
  void backoff_ceilingDoublesFromFirst_upToMax() {
    double almostOne = Math.nextDown(1.0);
    assertThat(policy.backoffNanos(1, almostOne)).isEqualTo(Duration.ofMillis(500).toNanos() - 1);
    assertThat(policy.backoffNanos(2, almostOne)).isEqualTo(Duration.ofMillis(1000).toNanos() - 1);
    assertThat(policy.backoffNanos(4, almostOne)).isEqualTo(Duration.ofMillis(4000).toNanos() - 1);
    assertThat(policy.backoffNanos(8, almostOne)).isEqualTo(Duration.ofSeconds(60).toNanos() - 1);
    assertThat(policy.backoffNanos(1_000, almostOne))
        .as("no overflow however many retries")
        .isEqualTo(Duration.ofSeconds(60).toNanos() - 1);
  }

  @Test
  void backoff_fullJitter_spansZeroToTheCeiling() {
    assertThat(policy.backoffNanos(3, 0.0)).isZero();
    assertThat(policy.backoffNanos(3, 0.5)).isEqualTo(Duration.ofMillis(1000).toNanos());
  }

  @Test
  void retryAfter_seconds() {
    assertThat(RetryPolicy.retryAfterNanos("120", Instant.EPOCH))
        .isEqualTo(Duration.ofSeconds(120).toNanos());
    assertThat(RetryPolicy.retryAfterNanos(" 0 ", Instant.EPOCH)).isZero();
  }

  @Test
  void retryAfter_httpDate_isTheWaitUntilThen() {
    Instant now = Instant.parse("2015-10-21T07:27:30Z");
    assertThat(RetryPolicy.retryAfterNanos("Wed, 21 Oct 2015 07:28:00 GMT", now))
        .isEqualTo(Duration.ofSeconds(30).toNanos());
    assertThat(RetryPolicy.retryAfterNanos("Wed, 21 Oct 2015 07:00:00 GMT", now))
        .as("a date in the past")
        .isZero();
  }

  @Test
  void retryAfter_absentOrUnreadable_isMinusOne() {
    assertThat(RetryPolicy.retryAfterNanos(null, Instant.EPOCH)).isEqualTo(-1);
    assertThat(RetryPolicy.retryAfterNanos("", Instant.EPOCH)).isEqualTo(-1);
    assertThat(RetryPolicy.retryAfterNanos("soon", Instant.EPOCH)).isEqualTo(-1);
    assertThat(RetryPolicy.retryAfterNanos("-5", Instant.EPOCH)).isEqualTo(-1);
    assertThat(RetryPolicy.retryAfterNanos("99999999999999999999", Instant.EPOCH)).isEqualTo(-1);
  }
}
