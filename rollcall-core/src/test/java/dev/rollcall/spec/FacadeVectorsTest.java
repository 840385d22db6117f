package dev.rollcall.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vectors of {@code facade-vectors.json} (computed with Segment's own trait library,
 * segmentio/facade 3.4.10, in UTC; copied from ../shared/reference) on which our decided behaviour
 * agrees with Segment's. Each test names the vectors it runs by their description.
 *
 * <p>Vectors on the same getters that we skip, and why:
 *
 * <ul>
 *   <li>"name is trimmed": facade's {@code name()} trims; we keep {@code name} as the client sent
 *       it and only trim what we derive from it.
 *   <li>"FACADE BUG: lastName with leading whitespace ...": facade gives {@code "e Mercury"}; we
 *       give {@code "Mercury"}.
 *   <li>"name: non-string name -> undefined", "firstName: non-string -> undefined", "lastName:
 *       non-string -> undefined": facade hides a value of the wrong type; we keep it, with a
 *       warning.
 *   <li>"created from traits.created (ISO string)", "created: unix seconds number -> Date",
 *       "created: ISO string -> Date", "created preferred over createdAt": {@code created} is an
 *       alias facade honours; it is not a reserved trait of the spec, so we pass it through
 *       untouched.
 *   <li>"created: 8-digit string matches lax ISO (yyyyMMdd)", "isodate: year only": we decided that
 *       a string of digits is Unix time, so {@code "20130718"} and {@code "2013"} are seconds.
 *   <li>"isodate: year-month": {@code "2013-09"} is not one of the ISO-8601 forms we accept.
 *   <li>"created: 0 is falsy -> undefined": facade tests truthiness first; 0 is the Unix epoch to
 *       us.
 *   <li>"RFC 2822 date without time ...", "RFC 2822 with GMT": we accept ISO-8601 and Unix time
 *       only.
 *   <li>"derived: 12-digit numeric string matches neither ms nor lax-ISO ...": facade picks seconds
 *       by a regex on the digits; we apply the numeric threshold, which makes 123456789012
 *       milliseconds.
 *   <li>"traits(): strict ISO strings anywhere in traits become Dates (isodate-traverse)": we
 *       convert the reserved date traits only; other traits pass through untouched.
 *   <li>All {@code objCase} vectors: facade matches any key that is equal once lowercased and
 *       stripped of {@code _}, {@code -} and spaces; we accept exactly the camelCase name and its
 *       snake_case twin, and leave every other spelling alone.
 * </ul>
 */
class FacadeVectorsTest {
  private static final JsonNode VECTORS = load();

