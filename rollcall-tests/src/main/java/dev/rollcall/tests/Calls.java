package dev.rollcall.tests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.spec.Outcome;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Builds log entries from JSON the way the collector does: normalized with a fixed clock, given
 * increasing offsets. {@code receivedAt} is the clock's instant plus the entry's offset in ms, so
 * calls without a timestamp are ordered as they were made.
 */
public final class Calls {
  public static final String SOURCE = "src_test";
  private static final Instant EPOCH = Instant.parse("2015-02-23T22:28:55.387Z");

  private long offset;

  /** The next entry for {@code json} (single quotes are turned into double quotes). */
  public LogEntry entry(String json) {
    offset++;
    MessageNormalizer normalizer =
        new MessageNormalizer(Clock.fixed(EPOCH.plusMillis(offset), ZoneOffset.UTC));
    ObjectNode raw;
    try {
      raw = (ObjectNode) Json.read(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Outcome outcome = normalizer.normalize(raw, null, null);
    if (!outcome.isAccepted()) {
      throw new IllegalArgumentException(outcome.error() + " at " + outcome.path() + ": " + json);
    }
    LogEntry entry = LogEntry.of(SOURCE, outcome.message());
    return new LogEntry(
        offset,
        entry.sourceId(),
        entry.messageId(),
        entry.personKey(),
        entry.type(),
        entry.receivedAtMillis(),
        entry.json());
  }
}
