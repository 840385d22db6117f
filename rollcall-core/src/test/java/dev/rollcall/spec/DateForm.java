package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.rollcall.internal.Json;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The forms in which the spec accepts a date, each written with {@link DateTimeFormatter} or plain
 * arithmetic, independently of {@link Dates}, so that properties can check one against the other.
 */
enum DateForm {
  // pattern (null for Unix time), precision in milliseconds, whether the form is always in UTC
  ISO_UTC_MILLIS("uuuu-MM-dd'T'HH:mm:ss.SSSX", 1, true),
  ISO_UTC_NANOS("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSX", 1, true),
  ISO_UTC_TENTHS("uuuu-MM-dd'T'HH:mm:ss.SX", 100, true),
  ISO_OFFSET_COLON("uuuu-MM-dd'T'HH:mm:ss.SSSxxx", 1, false),
  ISO_OFFSET_COMPACT("uuuu-MM-dd'T'HH:mm:ss.SSSxx", 1, false),
  ISO_OFFSET_HOURS("uuuu-MM-dd'T'HH:mm:ssx", 1_000, false),
  ISO_NO_ZONE("uuuu-MM-dd'T'HH:mm:ss.SSS", 1, true),
  ISO_SPACE_SECONDS("uuuu-MM-dd HH:mm:ss", 1_000, true),
  ISO_MINUTES("uuuu-MM-dd'T'HH:mm", 60_000, true),
  ISO_DATE("uuuu-MM-dd", 86_400_000, true),
  UNIX_SECONDS_NUMBER(null, 1_000, true),
  UNIX_SECONDS_STRING(null, 1_000, true),
  UNIX_FRACTIONAL_SECONDS_NUMBER(null, 1, true),
  UNIX_MILLIS_NUMBER(null, 1, true),
  UNIX_MILLIS_STRING(null, 1, true);

  /**
   * Unix forms are unambiguous from here (1971-01-02) to the year 2970; see Dates.SECONDS_BELOW.
   */
  static final long UNIX_FROM_MILLIS = 31_622_400_000L;

  static final long UNIX_UNTIL_MILLIS = Instant.parse("2900-01-01T00:00:00Z").toEpochMilli();

  /** ISO forms cover the four-digit years, with a day to spare for offsets. */
  static final long ISO_FROM_MILLIS = Instant.parse("0000-01-02T00:00:00Z").toEpochMilli();

  static final long ISO_UNTIL_MILLIS = Instant.parse("9999-12-30T00:00:00Z").toEpochMilli();

  private final DateTimeFormatter formatter;

  /** The smallest step this form can express, in milliseconds. */
  private final long precision;

  private final boolean utcOnly;

  DateForm(String pattern, long precision, boolean utcOnly) {
    this.formatter = pattern == null ? null : DateTimeFormatter.ofPattern(pattern);
    this.precision = precision;
    this.utcOnly = utcOnly;
  }

  boolean isUnix() {
    return formatter == null;
  }

  /** The instant as this form writes it, seen from {@code offset} where the form has a zone. */
  JsonNode write(Instant instant, ZoneOffset offset) {
    JsonNodeFactory nodes = Json.MAPPER.getNodeFactory();
    long millis = instant.toEpochMilli();
    switch (this) {
      case UNIX_SECONDS_NUMBER:
        return nodes.numberNode(instant.getEpochSecond());
      case UNIX_SECONDS_STRING:
        return nodes.textNode(Long.toString(instant.getEpochSecond()));
      case UNIX_FRACTIONAL_SECONDS_NUMBER:
        return nodes.numberNode(BigDecimal.valueOf(millis, 3));
      case UNIX_MILLIS_NUMBER:
        return nodes.numberNode(millis);
      case UNIX_MILLIS_STRING:
        return nodes.textNode(Long.toString(millis));
      default:
        ZoneOffset zone = utcOnly ? ZoneOffset.UTC : offset;
        return nodes.textNode(formatter.format(instant.atOffset(zone)));
    }
  }

  /** The instant this form can express: {@code instant} cut to the form's precision. */
  Instant expected(Instant instant) {
    return Instant.ofEpochMilli(Math.floorDiv(instant.toEpochMilli(), precision) * precision);
  }
}
