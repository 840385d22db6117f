package dev.rollcall.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneOffset;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

class DatesProperties {

  /** A date in one of the accepted forms, and the instant it stands for. */
  record Written(DateForm form, JsonNode value, Instant expected) {
    @Override
    public String toString() {
      return form + " " + value + " = " + expected;
    }
  }

  @Provide
  static Arbitrary<Written> writtenDates() {
    return writtenDates(Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** Dates in every accepted form, between two instants (in epoch milliseconds) where it can. */
  static Arbitrary<Written> writtenDates(long fromMillis, long untilMillis) {
    Arbitrary<DateForm> forms = Arbitraries.of(DateForm.class);
    Arbitrary<ZoneOffset> offsets =
        Arbitraries.integers()
            .between(-14 * 4, 14 * 4)
            .map(quarters -> ZoneOffset.ofTotalSeconds(quarters * 15 * 60));
    // No flatMap: jqwik would build (and hash) a new generator for every date.
    return Combinators.combine(forms, Arbitraries.longs().between(0, Long.MAX_VALUE), offsets)
        .as(
            (form, random, offset) -> {
              long from =
                  Math.max(
                      fromMillis,
                      form.isUnix() ? DateForm.UNIX_FROM_MILLIS : DateForm.ISO_FROM_MILLIS);
              long until =
                  Math.min(
                      untilMillis,
                      form.isUnix() ? DateForm.UNIX_UNTIL_MILLIS : DateForm.ISO_UNTIL_MILLIS);
              Instant instant = Instant.ofEpochMilli(from + random % (until - from + 1));
              return new Written(form, form.write(instant, offset), form.expected(instant));
            });
  }

  @Property
  void parse_anyAcceptedForm_isTheInstantItStandsFor(@ForAll("writtenDates") Written date) {
    assertThat(Dates.parse(date.value())).isEqualTo(date.expected());
  }

  @Property
  void parse_anyAcceptedFormAsText_isTheSameAsTheJsonValue(@ForAll("writtenDates") Written date) {
    String text = date.value().isTextual() ? date.value().textValue() : date.value().toString();

    assertThat(Dates.parse(text)).isEqualTo(date.expected());
  }

  @Property
  void format_anyInstantInYears0000To9999_isIsoUtcWithMillisecondsAndRoundTrips(
      @ForAll @LongRange(min = -62167219200000L, max = 253402300799999L) long epochMilli) {
    Instant instant = Instant.ofEpochMilli(epochMilli);

    String formatted = Dates.format(instant);

    assertThat(formatted).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(Instant.parse(formatted)).isEqualTo(instant);
    assertThat(Dates.parse(formatted)).isEqualTo(instant);
  }

  @Property
  void parse_unixNumber_isSecondsExactlyWhenBelowTheThreshold(
      @ForAll @LongRange(min = -100_000_000_000L, max = 100_000_000_000L) long number) {
    Instant parsed = Dates.parse(TestMessages.parse(Long.toString(number)));

    Instant expected =
        Math.abs(number) < Dates.SECONDS_BELOW
            ? Instant.ofEpochSecond(number)
            : Instant.ofEpochMilli(number);
    assertThat(parsed).isEqualTo(expected);
  }
}
