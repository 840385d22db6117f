package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.CAMEL_CASE_TRAITS;
import static dev.rollcall.spec.TestMessages.IP;
import static dev.rollcall.spec.TestMessages.NOW;
import static dev.rollcall.spec.TestMessages.SNAKE_CASE_TRAITS;
import static dev.rollcall.spec.TestMessages.completeExample;
import static dev.rollcall.spec.TestMessages.completeExampleNormalized;
import static dev.rollcall.spec.TestMessages.completeExampleSnakeCase;
import static dev.rollcall.spec.TestMessages.identifyWithTraits;
import static dev.rollcall.spec.TestMessages.json;
import static dev.rollcall.spec.TestMessages.normalizer;
import static dev.rollcall.spec.TestMessages.typicalPayload;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The examples printed in the identify spec, end to end through the normalizer. */
class SpecExamplesTest {

  @Test
  void normalize_completeExample_isTheExpectedMessage() {
    Outcome outcome = normalizer().normalize(completeExample(), null, IP);

    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    assertThat(outcome.warnings()).isEmpty();
    assertThat(outcome.message().json()).isEqualTo(completeExampleNormalized());
  }

  @Test
  void normalize_completeExample_accessorsReadTheSpecsValues() {
    Message message = normalizer().normalize(completeExample(), MessageType.IDENTIFY, IP).message();

    assertThat(message.type()).isEqualTo(MessageType.IDENTIFY);
    assertThat(message.userId()).isEqualTo("97980cfea0067");
    assertThat(message.anonymousId()).isEqualTo("507f191e810c19729de860ea");
    assertThat(message.personKey()).isEqualTo("97980cfea0067");
    assertThat(message.messageId()).isEqualTo("022bb90c-bbac-11e4-8dfc-aa07a5b093db");
    assertThat(message.receivedAt()).isEqualTo(NOW);
    assertThat(message.sentAt()).isEqualTo(Instant.parse("2015-02-23T22:28:55.111Z"));
    assertThat(message.originalTimestamp()).isEqualTo(Instant.parse("2015-02-23T22:28:55.111Z"));
    assertThat(message.timestamp()).isEqualTo(NOW);
    assertThat(message.channel()).isEqualTo("browser");
    assertThat(message.version().textValue()).isEqualTo("1.1");
    assertThat(message.context().ip()).isEqualTo(IP);
    assertThat(message.context().userAgent()).startsWith("Mozilla/5.0 (Macintosh;");
    assertThat(message.integrations())
        .isEqualTo(json("{'All': false, 'Mixpanel': true, 'Salesforce': true}"));
    assertThat(message.traits().get("email").textValue()).isEqualTo("peter@initech.com");
  }

  @Test
  void normalize_completeExample_keepsTheSpecsFieldOrderAndAppendsNewFields() {
    Message message = normalizer().normalize(completeExample(), null, IP).message();

    assertThat(Json.writeString(message.json()))
        .isEqualTo(Json.writeString(completeExampleNormalized()));
  }

  @Test
  void normalize_completeExampleWithoutRequestIp_keepsTheEmptyIp() {
    Message message = normalizer().normalize(completeExample(), null, null).message();

    assertThat(message.context().json().get("ip").textValue()).isEmpty();
  }

  @Test
  void normalize_snakeCaseVariantOfCompleteExample_yieldsTheSameTraits() {
    Outcome camel = normalizer().normalize(completeExample(), null, IP);
    Outcome snake = normalizer().normalize(completeExampleSnakeCase(), null, IP);

    assertThat(completeExampleSnakeCase().get("traits"))
        .isNotEqualTo(completeExample().get("traits"));
    assertThat(snake.message().traits()).isEqualTo(camel.message().traits());
    assertThat(Json.writeString(snake.message().traits()))
        .isEqualTo(Json.writeString(camel.message().traits()));
    assertThat(snake.message().json()).isEqualTo(camel.message().json());
  }

