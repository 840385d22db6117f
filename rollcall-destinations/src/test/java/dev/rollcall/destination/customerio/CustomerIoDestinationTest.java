package dev.rollcall.destination.customerio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.spec.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CustomerIoDestinationTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);

  /** 2015-02-23T22:28:55Z. */
  private static final long CREATED_SECONDS = 1424730535L;

  /** Basic base64("site-1:key-2"). */
  private static final String BASIC = "Basic c2l0ZS0xOmtleS0y";

  private final CustomerIoDestination customerIo = new CustomerIoDestination();
  private final HttpSender sender = new HttpSender(Duration.ofSeconds(5));
  private MockWebServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void plan_completeExample_mapsReservedTraitsToCustomerIoAttributes() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "97980cfea0067", "anonymousId": "507f191e",
             "traits": {
               "address": {"city": "San Francisco", "country": "USA", "postalCode": "94103",
                           "state": "CA", "street": "6th St"},
               "age": 32,
               "avatar": "https://example.com/peter.png",
               "birthday": "1990-04-13",
               "company": {"name": "Initech", "id": 42, "industry": "Software",
                           "employeeCount": 120, "plan": "enterprise"},
               "createdAt": "2015-02-23T22:28:55.111Z",
               "description": "Manager",
               "email": "peter@example.com",
               "firstName": "Peter",
               "gender": "male",
               "id": "97980cfea0067",
               "lastName": "Gibbons",
               "phone": "555-555-5555",
               "title": "VP",
               "username": "pgibbons",
               "website": "https://example.com",
               "plan": "premium",
               "tags": ["a", "b"]
             }}
            """);

    send(
        message,
        "/api/v1/customers/97980cfea0067",
        """
        {"email": "peter@example.com",
         "created_at": 1424730535,
         "address": {"city": "San Francisco", "country": "USA", "postalCode": "94103",
                     "state": "CA", "street": "6th St"},
         "age": 32,
         "avatar": "https://example.com/peter.png",
         "birthday": 639964800,
         "company": {"name": "Initech", "id": 42, "industry": "Software",
                     "employeeCount": 120, "plan": "enterprise"},
         "description": "Manager",
         "firstName": "Peter",
         "gender": "male",
         "id": "97980cfea0067",
         "lastName": "Gibbons",
         "phone": "555-555-5555",
         "title": "VP",
         "username": "pgibbons",
         "website": "https://example.com",
         "name": "Peter Gibbons",
         "plan": "premium",
         "tags": ["a", "b"],
         "anonymous_id": "507f191e"}
        """);
  }

  @Test
  void plan_snakeCaseTraits_mapLikeCamelCase() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1",
             "traits": {"first_name": "Peter", "last_name": "Gibbons",
                        "created_at": 1424730535, "email": "peter@example.com",
                        "favorite_color": "red"}}
            """);

    send(
        message,
        "/api/v1/customers/u1",
        """
        {"email": "peter@example.com", "created_at": 1424730535, "firstName": "Peter",
         "lastName": "Gibbons", "favorite_color": "red", "name": "Peter Gibbons"}
        """);
  }

  @Test
  void plan_missingEmail_keyedByUserId() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "traits": {"plan": "free"}}
            """);

    send(message, "/api/v1/customers/u1", "{\"plan\": \"free\"}");
  }

  @Test
  void plan_emailWithoutUserId_keyedByEncodedEmail() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "anonymousId": "anon-1",
             "traits": {"email": "peter+test@example.com"}}
            """);

    send(
        message,
        "/api/v1/customers/peter%2Btest%40example.com",
        "{\"email\": \"peter+test@example.com\", \"anonymous_id\": \"anon-1\"}");
  }

  @Test
  void plan_noUserIdAndNoEmail_skipsWithReason() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "anonymousId": "anon-1", "traits": {"plan": "free"}}
            """);

    Plan plan = customerIo.plan(message, DestinationSettings.of(Map.of(), null));

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.requests()).isEmpty();
    assertThat(plan.skipReason()).isEqualTo("Customer.io needs a userId or an email");
  }

  @Test
  void plan_userIdNeedingEncoding_percentEncodedInPath() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "a/b c+d?e#f%g&h=i~j.k_l-m"}
            """);

    send(message, "/api/v1/customers/a%2Fb%20c%2Bd%3Fe%23f%25g%26h%3Di~j.k_l-m", "{}");
  }

  @Test
  void plan_unicode_encodedInPathAndSentAsUtf8() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "Zoë/日本",
             "traits": {"name": "Zoë Ångström 😀", "city": "Zürich"}}
            """);

    RecordedRequest recorded =
        send(
            message,
            "/api/v1/customers/Zo%C3%AB%2F%E6%97%A5%E6%9C%AC",
            """
            {"name": "Zoë Ångström 😀", "firstName": "Zoë", "lastName": "Ångström 😀",
             "city": "Zürich"}
            """);
    // Raw UTF-8, not \\u escapes, for BMP text (Jackson escapes surrogate pairs, which is valid
    // JSON).
    assertThat(recorded.getBody().utf8()).contains("\"city\":\"Zürich\"");
  }

  @Test
  void plan_cioIdentifier_passesVerbatim() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "cio_1234",
             "traits": {"email": "new@example.com", "id": "new-id"}}
            """);

    send(
        message,
        "/api/v1/customers/cio_1234",
        "{\"email\": \"new@example.com\", \"id\": \"new-id\"}");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"2015-02-23T22:28:55.000Z\"",
        "\"2015-02-23T14:28:55-08:00\"",
        "1424730535",
        "1424730535000",
        "1424730535999",
        "\"1424730535000\""
      })
  void plan_createdAtAsIsoSecondsOrMillis_givesSameCreatedAt(String createdAt) throws Exception {
    Message message =
        identify(
            "{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"createdAt\": "
                + createdAt
                + "}}");

    DestinationRequest request = only(customerIo.plan(message, settings(Map.of())));

    assertThat(Json.read(request.bodyBytes()))
        .isEqualTo(json("{\"created_at\": " + CREATED_SECONDS + "}"));
  }

  /** As Segment's Customer.io destination does by default: its timestamp rules need Unix time. */
  @Test
  void plan_isoDateTraits_inObjectsToo_areUnixSeconds_otherStringsAreNot() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "traits": {
              "trialEnds": "2024-08-14T20:36:48.6527521Z", "renewal": "2024-08-14",
              "plan": {"since": "2024-08-14T20:36:48Z", "name": "pro"},
              "dates": ["2024-08-14"], "zip": "1990", "code": "1723667808", "note": "2024-08-14 maybe"}}
            """);

    DestinationRequest request = only(customerIo.plan(message, settings(Map.of())));

    assertThat(Json.read(request.bodyBytes())) // as sent: numbers read back as numbers
        .isEqualTo(
            json(
                """
                {"trialEnds": 1723667808, "renewal": 1723593600,
                 "plan": {"since": 1723667808, "name": "pro"},
                 "dates": ["2024-08-14"], "zip": "1990", "code": "1723667808",
                 "note": "2024-08-14 maybe"}
                """));
    DestinationRequest asSent =
        only(customerIo.plan(message, settings(Map.of("convertTimestamps", "false"))));
    assertThat(asSent.jsonBody().get("trialEnds").textValue())
        .isEqualTo("2024-08-14T20:36:48.6527521Z");
  }

  @Test
  void plan_unreadableCreatedAt_keptAsSent() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "traits": {"createdAt": "last tuesday"}}
            """);

    DestinationRequest request = only(customerIo.plan(message, settings(Map.of())));

    assertThat(request.jsonBody()).isEqualTo(json("{\"createdAt\": \"last tuesday\"}"));
  }

  @Test
  void plan_regions_pickTrackHost() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\"}");
    DestinationSettings us = DestinationSettings.preview(Map.of(), null);
    DestinationSettings eu = DestinationSettings.preview(Map.of("region", "EU"), null);
    DestinationSettings bad = DestinationSettings.preview(Map.of("region", "mars"), null);

    assertThat(only(customerIo.plan(message, us)).url())
        .isEqualTo("https://track.customer.io/api/v1/customers/u1");
    assertThat(only(customerIo.plan(message, eu)).url())
        .isEqualTo("https://track-eu.customer.io/api/v1/customers/u1");
    assertThatThrownBy(() -> customerIo.plan(message, bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("region");
  }

  @Test
  void plan_preview_showsPlaceholders() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\"}");

    DestinationRequest request =
        only(customerIo.plan(message, DestinationSettings.preview(Map.of(), null)));

    assertThat(request.method()).isEqualTo("PUT");
    assertThat(request.headers())
        .containsExactly(
            Map.entry("Authorization", "Basic base64(<siteId>:<apiKey>)"),
            Map.entry("Content-Type", "application/json"));
  }

  @Test
  void plan_previewWithCredentials_encodesThem() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\"}");

    DestinationRequest request =
        only(
            customerIo.plan(
                message,
                DestinationSettings.preview(Map.of("siteId", "site-1", "apiKey", "key-2"), null)));

    assertThat(request.headers()).containsEntry("Authorization", BASIC);
  }

  @Test
  void plan_missingCredentialsWhenDelivering_throws() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\"}");

    assertThatThrownBy(
            () ->
                customerIo.plan(message, DestinationSettings.of(Map.of("siteId", "site-1"), null)))
        .isInstanceOf(DestinationSettings.MissingSettingException.class)
        .extracting(e -> ((DestinationSettings.MissingSettingException) e).setting())
        .isEqualTo("apiKey");
    assertThatThrownBy(
            () -> customerIo.plan(message, DestinationSettings.of(Map.of("apiKey", "k"), null)))
        .isInstanceOf(DestinationSettings.MissingSettingException.class)
        .extracting(e -> ((DestinationSettings.MissingSettingException) e).setting())
        .isEqualTo("siteId");
  }

  @Test
  void name_isSegmentSpelling() {
    assertThat(customerIo.name()).isEqualTo("Customer.io");
  }

  // --- helpers

  /** Sends the plan's one request to the stub; checks method, path, headers and body. */
  private RecordedRequest send(Message message, String expectedPath, String expectedBody)
      throws Exception {
    String baseUrl = server.url("/").toString();
    DestinationRequest request =
        only(customerIo.plan(message, settings(Map.of("baseUrl", baseUrl))));
    server.enqueue(new MockResponse.Builder().code(200).body("{}").build());

    HttpSender.Response response = sender.send(request);

    assertThat(response.status()).isEqualTo(200);
    RecordedRequest recorded = server.takeRequest();
    assertThat(recorded.getMethod()).isEqualTo("PUT");
    assertThat(recorded.getTarget()).isEqualTo(expectedPath);
    assertThat(recorded.getHeaders().get("Authorization")).isEqualTo(BASIC);
    assertThat(recorded.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(Json.read(recorded.getBody().toByteArray())).isEqualTo(json(expectedBody));
    return recorded;
  }

  private static DestinationSettings settings(Map<String, String> extra) {
    Map<String, String> values = new HashMap<>(extra);
    values.put("siteId", "site-1");
    values.put("apiKey", "key-2");
    return DestinationSettings.of(values, null);
  }

  private static DestinationRequest only(Plan plan) {
    assertThat(plan.skipped()).as("skipped: %s", plan.skipReason()).isFalse();
    assertThat(plan.requests()).hasSize(1);
    return plan.requests().get(0);
  }

  private static Message identify(String json) throws IOException {
    Outcome outcome =
        new MessageNormalizer(CLOCK).normalize((ObjectNode) json(json), null, "203.0.113.7");
    assertThat(outcome.isAccepted()).as("rejected: %s", outcome.error()).isTrue();
    return outcome.message();
  }

  private static JsonNode json(String text) throws IOException {
    return Json.read(text.getBytes(StandardCharsets.UTF_8));
  }
}
