package dev.rollcall.client.internal;

import java.time.Instant;

/**
 * Writes instants as Segment's clients do, {@code 2015-02-23T22:28:55.111Z}: ISO-8601 in UTC with
 * milliseconds, always 24 characters for the years 0 to 9999, without allocating.
 */
final class Iso8601 {
  /** The length of every formatted instant in range (characters). */
  static final int LENGTH = 24;

  private static final long MIN_MILLIS = -62167219200000L; // 0000-01-01T00:00:00Z
  private static final long MAX_MILLIS = 253402300799999L; // 9999-12-31T23:59:59.999Z

  private Iso8601() {}

  /** Whether {@link #format} can write {@code instant}; others are written as {@code toString}. */
  static boolean inRange(Instant instant) {
    long seconds = instant.getEpochSecond();
    return seconds >= MIN_MILLIS / 1000 && seconds <= MAX_MILLIS / 1000;
  }

  static boolean inRange(long epochMillis) {
    return epochMillis >= MIN_MILLIS && epochMillis <= MAX_MILLIS;
  }

  /** Writes {@code epochMillis} (in range) into {@code out} at {@code offset}, 24 characters. */
  static void format(long epochMillis, char[] out, int offset) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    // civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date
    // Algorithms"): eras of 400 years starting on March 1st
    long z = days + 719_468L;
    long era = (z >= 0 ? z : z - 146_096L) / 146_097L;
    long dayOfEra = z - era * 146_097L;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long monthIndex = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * monthIndex + 2) / 5 + 1);
    int month = (int) (monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));

    digits(year, 4, out, offset);
    out[offset + 4] = '-';
    digits(month, 2, out, offset + 5);
    out[offset + 7] = '-';
    digits(day, 2, out, offset + 8);
    out[offset + 10] = 'T';
    digits(secondOfDay / 3600, 2, out, offset + 11);
    out[offset + 13] = ':';
    digits(secondOfDay / 60 % 60, 2, out, offset + 14);
    out[offset + 16] = ':';
    digits(secondOfDay % 60, 2, out, offset + 17);
    out[offset + 19] = '.';
    digits(millis, 3, out, offset + 20);
    out[offset + 23] = 'Z';
  }

  /** As {@link #format(long, char[], int)}, into bytes (ASCII). */
  static void format(long epochMillis, byte[] out, int offset) {
    char[] chars = new char[LENGTH];
    format(epochMillis, chars, 0);
    for (int i = 0; i < LENGTH; i++) {
      out[offset + i] = (byte) chars[i];
    }
  }

  /** {@code instant} as 24 characters when in range, else as {@link Instant#toString()}. */
  static String toString(Instant instant) {
    if (!inRange(instant)) {
      return instant.toString();
    }
    char[] chars = new char[LENGTH];
    format(instant.toEpochMilli(), chars, 0);
    return new String(chars);
  }

  private static void digits(int value, int width, char[] out, int offset) {
    for (int i = offset + width - 1; i >= offset; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
