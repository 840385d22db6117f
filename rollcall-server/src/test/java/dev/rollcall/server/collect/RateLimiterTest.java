package dev.rollcall.server.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(5 * SECOND);

  private RateLimiter limiter(double perSecond, int burst) {
    return new RateLimiter(perSecond, burst, List.of("src_a", "src_b"), now::get);
  }

  @Test
  void burst_isLetInAtOnce_thenTheNextWaitsOneInterval() {
    RateLimiter limiter = limiter(10, 5);

    for (int i = 0; i < 5; i++) {
      assertThat(limiter.retryAfterSeconds("src_a")).as("call %d", i).isZero();
      limiter.charge("src_a", 1);
    }

    assertThat(limiter.retryAfterSeconds("src_a")).isEqualTo(1); // 100 ms, rounded up
    now.addAndGet(SECOND / 10);
    assertThat(limiter.retryAfterSeconds("src_a")).isZero();
  }

  @Test
  void average_holdsOverTime() {
    RateLimiter limiter = limiter(2, 1);
    int admitted = 0;
    for (int tick = 0; tick < 1000; tick++) { // 10 s in steps of 10 ms
      if (limiter.retryAfterSeconds("src_a") == 0) {
        limiter.charge("src_a", 1);
        admitted++;
      }
      now.addAndGet(SECOND / 100);
    }

    assertThat(admitted).isBetween(20, 21);
  }

  @Test
  void batchLargerThanTheBurst_isLetIn_andTheSourceWaitsItOff() {
    RateLimiter limiter = limiter(10, 5);

    assertThat(limiter.retryAfterSeconds("src_a")).isZero();
    limiter.charge("src_a", 100); // 10 s worth

    assertThat(limiter.retryAfterSeconds("src_a")).isEqualTo(10); // (100 - 5 + 1) / 10, rounded
    now.addAndGet(9 * SECOND);
    assertThat(limiter.retryAfterSeconds("src_a")).isEqualTo(1);
    now.addAndGet(SECOND);
    assertThat(limiter.retryAfterSeconds("src_a")).isZero();
  }

  @Test
  void sources_haveBucketsOfTheirOwn() {
    RateLimiter limiter = limiter(1, 1);
    limiter.charge("src_a", 1);

    assertThat(limiter.retryAfterSeconds("src_a")).isEqualTo(1);
    assertThat(limiter.retryAfterSeconds("src_b")).isZero();
  }

  @Test
  void quietSpell_neverSavesMoreThanTheBurst() {
    RateLimiter limiter = limiter(10, 3);
    now.addAndGet(3600 * SECOND);

    int admitted = 0;
    while (limiter.retryAfterSeconds("src_a") == 0) {
      limiter.charge("src_a", 1);
      admitted++;
    }

    assertThat(admitted).isEqualTo(3);
  }

  @Test
  void none_letsEverythingIn() {
    RateLimiter.NONE.charge("src_a", 1_000_000);

    assertThat(RateLimiter.NONE.retryAfterSeconds("src_a")).isZero();
    assertThat(RateLimiter.NONE.enabled()).isFalse();
  }

  @Test
  void negativeRate_isRefused() {
    assertThatThrownBy(() -> limiter(-1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("callsPerSecond < 0: -1.0");
  }
}
