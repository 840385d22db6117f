package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fills in what the server knows and the client may not: {@code messageId}, {@code receivedAt}, the
 * skew-corrected {@code timestamp}, and {@code context.ip}.
 *
 * <p>Clock skew: a device's clock may be minutes or years off. The client's reading of when the
 * call happened ({@code originalTimestamp}, else the {@code timestamp} it sent) and of when it sent
 * the request ({@code sentAt}) come from the same wrong clock, so their difference is right; placed
 * before {@code receivedAt}, which is read from the server's clock, it gives a timestamp on the
 * server's clock: {@code timestamp = receivedAt - (sentAt - originalTimestamp)}. Without {@code
 * sentAt} the client's timestamp is kept as it is (an import of past calls); without any client
 * timestamp, the call happened when it was received.
 *
 * <p>Because the client's reading is looked for in {@code originalTimestamp} first, enriching an
 * enriched message again with the same clock changes nothing.
 */
final class Enricher {
  private final Clock clock;

  Enricher(Clock clock) {
    this.clock = clock;
  }

  /**
   * Enriches {@code json} in place, given its dates as the validator read them; {@code ip} is the
   * client's address, or null when unknown. A date is written from the text already at hand for the
   * same instant when there is one (the client's, or {@code receivedAt}'s): equal instants have
   * equal texts, and formatting costs about 50 ns.
   */
  void enrich(ObjectNode json, String ip, ClientDates dates) {
    Instant receivedAt = Instant.ofEpochMilli(clock.millis());
    String receivedAtText = Dates.format(receivedAt);
    json.put("receivedAt", receivedAtText);
    if (!json.has("messageId")) {
      json.put("messageId", randomUuid());
    }
    ClientDate sentAt = dates.sentAt();
    if (sentAt != null && !sentAt.hasText()) {
      sentAt = sentAt.withText(); // sent in another form: written back in Rollcall's
      json.put("sentAt", sentAt.text());
    }
    ClientDate clientTimestamp =
        dates.originalTimestamp() != null ? dates.originalTimestamp() : dates.timestamp();
    Instant timestamp;
    if (clientTimestamp == null) {
      // No reading of the client's clock for the call itself: it happened when it was sent, or,
      // without sentAt, when it was received. Kept as originalTimestamp, so that normalizing the
      // message again finds the same reading and computes the same timestamp.
      json.put("originalTimestamp", sentAt != null ? sentAt.text() : receivedAtText);
      timestamp = receivedAt;
    } else {
      clientTimestamp = clientTimestamp.withText();
      json.put("originalTimestamp", clientTimestamp.text());
      timestamp =
          sentAt == null
              ? clientTimestamp.instant()
              : corrected(receivedAt, sentAt.instant(), clientTimestamp.instant());
    }
    json.put("timestamp", text(timestamp, receivedAt, receivedAtText, clientTimestamp));
    if (ip != null) {
      ObjectNode context =
          json.has("context") ? (ObjectNode) json.get("context") : json.putObject("context");
      JsonNode current = context.get("ip");
      if (current == null
          || current.isNull()
          || (current.isTextual() && current.textValue().isEmpty())) {
        context.put("ip", ip);
      }
    }
  }

  /**
   * {@code receivedAt - (sentAt - clientTimestamp)}; the client's own timestamp when that leaves
   * the years 0000 to 9999 (a clock so wrong that the correction means nothing).
   */
  private static Instant corrected(Instant receivedAt, Instant sentAt, Instant clientTimestamp) {
    long skew = sentAt.toEpochMilli() - clientTimestamp.toEpochMilli();
    Instant timestamp = Dates.inRange(receivedAt.toEpochMilli() - skew);
    return timestamp != null ? timestamp : clientTimestamp;
  }

  /** {@code instant} formatted, or one of the texts at hand when it is the same instant. */
  private static String text(
      Instant instant, Instant receivedAt, String receivedAtText, ClientDate client) {
    if (instant.equals(receivedAt)) {
      return receivedAtText;
    }
    if (client != null && instant.equals(client.instant())) {
      return client.text();
    }
    return Dates.format(instant);
  }

  /**
   * A version-4 UUID from a thread-local generator: message ids must be unique, not unguessable,
   * and {@link UUID#randomUUID()} would serialize every request thread on one SecureRandom.
   */
  static String randomUuid() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long most = (random.nextLong() & ~0xF000L) | 0x4000L;
    long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(most, least).toString();
  }
}
