package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.IP;
import static dev.rollcall.spec.TestMessages.completeExample;
import static dev.rollcall.spec.TestMessages.identifyWithTraits;
import static dev.rollcall.spec.TestMessages.json;
import static dev.rollcall.spec.TestMessages.normalizer;
import static dev.rollcall.spec.TestMessages.reparse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The normalizer as a whole: what it hands back, and normalizing what it handed back. */
class MessageNormalizerTest {

  private static Outcome normalizeAgain(Outcome once, String ip) {
    return normalizer().normalize(reparse(once.message().json()), null, ip);
  }

  @Test
  void constructor_nullClock_isRefusedByName() {
    assertThatThrownBy(() -> new MessageNormalizer(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clock == null");
  }

  @Test
  void normalize_objectHandedOver_becomesTheMessage() {
    ObjectNode raw = json("{'type': 'identify', 'userId': 'u1'}");

    Outcome outcome = normalizer().normalize(raw, null, null);

    assertThat(outcome.message().json()).isSameAs(raw);
  }

  @Test
  void normalize_completeExampleAgain_isUnchanged() {
    Outcome once = normalizer().normalize(completeExample(), null, IP);

    Outcome twice = normalizeAgain(once, IP);

    assertThat(twice.message().json()).isEqualTo(once.message().json());
    assertThat(twice.warnings()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'type': 'identify', 'userId': 'u1', 'timestamp': '2015-02-23T22:28:50Z'}",
        "{'type': 'identify', 'userId': 'u1', 'timestamp': 1424730530,"
            + " 'sentAt': '2015-02-23T22:28:54+01:00'}",
        "{'type': 'identify', 'userId': 12.50, 'originalTimestamp': '2015-02-23 22:28:50',"
            + " 'traits': {'first_name': 'Peter', 'firstName': 'P', 'last_name': 'Gibbons',"
            + " 'created_at': 1424730535, 'address': {'postal_code': 94103}, 'email': 5}}",
        "{'type': 'track', 'event': 'Signed Up', 'anonymousId': 'a1', 'messageId': 7,"
            + " 'timestamp': '2015-02-23', 'context': {'traits': {'name': 'Peter Gibbons'}}}",
      })
  void normalize_normalizedMessageAgain_isUnchanged(String message) {
    Outcome once = normalizer().normalize(json(message), null, IP);

    Outcome twice = normalizeAgain(once, IP);

    assertThat(twice.isAccepted()).as("%s", twice.error()).isTrue();
    assertThat(twice.message().json()).isEqualTo(once.message().json());
    assertThat(twice.warnings()).isSubsetOf(once.warnings());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'type': 'identify', 'userId': 'u1'}",
        "{'type': 'identify', 'userId': 'u1', 'sentAt': '2015-02-23T22:28:50.000Z'}",
      })
  void normalize_normalizedMessageWithoutClientTimestampAgain_isUnchanged(String message) {
    Outcome once = normalizer().normalize(json(message), null, null);

    Outcome twice = normalizeAgain(once, null);

    // the timestamp is the server's: no originalTimestamp appears, no skew correction moves it
    assertThat(twice.message().json()).isEqualTo(once.message().json());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'type': 'identify', 'userId': 'u1', 'traits': {'createdAt': 253402300800000}}",
        "{'type': 'identify', 'userId': 'u1', 'timestamp': '0001-01-01T00:00:00Z',"
            + " 'sentAt': '9999-01-01T00:00:00Z'}",
      })
  void normalize_normalizedMessageWithDateAfterYear9999Again_isUnchanged(String message) {
    // A timestamp after 9999 is rejected outright (see DatesTest); these are accepted first.
    Outcome once = normalizer().normalize(json(message), null, null);

    Outcome twice = normalizeAgain(once, null);

    assertThat(twice.isAccepted()).as("%s", twice.error()).isTrue();
    assertThat(twice.message().json()).isEqualTo(once.message().json());
    assertThat(twice.warnings()).isSubsetOf(once.warnings());
  }

  @Test
  void normalize_unixTimestampAfterYear9999_isRejected() {
    Outcome outcome =
        normalizer()
            .normalize(
                json("{'type': 'identify', 'userId': 'u1', 'timestamp': 253402300800000}"),
                null,
                null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEqualTo("timestamp");
  }

  @Test
  void normalize_nameStartingWithUnicodeSpace_firstNameIsTheFirstWord() {
    Outcome outcome = identifyWithTraits("{'name': '\u2003Peter Gibbons'}");

    assertThat(outcome.message().traits().get("firstName").textValue()).isEqualTo("Peter");
    assertThat(outcome.message().traits().get("lastName").textValue()).isEqualTo("Gibbons");
  }

  @Test
  void normalize_clientTimestampEqualToTheClientsReceivedAt_isKept() {
    Outcome outcome =
        TestMessages.normalize(
            "{'type': 'identify', 'userId': 'u1', 'timestamp': '2012-12-02T00:30:08.276Z',"
                + " 'receivedAt': '2012-12-02T00:30:08.276Z'}");

    // today: timestamp 2015-02-23T22:28:55.387Z, no originalTimestamp
    assertThat(outcome.message().json().get("timestamp").textValue())
        .isEqualTo("2012-12-02T00:30:08.276Z");
    assertThat(outcome.message().json().get("originalTimestamp").textValue())
        .isEqualTo("2012-12-02T00:30:08.276Z");
  }

  @Test
  void normalize_severalWrongTraits_warnsAboutEachOnce() {
    Outcome outcome =
        identifyWithTraits("{'email': 5, 'age': '30', 'address': 'x', 'createdAt': 'soon'}");

    assertThat(outcome.warnings())
        .extracting(Warning::path)
        .containsExactlyInAnyOrder(
            "traits.email", "traits.age", "traits.address", "traits.createdAt");
  }
}
