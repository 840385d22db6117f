package dev.rollcall.destination.intercom;

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
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntercomDestinationTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);

  /** 2024-05-01T11:59:30Z, the timestamp of every test message. */
  private static final long TIMESTAMP_SECONDS = 1714564770L;

  /** 2015-02-23T22:28:55Z. */
  private static final long CREATED_SECONDS = 1424730535L;

  private final IntercomDestination intercom = new IntercomDestination();
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
  void plan_completeExample_mapsReservedTraitsToIntercomFields() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "97980cfea0067", "anonymousId": "507f191e",
             "timestamp": "2024-05-01T11:59:30Z",
             "traits": {
               "address": {"city": "San Francisco", "country": "USA", "postalCode": "94103",
                           "state": "CA", "street": "6th St"},
               "age": 32,
               "avatar": "https://example.com/peter.png",
               "birthday": "1990-04-13",
               "company": {"name": "Initech", "id": 42, "industry": "Software",
                           "employeeCount": 120, "plan": "enterprise", "founded": 1999},
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
               "logins": 5
             }}
            """);

    JsonNode body =
        send(
            message,
            """
            {"user_id": "97980cfea0067",
             "email": "peter@example.com",
             "name": "Peter Gibbons",
             "phone": "555-555-5555",
             "signed_up_at": 1424730535,
             "last_request_at": 1714564770,
             "custom_attributes": {
               "address_city": "San Francisco", "address_country": "USA",
               "address_postalCode": "94103", "address_state": "CA", "address_street": "6th St",
               "age": 32,
               "avatar": "https://example.com/peter.png",
               "birthday": "1990-04-13T00:00:00.000Z",
               "description": "Manager",
               "gender": "male",
               "title": "VP",
               "username": "pgibbons",
               "website": "https://example.com",
               "plan": "premium",
               "logins": 5
             },
             "companies": [{"company_id": "42", "name": "Initech", "plan": "enterprise",
                            "industry": "Software", "size": 120,
                            "custom_attributes": {"founded": 1999}}]}
            """);
    assertThat(body.get("signed_up_at").longValue()).isEqualTo(CREATED_SECONDS);
    assertThat(body.get("last_request_at").longValue()).isEqualTo(TIMESTAMP_SECONDS);
  }

  @Test
  void plan_snakeCaseTraits_mapLikeCamelCase() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "timestamp": "2024-05-01T11:59:30Z",
             "traits": {"first_name": "Peter", "last_name": "Gibbons",
                        "created_at": "2015-02-23T22:28:55Z", "email": "peter@example.com",
                        "address": {"postal_code": "94103"},
                        "unsubscribed_from_emails": true, "favorite_color": "red"}}
            """);

    send(
        message,
        """
        {"user_id": "u1", "email": "peter@example.com", "name": "Peter Gibbons",
         "signed_up_at": 1424730535, "last_request_at": 1714564770,
         "unsubscribed_from_emails": true,
         "custom_attributes": {"address_postalCode": "94103", "favorite_color": "red"}}
        """);
  }

  @Test
  void plan_missingEmail_upsertsByUserIdOnly() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "timestamp": "2024-05-01T11:59:30Z",
             "traits": {"name": "Peter Gibbons"}}
            """);

    send(
        message,
        """
        {"user_id": "u1", "name": "Peter Gibbons", "last_request_at": 1714564770}
        """);
  }

  @Test
  void plan_emailWithoutUserId_upsertsByEmail() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "anonymousId": "a1", "timestamp": "2024-05-01T11:59:30Z",
             "traits": {"email": "peter@example.com", "firstName": "Peter"}}
            """);

    send(
        message,
        """
        {"email": "peter@example.com", "name": "Peter", "last_request_at": 1714564770}
        """);
  }

  @Test
  void plan_noUserIdAndNoEmail_skipsWithReason() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "anonymousId": "a1", "traits": {"name": "Peter"}}
            """);

    Plan plan = intercom.plan(message, DestinationSettings.of(Map.of(), null));

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.requests()).isEmpty();
    assertThat(plan.skipReason()).isEqualTo("Intercom needs a userId or an email");
  }

  @Test
  void plan_unicode_sentAsUtf8() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "ユーザー/1", "timestamp": "2024-05-01T11:59:30Z",
             "traits": {"name": "Zoë Ångström 日本 😀", "email": "zoë@example.com",
                        "city": "Zürich"}}
            """);

    RecordedRequest recorded = sendAndTake(message);

    assertThat(recorded.getBody().utf8())
        .contains("\"name\":\"Zoë Ångström 日本 ")
        .contains("\"user_id\":\"ユーザー/1\"");
    assertThat(Json.read(recorded.getBody().toByteArray()))
        .isEqualTo(
            json(
                """
                {"user_id": "ユーザー/1", "email": "zoë@example.com", "name": "Zoë Ångström 日本 😀",
                 "last_request_at": 1714564770, "custom_attributes": {"city": "Zürich"}}
                """));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"2015-02-23T22:28:55.000Z\"",
        "\"2015-02-23T23:28:55+01:00\"",
        "1424730535",
        "1424730535000",
        "1424730535999",
        "\"1424730535\""
      })
  void plan_createdAtAsIsoSecondsOrMillis_givesSameSignedUpAt(String createdAt) throws Exception {
    Message message =
        identify(
            "{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"createdAt\": "
                + createdAt
                + "}}");

    DestinationRequest request = only(intercom.plan(message, settings("https://api.intercom.io")));

    assertThat(request.jsonBody().get("signed_up_at").asLong()).isEqualTo(CREATED_SECONDS);
    assertThat(request.jsonBody().has("custom_attributes")).isFalse();
  }

  @Test
  void plan_nestedArraysAndDottedKeys_flattenedOrSkipped() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "timestamp": "2024-05-01T11:59:30Z",
             "traits": {"prefs": {"theme": {"dark": true}, "lang": "en", "empty": null},
                        "tags": ["a", "b"], "dot.name": 1, "$price": 2.50, "nothing": null,
                        "company": "Initech"}}
            """);

    send(
        message,
        """
        {"user_id": "u1", "last_request_at": 1714564770,
         "custom_attributes": {"prefs_theme_dark": true, "prefs_lang": "en", "prefs_empty": null,
                               "dot_name": 1, "_price": 2.50, "nothing": null,
                               "company": "Initech"}}
        """);
  }

  @Test
  void plan_contextActiveFalse_leavesLastSeenAlone() throws Exception {
    Message message =
        identify(
            """
            {"type": "identify", "userId": "u1", "timestamp": "2024-05-01T11:59:30Z",
             "context": {"active": false}, "traits": {"email": "a@example.com"}}
            """);

    send(message, "{\"user_id\": \"u1\", \"email\": \"a@example.com\"}");
  }

  @Test
  void plan_preview_showsPlaceholdersAndDefaultHost() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {}}");

    DestinationRequest request =
        only(intercom.plan(message, DestinationSettings.preview(Map.of(), null)));

    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.url()).isEqualTo("https://api.intercom.io/users");
    assertThat(request.headers())
        .containsExactly(
            Map.entry("Authorization", "Bearer <accessToken>"),
            Map.entry("Accept", "application/json"),
            Map.entry("Intercom-Version", "1.4"),
            Map.entry("Content-Type", "application/json"));
    assertThat(request.toJson().get("body").get("user_id").textValue()).isEqualTo("u1");
  }

  @Test
  void plan_baseUrlWithTrailingSlash_joinsCleanly() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\"}");

    DestinationRequest request =
        only(intercom.plan(message, settings("https://api.eu.intercom.io/")));

    assertThat(request.url()).isEqualTo("https://api.eu.intercom.io/users");
  }

  @Test
  void plan_missingAccessTokenWhenDelivering_throws() throws Exception {
    Message message = identify("{\"type\": \"identify\", \"userId\": \"u1\"}");

    assertThatThrownBy(() -> intercom.plan(message, DestinationSettings.of(Map.of(), null)))
        .isInstanceOf(DestinationSettings.MissingSettingException.class)
        .extracting(e -> ((DestinationSettings.MissingSettingException) e).setting())
        .isEqualTo("accessToken");
  }

  @Test
  void name_isSegmentSpelling() {
    assertThat(intercom.name()).isEqualTo("Intercom");
  }

  // --- helpers

  /** Sends the plan's one request to the stub, checks the request line and headers, the body. */
  private JsonNode send(Message message, String expectedBody) throws Exception {
    RecordedRequest recorded = sendAndTake(message);
    JsonNode body = Json.read(recorded.getBody().toByteArray());
    assertThat(body).isEqualTo(json(expectedBody));
    return body;
  }

  private RecordedRequest sendAndTake(Message message) throws Exception {
    String baseUrl = server.url("/").toString();
    Plan plan = intercom.plan(message, settings(baseUrl));
    DestinationRequest request = only(plan);
    server.enqueue(new MockResponse.Builder().code(200).body("{}").build());

    HttpSender.Response response = sender.send(request);

    assertThat(response.status()).isEqualTo(200);
    RecordedRequest recorded = server.takeRequest();
    assertThat(recorded.getMethod()).isEqualTo("POST");
    assertThat(recorded.getTarget()).isEqualTo("/users");
    assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer tok-123");
    assertThat(recorded.getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(recorded.getHeaders().get("Intercom-Version")).isEqualTo("1.4");
    assertThat(recorded.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(recorded.getBody().toByteArray()).isEqualTo(request.bodyBytes());
    return recorded;
  }

  private static DestinationSettings settings(String baseUrl) {
    return DestinationSettings.of(Map.of("accessToken", "tok-123", "baseUrl", baseUrl), null);
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
