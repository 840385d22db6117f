package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;

/**
 * Dates as the spec accepts them: ISO-8601 strings, or Unix time in seconds or milliseconds.
 *
 * <p>Accepted ISO-8601 forms: a date ({@code 2015-02-23}, midnight UTC) or a date and time with a
 * {@code T} or a space between them, minutes or seconds precision, an optional fraction (kept to
 * the millisecond) and an optional zone ({@code Z}, {@code +07}, {@code +0700}, {@code +07:00}). A
 * date-time without a zone is taken as UTC: a server has no better guess, and a result that
 * depended on the server's own zone would differ between machines.
 *
 * <p>Unix time, as a JSON number or a string of at most {@value #MAX_UNIX_TEXT_LENGTH} digits (with
 * an optional sign and fraction): below {@value #SECONDS_BELOW} in absolute value it is seconds,
 * otherwise milliseconds. The threshold is Segment's (365.25 days in milliseconds): seconds up to
 * the year 2970, milliseconds from 1971-01-01 on.
 *
 * <p>Parsing and formatting are hand-written because they run several times for every message and
 * {@link DateTimeFormatter} is several times slower on this path.
 */
public final class Dates {
  /** Unix times with a smaller absolute value are seconds; from here on, milliseconds. */
  public static final long SECONDS_BELOW = 31_557_600_000L;

  /**
   * Longest string of digits read as Unix time, in characters: the longest number Jackson reads in
   * JSON ({@code StreamReadConstraints}' default), so that a number and its digits as a string are
   * the same date. The bound matters because {@link BigDecimal} parses n digits in time that grows
   * as n²: a 32 KB message could otherwise hold a {@code timestamp} of 32,000 digits, 40 ms to read
   * each time (1,000 digits take about 25 µs).
   */
  static final int MAX_UNIX_TEXT_LENGTH = 1000;

  private static final long MILLIS_PER_DAY = 86_400_000L;

  /** The dates Rollcall reads and writes: years 0000 to 9999, as ISO-8601 writes them plainly. */
  private static final long MIN_MILLIS = -62_167_219_200_000L; // 0000-01-01T00:00:00Z

  private static final long MAX_MILLIS = 253_402_300_799_999L; // 9999-12-31T23:59:59.999Z

  /** What {@link #format} writes, with every digit a 0. */
  private static final String FORMAT_SHAPE = "0000-00-00T00:00:00.000Z";

  private Dates() {}

  /** The instant a JSON value stands for, or null when it is not a date. */
  public static Instant parse(JsonNode value) {
    if (value == null) {
      return null;
    }
    if (value.isNumber()) {
      return fromUnix(value.decimalValue());
    }
    if (value.isTextual()) {
      return parse(value.textValue());
    }
    return null;
  }

  /** The instant a string stands for, or null when it is not a date. */
  public static Instant parse(String text) {
    String s = text.trim();
    if (s.isEmpty()) {
      return null;
    }
    if (isUnixNumber(s)) {
      if (s.length() > MAX_UNIX_TEXT_LENGTH) {
        return null;
      }
      try {
        return fromUnix(new BigDecimal(s));
      } catch (NumberFormatException | ArithmeticException e) {
        return null;
      }
    }
    try {
      return parseIso(s);
    } catch (DateTimeException | IndexOutOfBoundsException | ArithmeticException e) {
      return null;
    }
  }

