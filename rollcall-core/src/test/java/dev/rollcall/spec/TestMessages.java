package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Shared inputs for the spec tests: the fixed clock, the spec's own examples (in {@code
 * src/test/resources/dev/rollcall/spec}) and a terse way to write JSON in a test.
 */
final class TestMessages {
  /** The {@code receivedAt} of the spec's complete example: every test's "now". */
  static final Instant NOW = Instant.parse("2015-02-23T22:28:55.387Z");

  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  /** The request address used where a test needs one (TEST-NET-3, RFC 5737). */
  static final String IP = "203.0.113.7";

  /** A camelCase set of traits with every reserved trait that has a snake_case twin. */
  static final String CAMEL_CASE_TRAITS =
      "{'email': 'peter@initech.com', 'firstName': 'Peter', 'lastName': 'Gibbons',"
          + " 'createdAt': '2015-02-23T22:28:55.111Z', 'plan': 'premium',"
          + " 'address': {'street': '6th St', 'postalCode': '94103'},"
          + " 'company': {'name': 'Initech', 'employeeCount': 400}}";

  /** {@link #CAMEL_CASE_TRAITS} as a snake_case client would send them. */
  static final String SNAKE_CASE_TRAITS =
      "{'email': 'peter@initech.com', 'first_name': 'Peter', 'last_name': 'Gibbons',"
          + " 'created_at': 1424730535111, 'plan': 'premium',"
          + " 'address': {'street': '6th St', 'postal_code': '94103'},"
          + " 'company': {'name': 'Initech', 'employee_count': 400}}";

  private TestMessages() {}

  /** The spec's complete example of an identify call, as the spec prints it. */
  static ObjectNode completeExample() {
    return resource("complete-example.json");
  }

  /** The complete example with {@code address.postal_code} in place of {@code postalCode}. */
  static ObjectNode completeExampleSnakeCase() {
    return resource("complete-example-snake-case.json");
  }

  /**
   * What the complete example becomes, normalized at {@link #NOW} for a request from {@link #IP}.
   */
  static ObjectNode completeExampleNormalized() {
    return resource("complete-example-normalized.json");
  }

  /** The spec's first payload, "a typical identify call with most common fields removed". */
  static ObjectNode typicalPayload() {
    return resource("typical-payload.json");
  }

  /**
   * Parses JSON written with single quotes for readability: {@code json("{'userId': 'u1'}")}. The
   * text must not need a literal single quote.
   */
  static ObjectNode json(String singleQuoted) {
    JsonNode node = parse(singleQuoted.replace('\'', '"'));
    if (!(node instanceof ObjectNode)) {
      throw new IllegalArgumentException("not a JSON object: " + singleQuoted);
    }
    return (ObjectNode) node;
  }

  /** Parses any JSON value with Rollcall's own mapper. */
  static JsonNode parse(String text) {
    try {
      return Json.read(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh copy of {@code node} as the wire would deliver it: written out and read back. */
  static JsonNode reparse(JsonNode node) {
    try {
      return Json.read(Json.write(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static MessageNormalizer normalizer() {
    return new MessageNormalizer(CLOCK);
  }

  /** Normalizes single-quoted JSON whose body names its type, with no request address. */
  static Outcome normalize(String singleQuoted) {
    return normalizer().normalize(json(singleQuoted), null, null);
  }

  /** Normalizes an identify call with {@code traits} and a fixed userId. */
  static Outcome identifyWithTraits(String singleQuotedTraits) {
    ObjectNode message = json("{'type': 'identify', 'userId': 'u1'}");
    message.set("traits", json(singleQuotedTraits));
    return normalizer().normalize(message, null, null);
  }

  private static ObjectNode resource(String name) {
    try (InputStream in = TestMessages.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return (ObjectNode) Json.read(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
