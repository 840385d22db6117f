package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.json;
import static dev.rollcall.spec.TestMessages.normalizer;
import static dev.rollcall.spec.TestMessages.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BatchEnvelopeTest {

  private static List<JsonNode> open(String singleQuoted) throws InvalidMessageException {
    return BatchEnvelope.open(json(singleQuoted));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"batch\": []}", "{\"batch\": null}", "{\"batch\": 5, \"userId\": 1}"})
  void isBatch_objectWithBatchField_isABatch(String body) {
    assertThat(BatchEnvelope.isBatch(parse(body))).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"userId\": \"u1\"}", "[{\"batch\": []}]", "\"batch\"", "null"})
  void isBatch_anythingElse_isNotABatch(String body) {
    assertThat(BatchEnvelope.isBatch(parse(body))).isFalse();
  }

  @Test
  void open_messages_comeOutInOrder() throws InvalidMessageException {
    List<JsonNode> messages =
        open("{'batch': [{'userId': 'u1'}, {'userId': 'u2'}, {'userId': 'u3'}]}");

    assertThat(messages)
        .extracting(m -> m.get("userId").textValue())
        .containsExactly("u1", "u2", "u3");
  }

  @Test
  void open_emptyBatch_isRefused() {
    assertThatThrownBy(() -> open("{'batch': []}"))
        .isInstanceOfSatisfying(
            InvalidMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("the batch is empty");
              assertThat(e.path()).isEqualTo("batch");
            });
  }

  @Test
  void open_envelopeContext_isMergedUnderEachMessagesOwnDeeply() throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'context': {'library': {'name': 'analytics-java', 'version': '3.5.5'},"
                + " 'ip': '10.0.0.1', 'instanceId': 'i-1'},"
                + " 'batch': ["
                + " {'userId': 'u1', 'context': {'library': {'version': 'own'}, 'locale': 'en-US'}},"
                + " {'userId': 'u2'},"
                + " {'userId': 'u3', 'context': {'ip': '8.8.8.8', 'library': 'a string'}}]}");

    assertThat(messages.get(0).get("context"))
        .isEqualTo(
            json(
                "{'library': {'version': 'own', 'name': 'analytics-java'}, 'locale': 'en-US',"
                    + " 'ip': '10.0.0.1', 'instanceId': 'i-1'}"));
    assertThat(messages.get(1).get("context"))
        .isEqualTo(
            json(
                "{'library': {'name': 'analytics-java', 'version': '3.5.5'}, 'ip': '10.0.0.1',"
                    + " 'instanceId': 'i-1'}"));
    assertThat(messages.get(2).get("context"))
        .isEqualTo(json("{'ip': '8.8.8.8', 'library': 'a string', 'instanceId': 'i-1'}"));
  }

  @Test
  void open_envelopeContext_isCopiedNotShared() throws InvalidMessageException {
    ObjectNode envelope =
        json(
            "{'context': {'library': {'name': 'x'}}, 'batch': [{'userId': 'u1'}, {'userId': 'u2'}]}");

    List<JsonNode> messages = BatchEnvelope.open(envelope);
    ((ObjectNode) messages.get(0).get("context").get("library")).put("name", "changed");

    assertThat(messages.get(1).get("context").get("library").get("name").textValue())
        .isEqualTo("x");
    assertThat(envelope.get("context").get("library").get("name").textValue()).isEqualTo("x");
  }

  @Test
  void open_envelopeIntegrations_areMergedUnderEachMessagesOwn() throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'integrations': {'All': false, 'Mixpanel': true, 'Amplitude': {'opt': 1}},"
                + " 'batch': [{'userId': 'u1', 'integrations': {'Mixpanel': false,"
                + " 'Amplitude': {'own': 2}}}, {'userId': 'u2', 'integrations': null}]}");

    assertThat(messages.get(0).get("integrations"))
        .isEqualTo(json("{'Mixpanel': false, 'Amplitude': {'own': 2, 'opt': 1}, 'All': false}"));
    assertThat(messages.get(1).get("integrations"))
        .isEqualTo(json("{'All': false, 'Mixpanel': true, 'Amplitude': {'opt': 1}}"));
  }

  @Test
  void open_messageWhoseContextIsNotAnObject_isLeftForTheValidator()
      throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'context': {'ip': '10.0.0.1'},"
                + " 'batch': [{'type': 'identify', 'userId': 'u1', 'context': 'oops'}]}");

    assertThat(messages.get(0).get("context").textValue()).isEqualTo("oops");
    Outcome outcome = normalizer().normalize(messages.get(0), null, null).under("batch[0]");
    assertThat(outcome.path()).isEqualTo("batch[0].context");
  }

  @Test
  void open_emptyOrNullEnvelopeContextAndIntegrations_leaveMessagesAsSent()
      throws InvalidMessageException {
    List<JsonNode> messages =
        open("{'context': null, 'integrations': {}, 'batch': [{'userId': 'u1'}]}");

    assertThat(messages.get(0)).isEqualTo(json("{'userId': 'u1'}"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'context': 'not an object', 'batch': []}     | context      | a string",
        "{'integrations': ['Mixpanel'], 'batch': []}   | integrations | an array",
        "{'context': 5, 'batch': [{'userId': 'u1'}]}   | context      | a number",
      })
  void open_envelopeContextOrIntegrationsNotAnObject_isRejectedNamingTheField(
      String body, String field, String kind) {
    assertThatThrownBy(() -> open(body))
        .isInstanceOfSatisfying(
            InvalidMessageException.class,
            e -> {
              assertThat(e.path()).isEqualTo(field);
              assertThat(e.reason())
                  .isEqualTo("the batch's " + field + " must be an object, not " + kind);
            });
  }

  /**
   * The envelope's sentAt is the client's field, not the messages': a bad one is reported under its
   * own path, {@code sentAt}, as a bad envelope context is, never as {@code batch[0].sentAt}.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'sentAt': 'garbage', 'batch': [{'type': 'identify', 'userId': 'a'}]} | 'garbage'",
        "{'sentAt': true, 'batch': [{'type': 'identify', 'userId': 'a'}]}      | true",
        "{'sentAt': {}, 'batch': []}                                            | {}",
        "{'sentAt': 'x', 'batch': [{'userId': 'a', 'sentAt': 0}]}               | 'x'",
      })
  void open_envelopeSentAtNotADate_isRejectedNamingTheEnvelopesSentAt(String body, String shown) {
    assertThatThrownBy(() -> open(body))
        .isInstanceOfSatisfying(
            InvalidMessageException.class,
            e -> {
              assertThat(e.path()).isEqualTo("sentAt");
              assertThat(e.reason())
                  .isEqualTo(
                      "the batch's sentAt is not a date (ISO-8601 or Unix time): "
                          + shown.replace('\'', '"'));
            });
  }

  @Test
  void open_envelopeSentAt_appliesOnlyWhereMissing() throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'sentAt': '2015-02-23T22:28:55.111Z', 'batch': ["
                + " {'userId': 'u1'},"
                + " {'userId': 'u2', 'sentAt': '2015-02-23T22:28:50.000Z'}]}");

    assertThat(messages.get(0).get("sentAt").textValue()).isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(messages.get(1).get("sentAt").textValue()).isEqualTo("2015-02-23T22:28:50.000Z");
  }

  @Test
  void open_nullEnvelopeSentAt_isNotApplied() throws InvalidMessageException {
    List<JsonNode> messages = open("{'sentAt': null, 'batch': [{'userId': 'u1'}]}");

    assertThat(messages.get(0).has("sentAt")).isFalse();
  }

  @Test
  void open_envelopeSentAt_correctsEachMessagesClockSkew() throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'sentAt': '2015-02-23T21:28:54.000Z', 'batch': [{'type': 'identify', 'userId': 'u1',"
                + " 'timestamp': '2015-02-23T21:28:50.000Z'}]}");

    Outcome outcome = normalizer().normalize(messages.get(0), null, null);

    assertThat(outcome.message().json().get("timestamp").textValue())
        .isEqualTo("2015-02-23T22:28:51.387Z");
  }

  @Test
  void open_itemsThatAreNotObjects_arePassedThroughInPlace() throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'context': {'ip': '10.0.0.1'}, 'sentAt': '2015-02-23T22:28:55.111Z',"
                + " 'batch': [5, 'identify', null, [], {'userId': 'u1'}, true]}");

    assertThat(messages).hasSize(6);
    assertThat(messages.get(0)).isEqualTo(parse("5"));
    assertThat(messages.get(1)).isEqualTo(parse("\"identify\""));
    assertThat(messages.get(2).isNull()).isTrue();
    assertThat(messages.get(3)).isEqualTo(parse("[]"));
    assertThat(messages.get(4).get("context")).isEqualTo(json("{'ip': '10.0.0.1'}"));
    assertThat(messages.get(5)).isEqualTo(parse("true"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'batch': {'userId': 'u1'}} | an object",
        "{'batch': 'messages'}       | a string",
        "{'batch': null}             | null",
        "{'batch': 3}                | a number",
        "{'userId': 'u1'}            | absent",
      })
  void open_batchNotAnArray_isRejectedOnBatch(String body, String kind) {
    assertThatThrownBy(() -> open(body))
        .isInstanceOfSatisfying(
            InvalidMessageException.class,
            e -> {
              assertThat(e.path()).isEqualTo("batch");
              assertThat(e.reason()).isEqualTo("batch must be an array of messages, not " + kind);
            });
  }

  // ---- paths of rejections in a batch -----------------------------------------------------------

  @Test
  void normalizeBatch_oneBadMessage_isReportedUnderItsIndexAndTheOthersAreKept()
      throws InvalidMessageException {
    List<JsonNode> messages =
        open(
            "{'context': {'library': {'name': 'analytics-java'}}, 'batch': ["
                + " {'type': 'identify', 'userId': 'u1'},"
                + " {'type': 'identify', 'traits': {'email': 'e'}},"
                + " 'not a message',"
                + " {'type': 'track', 'userId': 'u3'}]}");

    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      outcomes.add(normalizer().normalize(messages.get(i), null, null).under("batch[" + i + "]"));
    }

    assertThat(outcomes).extracting(Outcome::isAccepted).containsExactly(true, false, false, false);
    assertThat(outcomes)
        .extracting(Outcome::path)
        .containsExactly(null, "batch[1].userId", "batch[2]", "batch[3].event");
    assertThat(outcomes.get(1).error()).isEqualTo("userId or anonymousId is required");
    assertThat(outcomes.get(0).message().context().library())
        .isEqualTo(json("{'name': 'analytics-java'}"));
  }

  @Test
  void outcomeUnder_rejectedWithPath_prefixesThePath() {
    Outcome outcome = Outcome.rejected("userId or anonymousId is required", "userId");

    Outcome under = outcome.under("batch[3]");

    assertThat(under.path()).isEqualTo("batch[3].userId");
    assertThat(under.error()).isEqualTo("userId or anonymousId is required");
    assertThat(under.isAccepted()).isFalse();
  }

  @Test
  void outcomeUnder_rejectedAsAWhole_isThePrefix() {
    assertThat(Outcome.rejected("a message must be a JSON object", "").under("batch[3]").path())
        .isEqualTo("batch[3]");
  }

  @Test
  void outcomeUnder_nestedPath_keepsItsDots() {
    assertThat(Outcome.rejected("x", "context.traits").under("batch[0]").path())
        .isEqualTo("batch[0].context.traits");
  }

  @Test
  void outcomeUnder_accepted_isUnchanged() {
    Outcome accepted = TestMessages.normalize("{'type': 'identify', 'userId': 'u1'}");

    assertThat(accepted.under("batch[3]")).isSameAs(accepted);
  }
}
