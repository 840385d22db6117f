package dev.rollcall.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.InRange;
import com.fasterxml.jackson.databind.node.DecimalNode;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * Fuzzes {@link Dates}: any text or number is either no date (null, never an exception) or an
 * instant in the years 0000 to 9999, to the millisecond, that {@link Dates#format} writes as 24
 * characters which read back as the same instant. A number and its digits as a string are the same
 * date.
 */
class DatesFuzzTest {
  private static final Instant MIN = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");

  @FuzzTest
  void parseText(String text) {
    if (text == null) return;
    check(Dates.parse(text));
  }

  @FuzzTest
  void parseNumber(long unscaled, @InRange(min = -40, max = 40) int scale) {
    BigDecimal number = BigDecimal.valueOf(unscaled, scale);
    Instant instant = Dates.parse(DecimalNode.valueOf(number));
    check(instant);
    assertThat(Dates.parse(number.toPlainString())).isEqualTo(instant);
  }

  private static void check(Instant instant) {
    if (instant == null) return;
    assertThat(instant).isBetween(MIN, MAX);
    assertThat(instant.getNano() % 1_000_000).isZero();
    String formatted = Dates.format(instant);
    assertThat(formatted).hasSize(24).endsWith("Z");
    assertThat(Dates.parse(formatted)).isEqualTo(instant);
  }
}
