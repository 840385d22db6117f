package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.CLOCK;
import static dev.rollcall.spec.TestMessages.IP;
import static dev.rollcall.spec.TestMessages.NOW;
import static dev.rollcall.spec.TestMessages.json;
import static dev.rollcall.spec.TestMessages.normalizer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnricherTest {
  private final Enricher enricher = new Enricher(CLOCK);

  private static ObjectNode enriched(Clock clock, String singleQuoted, String ip) {
    ObjectNode message = json(singleQuoted);
    new Enricher(clock).enrich(message, ip, ClientDates.read(message));
    return message;
  }

  private ObjectNode enriched(String singleQuoted) {
    ObjectNode message = json(singleQuoted);
    enricher.enrich(message, null, ClientDates.read(message));
    return message;
  }

  private static String text(ObjectNode message, String field) {
    return message.get(field).textValue();
  }

  // ---- messageId, receivedAt --------------------------------------------------------------------

  @Test
  void enrich_noMessageId_generatesARandomUuid() {
    ObjectNode message = enriched("{'userId': 'u1'}");

    String messageId = text(message, "messageId");
    assertThat(messageId)
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(UUID.fromString(messageId).version()).isEqualTo(4);
    assertThat(UUID.fromString(messageId).variant()).isEqualTo(2);
  }

  @Test
  void enrich_noMessageId_generatesADifferentIdEachTime() {
    assertThat(text(enriched("{'userId': 'u1'}"), "messageId"))
        .isNotEqualTo(text(enriched("{'userId': 'u1'}"), "messageId"));
  }

  @Test
  void enrich_messageIdPresent_isKept() {
    ObjectNode message = enriched("{'userId': 'u1', 'messageId': 'not-a-uuid-at-all'}");

    assertThat(text(message, "messageId")).isEqualTo("not-a-uuid-at-all");
  }

  @Test
  void enrich_receivedAt_isTheClockAndOverridesTheClients() {
    ObjectNode message = enriched("{'userId': 'u1', 'receivedAt': '1999-01-01T00:00:00.000Z'}");

    assertThat(text(message, "receivedAt")).isEqualTo("2015-02-23T22:28:55.387Z");
  }

  @Test
  void enrich_clockWithSubMillisecondPrecision_isCutToMilliseconds() {
    Clock clock = Clock.fixed(Instant.parse("2015-02-23T22:28:55.387654321Z"), ZoneOffset.UTC);

    ObjectNode message = enriched(clock, "{'userId': 'u1'}", null);

    assertThat(text(message, "receivedAt")).isEqualTo("2015-02-23T22:28:55.387Z");
    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:55.387Z");
  }

  // ---- timestamps -------------------------------------------------------------------------------

  @Test
  void enrich_specsCompleteExample_timestampIsReceivedAtLessTheClientsDelay() {
    // sentAt - timestamp = 0 ms on the client's clock, so the call happened when received.
    ObjectNode message =
        enriched(
            "{'userId': 'u1', 'sentAt': '2015-02-23T22:28:55.111Z',"
                + " 'timestamp': '2015-02-23T22:28:55.111Z'}");

    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:55.387Z");
    assertThat(text(message, "originalTimestamp")).isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(text(message, "sentAt")).isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(text(message, "receivedAt")).isEqualTo("2015-02-23T22:28:55.387Z");
  }

  @Test
  void enrich_segmentsWorkedExample_correctsTheClockSkew() {
    // segment-semantics.md §1.4: 36.745 - (32.900 - 31.593) = 35.438.
    Clock clock = Clock.fixed(Instant.parse("2019-06-14T06:33:36.745Z"), ZoneOffset.UTC);

    ObjectNode message =
        enriched(
            clock,
            "{'userId': 'u1', 'originalTimestamp': '2019-06-14T06:33:31.593Z',"
                + " 'sentAt': '2019-06-14T06:33:32.900Z'}",
            null);

    assertThat(text(message, "timestamp")).isEqualTo("2019-06-14T06:33:35.438Z");
    assertThat(text(message, "originalTimestamp")).isEqualTo("2019-06-14T06:33:31.593Z");
    assertThat(text(message, "receivedAt")).isEqualTo("2019-06-14T06:33:36.745Z");
  }

  @ParameterizedTest(name = "client ts {0}, sentAt {1} -> timestamp {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // the client's clock an hour slow: 4 s between call and send
        "2015-02-23T21:28:50.000Z | 2015-02-23T21:28:54.000Z | 2015-02-23T22:28:51.387Z",
        // the client's clock years fast
        "2030-01-01T00:00:00.000Z | 2030-01-01T00:00:10.500Z | 2015-02-23T22:28:44.887Z",
        // sentAt before the call on the client's clock: the difference is still applied
        "2015-02-23T22:28:55.000Z | 2015-02-23T22:28:54.000Z | 2015-02-23T22:28:56.387Z",
        // other forms of dates, read before the arithmetic
        "1424730530000            | 1424730534                | 2015-02-23T22:28:51.387Z",
        "2015-02-23T23:28:50+01:00 | 2015-02-23 22:28:54      | 2015-02-23T22:28:51.387Z",
      })
  void enrich_sentAtAndClientTimestamp_timestampIsReceivedAtMinusTheClientsDelay(
      String clientTimestamp, String sentAt, String expected) {
    ObjectNode message = json("{'userId': 'u1'}");
    message.set("timestamp", TestMessages.parse(jsonValue(clientTimestamp)));
    message.set("sentAt", TestMessages.parse(jsonValue(sentAt)));

    enricher.enrich(message, null, ClientDates.read(message));

    assertThat(text(message, "timestamp")).isEqualTo(expected);
    assertThat(Dates.parse(message.get("originalTimestamp")))
        .isEqualTo(Dates.parse(jsonValue(clientTimestamp).replace("\"", "")));
  }

  /** Digits stay a JSON number, anything else becomes a JSON string. */
  private static String jsonValue(String text) {
    return text.matches("-?\\d+") ? text : "\"" + text + "\"";
  }

  @Test
  void enrich_datesInOtherForms_areWrittenAsIsoUtcWithMilliseconds() {
    ObjectNode message =
        enriched("{'userId': 'u1', 'timestamp': 1424730530, 'sentAt': '1424730534000'}");

    assertThat(text(message, "originalTimestamp")).isEqualTo("2015-02-23T22:28:50.000Z");
    assertThat(text(message, "sentAt")).isEqualTo("2015-02-23T22:28:54.000Z");
    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:51.387Z");
  }

  @Test
  void enrich_noSentAt_timestampIsTheClientsTimestamp() {
    // An import of past calls: no correction without sentAt.
    ObjectNode message = enriched("{'userId': 'u1', 'timestamp': '2012-12-02T00:30:08.276Z'}");

    assertThat(text(message, "timestamp")).isEqualTo("2012-12-02T00:30:08.276Z");
    assertThat(text(message, "originalTimestamp")).isEqualTo("2012-12-02T00:30:08.276Z");
    assertThat(message.has("sentAt")).isFalse();
  }

  @Test
  void enrich_noSentAt_clientTimestampIsNormalizedToUtc() {
    ObjectNode message = enriched("{'userId': 'u1', 'timestamp': '2012-12-02T07:30:08.276+07:00'}");

    assertThat(text(message, "timestamp")).isEqualTo("2012-12-02T00:30:08.276Z");
  }

  @Test
  void enrich_noClientTimestamp_timestampAndOriginalTimestampAreReceivedAt() {
    ObjectNode message = enriched("{'userId': 'u1'}");

    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:55.387Z");
    assertThat(text(message, "originalTimestamp")).isEqualTo("2015-02-23T22:28:55.387Z");
  }

  @Test
  void enrich_noClientTimestampButSentAt_timestampIsReceivedAtOriginalTimestampIsSentAt() {
    ObjectNode message = enriched("{'userId': 'u1', 'sentAt': '2015-02-23T22:28:50.000Z'}");

    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:55.387Z");
    assertThat(text(message, "sentAt")).isEqualTo("2015-02-23T22:28:50.000Z");
    assertThat(text(message, "originalTimestamp")).isEqualTo("2015-02-23T22:28:50.000Z");
  }

  @Test
  void enrich_originalTimestampAndTimestamp_originalTimestampIsTheClientsReading() {
    ObjectNode message =
        enriched(
            "{'userId': 'u1', 'originalTimestamp': '2015-02-23T22:28:50.000Z',"
                + " 'timestamp': '2015-02-23T22:00:00.000Z', 'sentAt': '2015-02-23T22:28:54.000Z'}");

    assertThat(text(message, "originalTimestamp")).isEqualTo("2015-02-23T22:28:50.000Z");
    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:51.387Z");
  }

  @Test
  void enrich_onlyOriginalTimestamp_isTheClientsReading() {
    ObjectNode message = enriched("{'userId': 'u1', 'originalTimestamp': '2015-02-23T22:28:50Z'}");

    assertThat(text(message, "originalTimestamp")).isEqualTo("2015-02-23T22:28:50.000Z");
    assertThat(text(message, "timestamp")).isEqualTo("2015-02-23T22:28:50.000Z");
  }

  @Test
  void enrich_enrichedMessageWithClientTimestamp_isUnchangedByASecondEnrichment() {
    ObjectNode message =
        enriched(
            "{'userId': 'u1', 'timestamp': '2015-02-23T22:28:50.000Z',"
                + " 'sentAt': '2015-02-23T22:28:54.000Z'}");
    ObjectNode once = message.deepCopy();

    enricher.enrich(message, null, ClientDates.read(message));

    assertThat(message).isEqualTo(once);
  }

  // ---- context.ip -------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'userId': 'u1', 'context': {}}",
        "{'userId': 'u1', 'context': {'ip': ''}}",
        "{'userId': 'u1', 'context': {'ip': null}}",
      })
  void enrich_contextIpAbsentOrEmpty_isFilledFromTheRequest(String message) {
    assertThat(enriched(CLOCK, message, IP).get("context").get("ip").textValue()).isEqualTo(IP);
  }

  @Test
  void enrich_contextIpSet_isKept() {
    ObjectNode message = enriched(CLOCK, "{'userId': 'u1', 'context': {'ip': '8.8.8.8'}}", IP);

    assertThat(message.get("context").get("ip").textValue()).isEqualTo("8.8.8.8");
  }

  @Test
  void enrich_noContext_createsOneWithTheIp() {
    ObjectNode message = enriched(CLOCK, "{'userId': 'u1'}", IP);

    assertThat(message.get("context")).isEqualTo(json("{'ip': '203.0.113.7'}"));
  }

  @Test
  void enrich_contextWithOtherFields_keepsThemBesideTheIp() {
    ObjectNode message =
        enriched(CLOCK, "{'userId': 'u1', 'context': {'locale': 'en-US', 'ip': ''}}", IP);

    assertThat(message.get("context")).isEqualTo(json("{'locale': 'en-US', 'ip': '203.0.113.7'}"));
  }

  @Test
  void enrich_unknownRequestIp_leavesContextAlone() {
    ObjectNode withoutContext = enriched(CLOCK, "{'userId': 'u1'}", null);
    ObjectNode withEmptyIp = enriched(CLOCK, "{'userId': 'u1', 'context': {'ip': ''}}", null);

    assertThat(withoutContext.has("context")).isFalse();
    assertThat(withEmptyIp.get("context")).isEqualTo(json("{'ip': ''}"));
  }

  // ---- through the normalizer -------------------------------------------------------------------

  @Test
  void normalize_messageAccessors_readTheEnrichedFields() {
    Outcome outcome =
        normalizer()
            .normalize(
                json(
                    "{'type': 'identify', 'userId': 'u1', 'timestamp': '2015-02-23T22:28:50Z',"
                        + " 'sentAt': '2015-02-23T22:28:54Z'}"),
                null,
                IP);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().receivedAt()).isEqualTo(NOW);
    assertThat(outcome.message().timestamp()).isEqualTo(Instant.parse("2015-02-23T22:28:51.387Z"));
    assertThat(outcome.message().originalTimestamp())
        .isEqualTo(Instant.parse("2015-02-23T22:28:50Z"));
    assertThat(outcome.message().sentAt()).isEqualTo(Instant.parse("2015-02-23T22:28:54Z"));
    assertThat(outcome.message().context().ip()).isEqualTo(IP);
  }
}
