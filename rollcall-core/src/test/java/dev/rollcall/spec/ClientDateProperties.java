package dev.rollcall.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * A client date's text is kept only when it is exactly what {@link Dates#format} would write, so
 * that skipping the formatting cannot change a byte of the output.
 */
class ClientDateProperties {

  @Property(tries = 2000)
  void read_textOfTheFormatsShape_isKeptOnlyWhenFormattingGivesItBack(
      @ForAll @IntRange(min = 0, max = 9999) int year,
      @ForAll @IntRange(min = 0, max = 13) int month,
      @ForAll @IntRange(min = 0, max = 32) int day,
      @ForAll @IntRange(min = 0, max = 25) int hour,
      @ForAll @IntRange(min = 0, max = 60) int minute,
      @ForAll @IntRange(min = 0, max = 60) int second,
      @ForAll @IntRange(min = 0, max = 999) int millis) {
    String text =
        String.format(
            "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, hour, minute, second, millis);

    ClientDate date = ClientDate.read(TextNode.valueOf(text));

    if (date != null) {
      assertThat(date.hasText()).isTrue();
      assertThat(date.text()).isEqualTo(text).isEqualTo(Dates.format(date.instant()));
    }
  }

  @Property(tries = 2000)
  void read_formattedDate_keepsItsText(
      @ForAll @LongRange(min = -62_167_219_200_000L, max = 253_402_300_799_999L) long millis) {
    String text = Dates.format(Instant.ofEpochMilli(millis));

    ClientDate date = ClientDate.read(TextNode.valueOf(text));

    assertThat(date.instant()).isEqualTo(Instant.ofEpochMilli(millis));
    assertThat(date.text()).isSameAs(text);
  }

  @Property(tries = 500)
  void read_dateInAnotherForm_hasNoTextUntilFormatted(
      @ForAll @LongRange(min = 0, max = 253_402_300_799_999L) long millis) {
    String other =
        Dates.format(Instant.ofEpochMilli(millis)).replace('T', ' ').replace("Z", "+00:00");

    ClientDate date = ClientDate.read(TextNode.valueOf(other));

    assertThat(date.hasText()).isFalse();
    assertThat(date.withText().text()).isEqualTo(Dates.format(Instant.ofEpochMilli(millis)));
  }
}