  private static boolean isUnixNumber(String s) {
    int i = s.charAt(0) == '-' ? 1 : 0;
    boolean digits = false;
    boolean dot = false;
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits = true;
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        return false;
      }
    }
    return digits;
  }

  private static Instant fromUnix(BigDecimal value) {
    if (value.signum() == 0) {
      return Instant.EPOCH; // 0E+23 too: its precision and scale would call it 24 digits long
    }
    // Look at the magnitude before any arithmetic: 1e100000000 is 12 bytes of JSON, and
    // setScale on it would build a number of a hundred million digits.
    int integerDigits = value.precision() - value.scale();
    if (integerDigits > 16) {
      return null; // beyond the year 9999 in milliseconds, let alone in seconds
    }
    if (integerDigits < -3) {
      value = BigDecimal.ZERO; // less than a millisecond from the epoch
    }
    BigDecimal millis =
        value.abs().compareTo(BigDecimal.valueOf(SECONDS_BELOW)) < 0
            ? value.movePointRight(3)
            : value;
    try {
      return inRange(millis.setScale(0, java.math.RoundingMode.FLOOR).longValueExact());
    } catch (ArithmeticException | DateTimeException e) {
      return null;
    }
  }

  /** Parses the ISO-8601 forms described above; throws when the text is not one of them. */
  private static Instant parseIso(String s) {
    int year = digits(s, 0, 4);
    expect(s, 4, '-');
    int month = digits(s, 5, 2);
    expect(s, 7, '-');
    int day = digits(s, 8, 2);
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    int pos = 10;
    long millisOfDay = 0;
    if (pos < s.length()) {
      char sep = s.charAt(pos);
      if (sep != 'T' && sep != 't' && sep != ' ') {
        throw new DateTimeException("no time separator");
      }
      int hour = range(digits(s, pos + 1, 2), 23);
      expect(s, pos + 3, ':');
      int minute = range(digits(s, pos + 4, 2), 59);
      pos += 6;
      int second = 0;
      int millis = 0;
      if (pos < s.length() && s.charAt(pos) == ':') {
        second = range(digits(s, pos + 1, 2), 59);
        pos += 3;
        if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == ',')) {
          int start = ++pos;
          while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            if (pos - start < 3) {
              millis = millis * 10 + (s.charAt(pos) - '0');
            }
            pos++;
          }
          if (pos == start) {
            throw new DateTimeException("empty fraction");
          }
          for (int n = pos - start; n < 3; n++) {
            millis *= 10;
          }
        }
      }
      millisOfDay = ((hour * 60L + minute) * 60 + second) * 1000 + millis;
      millisOfDay -= zoneOffsetMillis(s, pos);
    }
    return inRange(epochDay * MILLIS_PER_DAY + millisOfDay);
  }

  /** The instant, or null outside the years 0000 to 9999 (a zone can push a date out). */
  static Instant inRange(long epochMilli) {
    return epochMilli < MIN_MILLIS || epochMilli > MAX_MILLIS
        ? null
        : Instant.ofEpochMilli(epochMilli);
  }

  private static long zoneOffsetMillis(String s, int pos) {
    if (pos == s.length()) {
      return 0; // no zone: UTC
    }
    char c = s.charAt(pos);
    if ((c == 'Z' || c == 'z') && pos + 1 == s.length()) {
      return 0;
    }
    if (c != '+' && c != '-') {
      throw new DateTimeException("bad zone");
    }
    int hours = range(digits(s, pos + 1, 2), 18);
    int minutes = 0;
    int rest = pos + 3;
    if (rest < s.length()) {
      if (s.charAt(rest) == ':') {
        rest++;
      }
      minutes = range(digits(s, rest, 2), 59);
      rest += 2;
    }
    if (rest != s.length()) {
      throw new DateTimeException("trailing text");
    }
    long offset = (hours * 60L + minutes) * 60_000;
    return c == '-' ? -offset : offset;
  }

  private static int digits(String s, int from, int count) {
    if (from + count > s.length()) {
      throw new DateTimeException("too short");
    }
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new DateTimeException("not a digit");
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static void expect(String s, int at, char c) {
    if (at >= s.length() || s.charAt(at) != c) {
      throw new DateTimeException("expected " + c);
    }
  }

  private static int range(int value, int max) {
    if (value > max) {
      throw new DateTimeException("out of range");
    }
    return value;
  }

  /**
   * ISO-8601 in UTC with milliseconds, as Segment writes dates: {@code 2015-02-23T22:28:55.111Z}.
   */
  public static String format(Instant instant) {
    long epochMilli = instant.toEpochMilli();
    long epochDay = Math.floorDiv(epochMilli, MILLIS_PER_DAY);
    int millisOfDay = (int) Math.floorMod(epochMilli, MILLIS_PER_DAY);
    LocalDate date = LocalDate.ofEpochDay(epochDay);
    int year = date.getYear();
    if (year < 0 || year > 9999) {
      return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(epochMilli));
    }
    char[] out = new char[24];
    put(out, 0, year, 4);
    out[4] = '-';
    put(out, 5, date.getMonthValue(), 2);
    out[7] = '-';
    put(out, 8, date.getDayOfMonth(), 2);
    out[10] = 'T';
    put(out, 11, millisOfDay / 3_600_000, 2);
    out[13] = ':';
    put(out, 14, millisOfDay / 60_000 % 60, 2);
    out[16] = ':';
    put(out, 17, millisOfDay / 1000 % 60, 2);
    out[19] = '.';
    put(out, 20, millisOfDay % 1000, 3);
    out[23] = 'Z';
    return new String(out);
  }

  /**
   * True when {@code text} has the shape {@link #format} writes ({@code 2015-02-23T22:28:55.111Z}:
   * 24 characters, digits and this punctuation). A text of this shape that {@link #parse(String)}
   * reads is the format of the instant it stands for, so it can be written back as it is.
   */
  static boolean isFormatted(String text) {
    if (text.length() != FORMAT_SHAPE.length()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char shape = FORMAT_SHAPE.charAt(i);
      if (shape == '0' ? c < '0' || c > '9' : c != shape) {
        return false;
      }
    }
    return true;
  }

  private static void put(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