  private static JsonNode load() {
    try (InputStream in = FacadeVectorsTest.class.getResourceAsStream("facade-vectors.json")) {
      return Json.read(in.readAllBytes()).get("vectors");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode vector(String description, String method) {
    for (JsonNode vector : VECTORS) {
      if (vector.get("description").textValue().equals(description)) {
        assertThat(vector.get("method").textValue()).isEqualTo(method);
        return vector;
      }
    }
    throw new AssertionError("no vector described as: " + description);
  }

  /** The vector's input as an identify call: facade needs no id, we do. */
  private static ObjectNode normalizedTraits(JsonNode vector) {
    ObjectNode message = vector.get("input").deepCopy();
    message.put("type", "identify");
    if (!message.has("userId")) {
      message.put("userId", "facade-vector");
    }
    Outcome outcome = TestMessages.normalizer().normalize(message, null, null);
    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    return outcome.message().traits();
  }

  /** The trait as we normalize it, for facade's value, or null where facade has none. */
  private static void assertTrait(String description, String method, String trait) {
    JsonNode vector = vector(description, method);
    JsonNode ours = normalizedTraits(vector).get(trait);

    switch (vector.get("expectedKind").textValue()) {
      case "absent":
        assertThat(ours).as(description).isNull();
        break;
      case "value":
        assertThat(ours).as(description).isEqualTo(vector.get("expected"));
        break;
      default:
        throw new AssertionError("unexpected kind in " + description);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "name from traits.name",
        "name from firstName + lastName",
        "name: non-string first/last -> undefined",
        "only firstName: name undefined (needs both)",
        "snake_case first_name/last_name build name",
        "name wins over firstName+lastName",
        "empty-string name is a string -> returns \"\"",
      })
  void name_agreesWithFacade(String description) {
    assertTrait(description, "identify.name", "name");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "firstName from traits.firstName",
        "firstName split from name",
        "firstName from padded name is trimmed",
        "firstName from name with double inner space",
        "single-word name: firstName = name",
        "firstName wins over split of name",
      })
  void firstName_agreesWithFacade(String description) {
    assertTrait(description, "identify.firstName", "firstName");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "lastName from traits.lastName",
        "lastName split from name",
        "lastName = everything after first space, trimmed",
        "lastName from trailing-space-only name is trimmed",
        "single-word name: lastName undefined",
      })
  void lastName_agreesWithFacade(String description) {
    assertTrait(description, "identify.lastName", "lastName");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "created from traits.createdAt (ISO string)",
        "created_at (snake) is found via obj-case",
        "created: milliseconds number",
        "created: 10-digit numeric string -> seconds",
        "created: 13-digit numeric string -> milliseconds",
        "created: ISO with offset is converted to UTC",
        "created: date-only ISO -> midnight UTC",
        "created: number just below 31557600000 is seconds (x1000)",
        "created: number 31557600000 and above is milliseconds",
      })
  void createdAt_agreesWithFacade(String description) {
    JsonNode vector = vector(description, "identify.created");
    assertThat(vector.get("expectedKind").textValue()).isEqualTo("date");

    ObjectNode traits = normalizedTraits(vector);

    assertThat(traits.get("createdAt").textValue())
        .as(description)
        .isEqualTo(vector.get("expected").textValue());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"created: unparseable string -> Invalid Date"})
  void createdAt_notADate_agreesWithFacade(String description) {
    JsonNode vector = vector(description, "identify.created");
    assertThat(vector.get("expectedKind").textValue()).isEqualTo("invalid-date");
    JsonNode sent = vector.get("input").get("traits").get("createdAt");

    assertThat(Dates.parse(sent)).isNull();
    assertThat(normalizedTraits(vector).get("createdAt")).isEqualTo(sent);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "zip from traits.address.postalCode",
        "zip: address.postal_code (snake) found",
      })
  void postalCode_agreesWithFacade(String description) {
    JsonNode vector = vector(description, "identify.zip");

    ObjectNode traits = normalizedTraits(vector);

    assertThat(traits.get("address").get("postalCode")).isEqualTo(vector.get("expected"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "traits(): non-strict date strings (year only) stay strings",
      })
  void traitsThatAreNotReserved_agreeWithFacade(String description) {
    JsonNode vector = vector(description, "identify.traits");

    assertThat(normalizedTraits(vector)).isEqualTo(vector.get("expected"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"address proxied as-is (even a string)"})
  void addressOfTheWrongType_isKeptAsFacadeKeepsIt(String description) {
    JsonNode vector = vector(description, "identify.address");

    assertThat(normalizedTraits(vector).get("address")).isEqualTo(vector.get("expected"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "milliseconds number",
        "seconds number",
        "MySQL date",
        // tzDependent in facade (a space means the host's zone); we decided UTC, which is what
        // the vector was computed in.
        "MySQL datetime (space separator -> LOCAL offset; UTC here)",
        "ISO without zone -> treated as UTC by isodate",
        "ISO with -0700 offset",
        "ISO Z",
        "milliseconds string",
        "seconds string",
        "isodate: minutes precision, no zone = UTC",
        "isodate: -07:00 offset with colon",
        "isodate: ms starting with zero",
        "derived: >3 fractional digits truncated to ms",
      })
  void parse_agreesWithNewDate(String description) {
    JsonNode vector = vector(description, "newDate");
    assertThat(vector.get("expectedKind").textValue()).isEqualTo("date");

    assertThat(Dates.parse(vector.get("input")))
        .as(description)
        .isEqualTo(Instant.parse(vector.get("expected").textValue()));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"non-date string -> Invalid Date"})
  void parse_notADate_agreesWithNewDate(String description) {
    JsonNode vector = vector(description, "newDate");
    assertThat(vector.get("expectedKind").textValue()).isEqualTo("invalid-date");

    assertThat(Dates.parse(vector.get("input"))).isNull();
  }
}