  @Test
  void normalize_snakeCaseTraits_yieldTheSameTraitsAsCamelCase() {
    Outcome camel = identifyWithTraits(CAMEL_CASE_TRAITS);
    Outcome snake = identifyWithTraits(SNAKE_CASE_TRAITS);

    assertThat(snake.message().traits())
        .isEqualTo(camel.message().traits())
        .isEqualTo(
            json(
                "{'email': 'peter@initech.com', 'firstName': 'Peter', 'lastName': 'Gibbons',"
                    + " 'createdAt': '2015-02-23T22:28:55.111Z', 'plan': 'premium',"
                    + " 'address': {'street': '6th St', 'postalCode': '94103'},"
                    + " 'company': {'name': 'Initech', 'employeeCount': 400},"
                    + " 'name': 'Peter Gibbons'}"));
    assertThat(Json.writeString(snake.message().traits()))
        .isEqualTo(Json.writeString(camel.message().traits()));
    assertThat(snake.warnings()).isEmpty();
    assertThat(camel.warnings()).isEmpty();
  }

  @Test
  void normalize_typicalPayload_isAcceptedAndEnriched() {
    Outcome outcome = normalizer().normalize(typicalPayload(), null, null);

    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    assertThat(outcome.warnings()).isEmpty();
    ObjectNode json = outcome.message().json();
    String messageId = json.get("messageId").textValue();
    assertThat(UUID.fromString(messageId).version()).isEqualTo(4);

    ObjectNode expected =
        json(
            "{'type': 'identify',"
                + " 'traits': {'name': 'Peter Gibbons', 'email': 'peter@initech.com',"
                + " 'plan': 'premium', 'logins': 5, 'firstName': 'Peter', 'lastName': 'Gibbons'},"
                + " 'userId': '97980cfea0067',"
                + " 'receivedAt': '2015-02-23T22:28:55.387Z',"
                + " 'originalTimestamp': '2015-02-23T22:28:55.387Z',"
                + " 'timestamp': '2015-02-23T22:28:55.387Z'}");
    expected.put("messageId", messageId);
    assertThat(json).isEqualTo(expected);
  }

  @Test
  void normalize_typicalPayloadThroughIdentifyEndpoint_isTheSameWithoutType() {
    ObjectNode withoutType = typicalPayload();
    withoutType.remove("type");

    Outcome outcome = normalizer().normalize(withoutType, MessageType.IDENTIFY, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().type()).isEqualTo(MessageType.IDENTIFY);
    assertThat(outcome.message().traits())
        .isEqualTo(normalizer().normalize(typicalPayload(), null, null).message().traits());
  }

  @Test
  void outcome_toJson_ofAcceptedMessage_hasMessageAndWarnings() {
    Outcome outcome = identifyWithTraits("{'email': 5}");

    ObjectNode json = outcome.toJson();

    assertThat(json.get("message")).isEqualTo(outcome.message().json());
    assertThat(json.get("warnings"))
        .isEqualTo(
            TestMessages.parse(
                "[{\"warning\": \"expected a string, not a number; kept as sent\","
                    + " \"path\": \"traits.email\"}]"));
    assertThat(json.has("error")).isFalse();
  }

  @Test
  void outcome_toJson_ofRejectedMessage_hasErrorAndPath() {
    Outcome outcome = TestMessages.normalize("{'type': 'identify'}");

    assertThat(outcome.toJson())
        .isEqualTo(json("{'error': 'userId or anonymousId is required', 'path': 'userId'}"));
  }

  @Test
  void outcome_warnings_areACopy() {
    List<Warning> warnings = new ArrayList<>(List.of(new Warning("traits.email", "odd")));
    Outcome outcome = Outcome.accepted(identifyWithTraits("{}").message(), warnings);

    warnings.clear();

    assertThat(outcome.warnings()).containsExactly(new Warning("traits.email", "odd"));
  }
}
