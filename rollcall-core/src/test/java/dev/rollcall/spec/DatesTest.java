package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DatesTest {

  // ---- ISO-8601 -------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2015-02-23                    | 2015-02-23T00:00:00Z",
        "2016-02-29                    | 2016-02-29T00:00:00Z",
        "2015-02-23T22:28              | 2015-02-23T22:28:00Z",
        "2015-02-23 22:28              | 2015-02-23T22:28:00Z",
        "2015-02-23T22:28:55           | 2015-02-23T22:28:55Z",
        "2015-02-23 22:28:55           | 2015-02-23T22:28:55Z",
        "2015-02-23T22:28:55Z          | 2015-02-23T22:28:55Z",
        "2015-02-23T22:28Z             | 2015-02-23T22:28:00Z",
        "2015-02-23 22:28:55.111Z      | 2015-02-23T22:28:55.111Z",
      })
  void parse_isoDateAndDateTime_isThatInstantInUtc(String text, Instant expected) {
    assertThat(Dates.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "fraction .{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1         | 2015-02-23T22:28:55.100Z",
        "12        | 2015-02-23T22:28:55.120Z",
        "123       | 2015-02-23T22:28:55.123Z",
        "1234      | 2015-02-23T22:28:55.123Z",
        "12345     | 2015-02-23T22:28:55.123Z",
        "123456    | 2015-02-23T22:28:55.123Z",
        "1234567   | 2015-02-23T22:28:55.123Z",
        "12345678  | 2015-02-23T22:28:55.123Z",
        "123456789 | 2015-02-23T22:28:55.123Z",
        "999999999 | 2015-02-23T22:28:55.999Z",
        "001       | 2015-02-23T22:28:55.001Z",
      })
  void parse_fractionOfOneToNineDigits_isKeptToTheMillisecond(String fraction, Instant expected) {
    assertThat(Dates.parse("2015-02-23T22:28:55." + fraction + "Z")).isEqualTo(expected);
  }

  @Test
  void parse_fractionWithComma_isAFraction() {
    assertThat(Dates.parse("2015-02-23T22:28:55,5Z"))
        .isEqualTo(Instant.parse("2015-02-23T22:28:55.500Z"));
  }

  @ParameterizedTest(name = "zone {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Z      | 2015-02-23T22:28:55.111Z",
        "+00:00 | 2015-02-23T22:28:55.111Z",
        "+07    | 2015-02-23T15:28:55.111Z",
        "+0700  | 2015-02-23T15:28:55.111Z",
        "+07:00 | 2015-02-23T15:28:55.111Z",
        "-05:30 | 2015-02-24T03:58:55.111Z",
        "-0530  | 2015-02-24T03:58:55.111Z",
        "-05    | 2015-02-24T03:28:55.111Z",
        "+14:00 | 2015-02-23T08:28:55.111Z",
      })
  void parse_zone_isAppliedToGetUtc(String zone, Instant expected) {
    assertThat(Dates.parse("2015-02-23T22:28:55.111" + zone)).isEqualTo(expected);
  }

  @Test
  void parse_zoneOffset_canMoveTheDateBack() {
    assertThat(Dates.parse("2015-02-23T02:00:00+07:00"))
        .isEqualTo(Instant.parse("2015-02-22T19:00:00Z"));
  }

  @Test
  void parse_dateTimeWithoutZone_isUtcWhateverTheDefaultZone() {
    assertThat(Dates.parse("2015-02-23T22:28:55.111"))
        .isEqualTo(Dates.parse("2015-02-23T22:28:55.111Z"))
        .isEqualTo(Instant.parse("2015-02-23T22:28:55.111Z"));
    assertThat(Dates.parse("2015-02-23 22:28:55")).isEqualTo(Instant.parse("2015-02-23T22:28:55Z"));
  }

  @Test
  void parse_surroundingWhitespace_isIgnored() {
    assertThat(Dates.parse("  2015-02-23T22:28:55Z\n"))
        .isEqualTo(Instant.parse("2015-02-23T22:28:55Z"));
  }

  // ---- Unix time --------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1424730535        | 2015-02-23T22:28:55Z",
        "1424730535387     | 2015-02-23T22:28:55.387Z",
        "0                 | 1970-01-01T00:00:00Z",
        "31557599999       | 2970-01-07T23:59:59Z",
        "31557600000       | 1971-01-01T06:00:00Z",
        "31557600001       | 1971-01-01T06:00:00.001Z",
        "-1                | 1969-12-31T23:59:59Z",
        "-86400            | 1969-12-31T00:00:00Z",
        "-31557600000      | 1968-12-31T18:00:00Z",
        "1424730535.5      | 2015-02-23T22:28:55.500Z",
        "1424730535.387    | 2015-02-23T22:28:55.387Z",
        "1424730535.3879   | 2015-02-23T22:28:55.387Z",
        "-1.5              | 1969-12-31T23:59:58.500Z",
      })
  void parse_unixNumber_isSecondsBelowTheThresholdElseMilliseconds(
      String number, Instant expected) {
    assertThat(Dates.parse(parse(number))).as("JSON number %s", number).isEqualTo(expected);
    assertThat(Dates.parse(number)).as("string \"%s\"", number).isEqualTo(expected);
  }

  @Test
  void parse_unixSecondsString_isSeconds() {
    assertThat(Dates.parse("1424730535")).isEqualTo(Instant.ofEpochSecond(1424730535L));
  }

  @Test
  void parse_unixMillisecondsString_isMilliseconds() {
    assertThat(Dates.parse("1424730535387")).isEqualTo(Instant.ofEpochMilli(1424730535387L));
  }

  @Test
  void parse_thresholdIsSegments_365point25DaysInMilliseconds() {
    assertThat(Dates.SECONDS_BELOW).isEqualTo(36525L * 86_400_000L / 100);
    assertThat(Dates.parse(parse(Long.toString(Dates.SECONDS_BELOW - 1))))
        .isEqualTo(Instant.ofEpochSecond(Dates.SECONDS_BELOW - 1));
    assertThat(Dates.parse(parse(Long.toString(Dates.SECONDS_BELOW))))
        .isEqualTo(Instant.ofEpochMilli(Dates.SECONDS_BELOW));
  }

  @Test
  void parse_negativeUnixNumber_thresholdAppliesToTheAbsoluteValue() {
    assertThat(Dates.parse(parse("-31557599999"))).isEqualTo(Instant.ofEpochSecond(-31557599999L));
    assertThat(Dates.parse(parse("-31557600000"))).isEqualTo(Instant.ofEpochMilli(-31557600000L));
  }

  @Test
  void parse_numberInExponentNotation_isUnixTime() {
    // Jackson reads 1.4247305353E9 as a decimal; it is still seconds.
    assertThat(Dates.parse(parse("1.4247305353E9")))
        .isEqualTo(Instant.parse("2015-02-23T22:28:55.300Z"));
  }

  /**
   * Found while reviewing Dates for the fuzzer: BigDecimal reads n digits in time growing as n², so
   * a 32 KB string of digits took about 40 ms, once per date field and stage.
   */
  @Test
  void parse_digitStringLongerThanAJsonNumberMayBe_isNoDate_andQuick() {
    assertThat(Dates.parse("0".repeat(999) + "1")).isEqualTo(Instant.ofEpochSecond(1));
    assertThat(Dates.parse("0".repeat(1000) + "1")).isNull();
    assertTimeoutPreemptively(
        Duration.ofSeconds(1), () -> assertThat(Dates.parse("1".repeat(500_000))).isNull());
  }

  /** Found by fuzzing: zero with a large exponent looked larger than the year 9999. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"0E+23", "0e400", "0.000E+30", "-0E+99"})
  void parse_zeroWithAnExponent_isTheEpoch_asZeroIs(String zero) {
    assertThat(Dates.parse(parse(zero))).isEqualTo(Instant.EPOCH);
    assertThat(Dates.parse(parse("0"))).isEqualTo(Instant.EPOCH);
  }

  @Test
  void parse_yearOnlyDigits_isUnixSecondsNotAYear() {
    // Decided: a string of digits is Unix time (Dates javadoc), so "2013" is 2013 seconds after
    // the epoch, not the year 2013 that Segment's isodate would read.
    assertThat(Dates.parse("2013")).isEqualTo(Instant.ofEpochSecond(2013));
  }

  // ---- Not dates --------------------------------------------------------------------------------

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "",
        "   ",
        "yesterday",
        "not a date",
        "2015-02-30",
        "2015-02-29",
        "2015-13-01",
        "2015-00-10",
        "2015-02-00",
        "2015-02-23T24:00",
        "2015-02-23T23:60",
        "2015-02-23T23:59:60",
        "2013-09",
        "2015-2-23",
        "23/02/2015",
        "20150223T222855Z",
        "Wed, 09 Aug 1995 04:10:23 GMT",
        "2015-02-23T",
        "2015-02-23T22",
        "2015-02-23T22:28:",
        "2015-02-23T22:28.5",
        "2015-02-23T22:28:55.",
        "2015-02-23T22:28:55+7",
        "2015-02-23T22:28:55+07:0",
        "2015-02-23T22:28:55+07:000",
        "2015-02-23T22:28:55+19:00",
        "2015-02-23T22:28:55+07:60",
        "2015-02-23T22:28:55 UTC",
        "2015-02-23T22:28:55ZZ",
        "2015-02-23x",
        "2015-02-23T22:28:55.111Z trailing",
        "1e9",
        "12.34.56",
        "-",
        ".",
        "0x10",
        "+1424730535",
        "99999999999999999999999",
      })
  void parse_notADate_isNull(String text) {
    assertThat(Dates.parse(text)).isNull();
    assertThat(Dates.parse(TextNode.valueOf(text))).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "true",
        "false",
        "null",
        "{}",
        "{\"at\": 1424730535}",
        "[]",
        "[1424730535]",
        "1e30"
      })
  void parse_jsonValueThatIsNoDate_isNull(String json) {
    assertThat(Dates.parse(parse(json))).isNull();
  }

  @Test
  void parse_absentValue_isNull() {
    assertThat(Dates.parse((JsonNode) null)).isNull();
    assertThat(Dates.parse(JsonNodeFactory.instance.missingNode())).isNull();
  }

  @Test
  void parse_nonAsciiDigitsInFraction_isNull() {
    // U+0661 ARABIC-INDIC DIGIT ONE: a digit to Character.isDigit, not to ISO-8601.
    assertThat(Dates.parse("2015-02-23T22:28:55.\u0661Z")).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"1e100000000", "-1e100000000", "123456789e99999999"})
  void parse_numberWithHugeExponent_isNullPromptly(String number) {
    JsonNode huge = parse(number);

    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Dates.parse(huge))).isNull();
  }

  @Test
  void parse_numberWithHugeNegativeExponent_isTheEpochPromptly() {
    JsonNode tiny = parse("1e-100000000");

    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Dates.parse(tiny)))
        .isEqualTo(Instant.EPOCH);
  }

  // ---- the years 0000 to 9999 ------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0000-01-01T00:00:00Z          | 0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z      | 9999-12-31T23:59:59.999Z",
        "9999-12-31T23:59:59.999+00:00 | 9999-12-31T23:59:59.999Z",
        "253402300799999               | 9999-12-31T23:59:59.999Z",
        "-62167219200000               | 0000-01-01T00:00:00Z",
      })
  void parse_firstAndLastMillisecondOfYears0000To9999_areDates(String text, Instant expected) {
    assertThat(Dates.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00+01:00"})
  void parse_isoDatePushedOutOfYears0000To9999ByItsZone_isNull(String text) {
    assertThat(Dates.parse(text)).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"253402300800000", "9999999999999999", "-62167219200001", "-9999999999999999"})
  void parse_unixTimeOutsideYears0000To9999_isNull(String number) {
    assertThat(Dates.parse(parse(number))).as("JSON number").isNull();
    assertThat(Dates.parse(number)).as("string").isNull();
  }

  // ---- format -----------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2015-02-23T22:28:55.111Z       | 2015-02-23T22:28:55.111Z",
        "2015-02-23T22:28:55Z           | 2015-02-23T22:28:55.000Z",
        "2015-02-23T00:00:00Z           | 2015-02-23T00:00:00.000Z",
        "1970-01-01T00:00:00Z           | 1970-01-01T00:00:00.000Z",
        "1969-12-31T23:59:59.999Z       | 1969-12-31T23:59:59.999Z",
        "0001-01-01T00:00:00Z           | 0001-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z       | 9999-12-31T23:59:59.999Z",
        "2015-02-23T22:28:55.111999999Z | 2015-02-23T22:28:55.111Z",
        "2015-02-23T09:05:07.001Z       | 2015-02-23T09:05:07.001Z",
      })
  void format_isIsoUtcWithMilliseconds(Instant instant, String expected) {
    assertThat(Dates.format(instant)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "2015-02-23T22:28:55.111Z",
        "2015-02-23T00:00:00Z",
        "1969-07-20T20:17:40.001Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z",
        "2000-02-29T12:00:00.500Z",
      })
  void format_thenParse_roundTrips(Instant instant) {
    assertThat(Dates.parse(Dates.format(instant))).isEqualTo(instant);
  }
}
