package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A date the client sent, read once per message: the validator checks it, the enricher uses it.
 *
 * <p>Clients usually send dates the way {@link Dates#format} writes them ({@code
 * 2015-02-23T22:28:55.111Z}); that text is then kept, so that writing the date back needs no
 * formatting and an unchanged field need not be rewritten. Reading and formatting a date cost about
 * 50 ns each, and a message has up to three client dates.
 *
 * @param text the date as {@link Dates#format} writes it, when known (the client sent it so, or it
 *     was formatted once already); else null
 */
record ClientDate(Instant instant, String text) {

  /** The date {@code value} stands for, or null when it is absent or not a date. */
  static ClientDate read(JsonNode value) {
    Instant instant = Dates.parse(value);
    if (instant == null) {
      return null;
    }
    String text =
        value.isTextual() && Dates.isFormatted(value.textValue()) ? value.textValue() : null;
    return new ClientDate(instant, text);
  }

  /**
   * True when the text is known: for a date as read, when the client sent it as Rollcall writes it.
   */
  boolean hasText() {
    return text != null;
  }

  /** This date with its text known, formatting it if needed. */
  ClientDate withText() {
    return text != null ? this : new ClientDate(instant, Dates.format(instant));
  }
}
