package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.normalizer;
import static dev.rollcall.spec.TestMessages.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.internal.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A client's own data, at any depth, comes out exactly as it went in. */
class UnknownFieldsTest {

  private static final String MESSAGE =
      """
      {
        "type": "identify",
        "userId": "u1",
        "writeKey": "wk_123",
        "experiment": {"arm": "B", "weights": [0.25, 0.75], "seed": 12345678901234567890},
        "traits": {
          "plan": "premium",
          "Plan_Type": "annual",
          "score": 1.10,
          "pi": 3.141592653589793238462643,
          "big": 123456789012345678901234567890,
          "tiny": 1.0E-7,
          "negative": -0.50,
          "flags": [true, false, null, {"nested": [1, [2, [3.00]]]}],
          "unicode": "Zoë 🚀 \\u0000 \\"quoted\\"",
          "empty": {},
          "address": {"street": "6th St", "unit": "4B", "geo": {"lat": 37.7749000, "lng": -122.4194}},
          "company": {"name": "Initech", "founded": 1999, "tags": ["tps", "reports"]}
        },
        "context": {
          "ip": "8.8.8.8",
          "library": {"name": "analytics-java", "version": "3.5.5", "build": 42.0},
          "device": {"adTrackingEnabled": true, "token": "ff15bc0c20c4aa6cd50854ff165fd265c838e5405bfeb9571066395b8c9da449"},
          "custom": {"deep": {"deeper": {"deepest": 1.000}}},
          "traits": {"loyalty": {"tier": "gold", "points": 10.50}}
        },
        "integrations": {"All": false, "Amplitude": {"session_id": 1424730535111, "ratio": 0.10}},
        "properties": {"revenue": 19.990, "currency": "USD"},
        "version": 2
      }
      """;

  private static Message normalized() {
    Outcome outcome = normalizer().normalize(parse(MESSAGE), null, null);
    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    return outcome.message();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/writeKey",
        "/experiment",
        "/traits/plan",
        "/traits/Plan_Type",
        "/traits/score",
        "/traits/pi",
        "/traits/big",
        "/traits/tiny",
        "/traits/negative",
        "/traits/flags",
        "/traits/unicode",
        "/traits/empty",
        "/traits/address/unit",
        "/traits/address/geo",
        "/traits/company/founded",
        "/traits/company/tags",
        "/context/library",
        "/context/device",
        "/context/custom",
        "/context/traits/loyalty",
        "/integrations",
        "/properties",
        "/version",
      })
  void normalize_unknownField_survivesUnchanged(String pointer) {
    JsonNode sent = parse(MESSAGE).at(pointer);

    JsonNode kept = normalized().json().at(pointer);

    assertThat(sent.isMissingNode()).isFalse();
    assertThat(kept).isEqualTo(sent);
    assertThat(Json.writeString(kept)).isEqualTo(Json.writeString(sent));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "\"score\":1.10",
        "\"pi\":3.141592653589793238462643",
        "\"big\":123456789012345678901234567890",
        "\"seed\":12345678901234567890",
        "\"negative\":-0.50",
        "\"weights\":[0.25,0.75]",
        "\"lat\":37.7749000",
        "\"deepest\":1.000",
        "\"points\":10.50",
        "\"build\":42.0",
        "\"revenue\":19.990",
        "\"ratio\":0.10",
        "\"session_id\":1424730535111",
        "[3.00]",
      })
  void toJson_numbers_areWrittenWithTheDigitsTheClientSent(String fragment) {
    String written = new String(normalized().toJson(), StandardCharsets.UTF_8);

    assertThat(written).contains(fragment);
  }

  @Test
  void toJson_numberInExponentForm_keepsItsValue() {
    JsonNode tiny =
        parse(new String(normalized().toJson(), StandardCharsets.UTF_8)).at("/traits/tiny");

    assertThat(tiny.decimalValue()).isEqualByComparingTo(new BigDecimal("1.0E-7"));
  }

  @Test
  void toJson_reReadMessage_isEqualToTheMessage() {
    Message message = normalized();

    assertThat(parse(new String(message.toJson(), StandardCharsets.UTF_8)))
        .isEqualTo(message.json());
    assertThat(parse(message.toString())).isEqualTo(message.json());
  }

  @Test
  void normalize_reservedTraitsBesideUnknownOnes_changeOnlyThemselves() {
    ObjectNode sent = (ObjectNode) parse(MESSAGE);
    ObjectNode traits = (ObjectNode) sent.get("traits");
    traits.put("first_name", "Peter");
    traits.put("last_name", "Gibbons");
    ObjectNode expected = traits.deepCopy();
    expected.remove("first_name");
    expected.remove("last_name");

    ObjectNode normalizedTraits = normalizer().normalize(sent, null, null).message().traits();
    normalizedTraits.remove("firstName");
    normalizedTraits.remove("lastName");
    normalizedTraits.remove("name");

    assertThat(normalizedTraits).isEqualTo(expected);
  }
}
