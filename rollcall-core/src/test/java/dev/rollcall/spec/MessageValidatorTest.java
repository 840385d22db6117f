package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.json;
import static dev.rollcall.spec.TestMessages.normalize;
import static dev.rollcall.spec.TestMessages.normalizer;
import static dev.rollcall.spec.TestMessages.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.MessageType;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class MessageValidatorTest {

  // ---- userId / anonymousId ---------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'type': 'identify'}",
        "{'type': 'identify', 'userId': '', 'anonymousId': ''}",
        "{'type': 'identify', 'userId': null, 'anonymousId': null}",
        "{'type': 'identify', 'userId': '', 'anonymousId': null}",
        "{'type': 'identify', 'traits': {'email': 'peter@initech.com'}}",
      })
  void normalize_noUserIdNorAnonymousId_isRejectedOnUserId(String message) {
    Outcome outcome = normalize(message);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.message()).isNull();
    assertThat(outcome.error()).isEqualTo("userId or anonymousId is required");
    assertThat(outcome.path()).isEqualTo("userId");
  }

  @Test
  void normalize_onlyAnonymousId_isAccepted() {
    Outcome outcome = normalize("{'type': 'identify', 'anonymousId': '507f191e810c19729de860ea'}");

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().anonymousId()).isEqualTo("507f191e810c19729de860ea");
    assertThat(outcome.message().userId()).isNull();
    assertThat(outcome.message().personKey()).isEqualTo("507f191e810c19729de860ea");
  }

  @Test
  void normalize_emptyUserIdWithAnonymousId_dropsTheEmptyUserId() {
    Outcome outcome = normalize("{'type': 'identify', 'userId': '', 'anonymousId': 'a1'}");

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().json().has("userId")).isFalse();
    assertThat(outcome.message().personKey()).isEqualTo("a1");
  }

  @Test
  void normalize_nullAnonymousIdWithUserId_dropsTheNull() {
    Outcome outcome = normalize("{'type': 'identify', 'userId': 'u1', 'anonymousId': null}");

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().json().has("anonymousId")).isFalse();
  }

  @ParameterizedTest(name = "{0} -> \"{1}\"")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "12                                 | 12",
        "0                                  | 0",
        "-7                                 | -7",
        "12.5                               | 12.5",
        "12.50                              | 12.5",
        "12.0                               | 12",
        "1e3                                | 1000",
        "1.5E2                              | 150",
        "9007199254740993                   | 9007199254740993",
        "123456789012345678901234567890     | 123456789012345678901234567890",
      })
  void normalize_numericId_isAcceptedAndKeptAsItsPlainString(String number, String expected) {
    ObjectNode message = json("{'type': 'identify'}");
    message.set("userId", parse(number));
    message.set("anonymousId", parse(number));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().json().get("userId").isTextual()).isTrue();
    assertThat(outcome.message().userId()).isEqualTo(expected);
    assertThat(outcome.message().anonymousId()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "userId      | true        | a boolean",
        "userId      | {'id': 1}   | an object",
        "userId      | ['u1']      | an array",
        "anonymousId | false       | a boolean",
        "anonymousId | {}          | an object",
      })
  void normalize_idThatIsNotAStringOrNumber_isRejectedNamingTheField(
      String field, String value, String kind) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1', 'anonymousId': 'a1'}");
    message.set(field, json("{'v': " + value + "}").get("v"));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo(field);
    assertThat(outcome.error()).contains(field).contains(kind);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "userId      | 1e1000000000",
        "anonymousId | 1e1000000000",
        "userId      | 1e101",
        "userId      | 1e-101",
        "messageId   | 1e1000000000",
      })
  void normalize_numericIdLongerThan100Digits_isRejectedPromptly(String field, String number) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1', 'anonymousId': 'a1'}");
    message.set(field, parse(number));

    Outcome outcome =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> normalizer().normalize(message, null, null));

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo(field);
    assertThat(outcome.error()).isEqualTo(field + " is a number too long to be an id");
  }

  @Test
  void normalize_numericIdOf100Digits_isAccepted() {
    ObjectNode message = json("{'type': 'identify'}");
    message.set("userId", parse("1" + "0".repeat(99)));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().userId()).isEqualTo("1" + "0".repeat(99));
  }

  @Test
  void normalize_numericIdWithHugeExponent_isRejectedPromptly() {
    ObjectNode message = json("{'type': 'identify', 'userId': 1e1000000000}");

    Outcome outcome =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> normalizer().normalize(message, null, null));

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("userId");
  }

  // ---- objects ----------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "traits       | 'Peter'     | a string",
        "traits       | ['a']       | an array",
        "traits       | 5           | a number",
        "context      | 'browser'   | a string",
        "context      | true        | a boolean",
        "integrations | ['All']     | an array",
        "integrations | false       | a boolean",
        "properties   | 'x'         | a string",
        "properties   | [1, 2]      | an array",
      })
  void normalize_objectFieldThatIsNotAnObject_isRejectedNamingTheField(
      String field, String value, String kind) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.set(field, json("{'v': " + value + "}").get("v"));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo(field);
    assertThat(outcome.error()).isEqualTo(field + " must be an object, not " + kind);
  }

  @ParameterizedTest(name = "{0}: null")
  @ValueSource(strings = {"traits", "context", "integrations", "properties"})
  void normalize_objectFieldThatIsNull_isRemoved(String field) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.putNull(field);

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().json().has(field)).isFalse();
  }

  // ---- type -------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'userId': 'u1'}",
        "{'userId': 'u1', 'type': null}",
        "{'userId': 'u1', 'type': 'Identify'}",
        "{'userId': 'u1', 'type': 'IDENTIFY'}",
        "{'userId': 'u1', 'type': 'login'}",
        "{'userId': 'u1', 'type': ''}",
        "{'userId': 'u1', 'type': 1}",
        "{'userId': 'u1', 'type': ['identify']}",
      })
  void normalize_missingOrUnknownType_isRejectedOnType(String message) {
    Outcome outcome = normalize(message);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("type");
    assertThat(outcome.error()).contains("type");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(MessageType.class)
  void normalize_eachWireType_isAcceptedAsThatType(MessageType type) {
    ObjectNode message =
        json(
            "{'userId': 'u1', 'event': 'Signed Up', 'groupId': 'g1', 'previousId': 'p1',"
                + " 'name': 'Home'}");
    message.put("type", type.wireName());

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    assertThat(outcome.message().type()).isEqualTo(type);
    assertThat(outcome.message().json().get("type").textValue()).isEqualTo(type.wireName());
  }

  @Test
  void normalize_impliedType_winsOverTheBodysType() {
    ObjectNode message = json("{'type': 'track', 'userId': 'u1'}");

    Outcome outcome = normalizer().normalize(message, MessageType.IDENTIFY, null);

    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    assertThat(outcome.message().type()).isEqualTo(MessageType.IDENTIFY);
    assertThat(outcome.message().json().get("type").textValue()).isEqualTo("identify");
  }

  @Test
  void normalize_impliedType_fillsAMissingType() {
    Outcome outcome = normalizer().normalize(json("{'userId': 'u1'}"), MessageType.IDENTIFY, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().json().get("type").textValue()).isEqualTo("identify");
  }

  @Test
  void normalize_impliedType_appliesItsOwnRules() {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");

    Outcome outcome = normalizer().normalize(message, MessageType.TRACK, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("event");
  }

  // ---- type-specific fields ---------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'type': 'track', 'userId': 'u1'}                                  | event",
        "{'type': 'track', 'userId': 'u1', 'event': ''}                     | event",
        "{'type': 'track', 'userId': 'u1', 'event': null}                   | event",
        "{'type': 'track', 'userId': 'u1', 'event': 5}                      | event",
        "{'type': 'group', 'userId': 'u1'}                                  | groupId",
        "{'type': 'group', 'userId': 'u1', 'groupId': ''}                   | groupId",
        "{'type': 'group', 'userId': 'u1', 'groupId': true}                 | groupId",
        "{'type': 'alias', 'userId': 'u1'}                                  | previousId",
        "{'type': 'alias', 'userId': 'u1', 'previousId': ''}                | previousId",
        "{'type': 'alias', 'anonymousId': 'a1', 'previousId': 'p1'}         | userId",
        "{'type': 'page', 'userId': 'u1', 'name': 5}                        | name",
        "{'type': 'screen', 'userId': 'u1', 'name': {}}                     | name",
      })
  void normalize_typeSpecificFieldMissingOrWrong_isRejectedNamingTheField(
      String message, String field) {
    Outcome outcome = normalize(message);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo(field);
    assertThat(outcome.error()).contains(field);
  }

  @Test
  void normalize_groupIdAsNumber_isKeptAsString() {
    Outcome outcome = normalize("{'type': 'group', 'userId': 'u1', 'groupId': 42}");

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().json().get("groupId").textValue()).isEqualTo("42");
  }

  @Test
  void normalize_pageWithoutName_isAccepted() {
    assertThat(normalize("{'type': 'page', 'userId': 'u1'}").isAccepted()).isTrue();
  }

  // ---- dates ------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "timestamp         | 'yesterday'",
        "timestamp         | '2015-02-30'",
        "timestamp         | true",
        "timestamp         | {}",
        "sentAt            | 'soon'",
        "sentAt            | '2015-02-23T24:00'",
        "sentAt            | [1424730535]",
        "originalTimestamp | ''",
        "originalTimestamp | 'Wed, 09 Aug 1995'",
      })
  void normalize_unparseableDate_isRejectedNamingTheField(String field, String value) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.set(field, json("{'v': " + value + "}").get("v"));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo(field);
    assertThat(outcome.error()).startsWith(field + " is not a date");
  }

  @ParameterizedTest(name = "{0}: null")
  @ValueSource(strings = {"timestamp", "sentAt", "originalTimestamp"})
  void normalize_nullDate_isTreatedAsAbsent(String field) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.putNull(field);

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().timestamp()).isEqualTo(TestMessages.NOW);
    assertThat(outcome.message().originalTimestamp()).isEqualTo(TestMessages.NOW);
    assertThat(outcome.message().json().has("sentAt")).isFalse();
  }

  @Test
  void normalize_timestampWithHugeExponent_isRejectedPromptly() {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1', 'timestamp': 1e100000000}");

    Outcome outcome =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> normalizer().normalize(message, null, null));

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("timestamp");
  }

  // ---- messageId --------------------------------------------------------------------------------

  @Test
  void normalize_messageIdOf100Characters_isAccepted() {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.put("messageId", "m".repeat(100));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().messageId()).isEqualTo("m".repeat(100));
  }

  @Test
  void normalize_messageIdLongerThan100Characters_isRejected() {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.put("messageId", "m".repeat(101));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("messageId");
    assertThat(outcome.error()).contains("100");
  }

  @Test
  void normalize_numericMessageId_isKeptAsString() {
    Outcome outcome = normalize("{'type': 'identify', 'userId': 'u1', 'messageId': 42}");

    assertThat(outcome.isAccepted()).isTrue();
    assertThat(outcome.message().messageId()).isEqualTo("42");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"true", "{}", "['m1']"})
  void normalize_messageIdNotAString_isRejected(String value) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.set("messageId", json("{'v': " + value + "}").get("v"));

    Outcome outcome = normalizer().normalize(message, null, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("messageId");
  }

  // ---- the message itself -----------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[]                     | an array",
        "[{\"userId\": \"u1\"}] | an array",
        "\"identify\"           | a string",
        "42                     | a number",
        "true                   | a boolean",
        "null                   | null",
      })
  void normalize_messageThatIsNotAnObject_isRejectedAsAWhole(String json, String kind) {
    Outcome outcome = normalizer().normalize(parse(json), MessageType.IDENTIFY, TestMessages.IP);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEmpty();
    assertThat(outcome.error()).isEqualTo("a message must be a JSON object, not " + kind);
  }

  // ---- the validator on its own -----------------------------------------------------------------

  @Test
  void validate_returnsTheTypeAndSettlesIdsInPlace() throws InvalidMessageException {
    ObjectNode message = json("{'type': 'group', 'userId': 7, 'anonymousId': '', 'groupId': 8}");

    MessageType type = MessageValidator.check(message, null).type();

    assertThat(type).isEqualTo(MessageType.GROUP);
    assertThat(message).isEqualTo(json("{'type': 'group', 'userId': '7', 'groupId': '8'}"));
  }

  @Test
  void validate_invalidMessage_throwsWithPathAndReason() {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1', 'traits': []}");

    assertThatThrownBy(() -> MessageValidator.check(message, null).type())
        .isInstanceOf(InvalidMessageException.class)
        .hasMessage("traits: traits must be an object, not an array")
        .satisfies(
            e -> {
              InvalidMessageException invalid = (InvalidMessageException) e;
              assertThat(invalid.path()).isEqualTo("traits");
              assertThat(invalid.reason()).isEqualTo("traits must be an object, not an array");
            });
  }
}
