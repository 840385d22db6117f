package dev.rollcall.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Iso8601Test {
  @Test
  void toString_isMillisecondsInUtc_24Characters() {
    assertThat(Iso8601.toString(Instant.parse("2015-02-23T22:28:55.111Z")))
        .isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(Iso8601.toString(Instant.parse("2024-01-02T03:04:05Z")))
        .isEqualTo("2024-01-02T03:04:05.000Z");
    assertThat(Iso8601.toString(Instant.parse("2024-01-02T03:04:05.999999999Z")))
        .as("truncated, not rounded")
        .isEqualTo("2024-01-02T03:04:05.999Z");
  }

  @Test
  void toString_edgesOfTheCalendar() {
    assertThat(Iso8601.toString(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000Z");
    assertThat(Iso8601.toString(Instant.parse("1969-12-31T23:59:59.999Z")))
        .isEqualTo("1969-12-31T23:59:59.999Z");
    assertThat(Iso8601.toString(Instant.parse("2000-02-29T12:00:00Z")))
        .isEqualTo("2000-02-29T12:00:00.000Z");
    assertThat(Iso8601.toString(Instant.parse("0000-01-01T00:00:00Z")))
        .isEqualTo("0000-01-01T00:00:00.000Z");
    assertThat(Iso8601.toString(Instant.parse("9999-12-31T23:59:59.999Z")))
        .isEqualTo("9999-12-31T23:59:59.999Z");
    assertThat(Iso8601.toString(Instant.parse("+10000-01-01T00:00:00Z")))
        .as("out of range: Instant's own form")
        .isEqualTo("+10000-01-01T00:00:00Z");
  }

  @Test
  void toString_agreesWithInstant_overManyRandomMillis() {
    Random random = new Random(42);
    for (int i = 0; i < 100_000; i++) {
      long millis = random.nextLong() % 253402300799999L;
      if (millis < -62167219200000L) {
        continue;
      }
      Instant instant = Instant.ofEpochMilli(millis);
      String expected = instant.truncatedTo(ChronoUnit.MILLIS).toString();
      String actual = Iso8601.toString(instant);
      assertThat(Instant.parse(actual)).as("%s", expected).isEqualTo(instant);
      assertThat(actual).hasSize(24);
    }
  }
}
