package dev.rollcall.destination.mixpanel;

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

class MixpanelDestinationTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);

  private final MixpanelDestination destination = new MixpanelDestination();
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
  void name_isAsSegmentSpellsIt() {
    assertThat(destination.name()).isEqualTo("Mixpanel");
  }

  @Test
  void plan_completeExample_setsMixpanelReservedProperties() throws Exception {
    RecordedRequest request =
        deliver(
            """
            {"type": "identify", "userId": "97980cfea0067", "anonymousId": "anon-1",
             "context": {"ip": "8.8.8.8"},
             "traits": {
               "email": "peter@example.com", "firstName": "Peter", "lastName": "Gibbons",
               "name": "Peter Gibbons", "username": "pgibbons", "phone": "555-555-5555",
               "avatar": "https://example.com/p.png", "createdAt": "2015-02-23T22:28:55.111Z",
               "address": {"city": "Austin", "state": "TX", "country": "us",
                           "postalCode": "78701", "street": "1 Main St"},
               "title": "Engineer", "age": 37, "plan": "premium", "logins": 5,
               "company": {"name": "Initech"}, "birthday": "1987-06-05T00:00:00Z"}}
            """);

    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/engage?verbose=1");
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(request.getHeaders().get("Accept")).isEqualTo("text/plain");
    assertThat(body(request))
        .isEqualTo(
            json(
                """
                [{"$token": "tok123", "$distinct_id": "97980cfea0067", "$ip": "8.8.8.8",
                  "$set": {
                    "$created": "2015-02-23T22:28:55.111Z",
                    "$email": "peter@example.com", "$first_name": "Peter",
                    "$last_name": "Gibbons", "$name": "Peter Gibbons",
                    "$username": "pgibbons", "$phone": "555-555-5555",
                    "$avatar": "https://example.com/p.png",
                    "$city": "Austin", "$region": "TX", "$country_code": "US",
                    "address": {"city": "Austin", "state": "TX", "country": "us",
                                "postalCode": "78701", "street": "1 Main St"},
                    "title": "Engineer", "age": 37, "plan": "premium", "logins": 5,
                    "company": {"name": "Initech"},
                    "birthday": "1987-06-05T00:00:00.000Z"}}]
                """));
  }

  @Test
  void plan_snakeCaseTraits_mapLikeCamelCase() throws Exception {
    JsonNode snake =
        body(
            deliver(
                """
                {"type": "identify", "userId": "u1",
                 "traits": {"first_name": "Ann", "last_name": "Lee",
                            "created_at": "2020-01-02T03:04:05Z", "email": "ann@example.com"}}
                """));
    JsonNode camel =
        body(
            deliver(
                """
                {"type": "identify", "userId": "u1",
                 "traits": {"firstName": "Ann", "lastName": "Lee",
                            "createdAt": "2020-01-02T03:04:05Z", "email": "ann@example.com"}}
                """));

    assertThat(snake).isEqualTo(camel);
    assertThat(camel.get(0).get("$set"))
        .isEqualTo(
            json(
                """
                {"$created": "2020-01-02T03:04:05.000Z", "$email": "ann@example.com",
                 "$first_name": "Ann", "$last_name": "Lee", "$name": "Ann Lee"}
                """));
  }

  @Test
  void plan_noEmail_leavesEmailOut() throws Exception {
    JsonNode set =
        body(deliver("{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"plan\": \"x\"}}"))
            .get(0)
            .get("$set");

    assertThat(set).isEqualTo(json("{\"plan\": \"x\"}"));
  }

  @Test
  void plan_unicodeValues_arriveIntact() throws Exception {
    RecordedRequest request =
        deliver(
            """
            {"type": "identify", "userId": "ü-1",
             "traits": {"name": "Zoë Ümlaut", "motto": "🚀 日本語", "straße": "ß"}}
            """);

    JsonNode body = body(request);
    assertThat(body.get(0).get("$distinct_id").textValue()).isEqualTo("ü-1");
    assertThat(body.get(0).get("$set"))
        .isEqualTo(
            json(
                """
                {"$first_name": "Zoë", "$last_name": "Ümlaut", "$name": "Zoë Ümlaut",
                 "motto": "🚀 日本語", "straße": "ß"}
                """));
  }

  @Test
  void plan_createdAtAsIsoSecondsOrMillis_mapsToTheSameCreated() throws Exception {
    String iso = "\"2015-02-23T22:28:55Z\"";
    for (String createdAt : new String[] {iso, "1424730535", "1424730535000"}) {
      JsonNode set =
          body(deliver(
                  "{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"createdAt\": "
                      + createdAt
                      + "}}"))
              .get(0)
              .get("$set");
      assertThat(set).as(createdAt).isEqualTo(json("{\"$created\": \"2015-02-23T22:28:55.000Z\"}"));
    }
  }

  @Test
  void plan_anonymousOnly_usesAnonymousIdAsDistinctId() throws Exception {
    JsonNode body =
        body(
            deliver(
                "{\"type\": \"identify\", \"anonymousId\": \"anon-42\", "
                    + "\"traits\": {\"email\": \"a@example.com\"}}"));

    assertThat(body.get(0).get("$distinct_id").textValue()).isEqualTo("anon-42");
  }

  @Test
  void plan_traitsInContextTraits_areSetToo_topLevelTraitsWin() throws Exception {
    JsonNode set =
        body(deliver(
                """
                    {"type": "identify", "userId": "u1",
                     "context": {"traits": {"email": "old@example.com", "age": 26,
                                            "first_name": "Ctx"}},
                     "traits": {"email": "new@example.com"}}
                    """))
            .get(0)
            .get("$set");

    assertThat(set)
        .isEqualTo(
            json(
                """
                {"$email": "new@example.com", "$first_name": "Ctx", "age": 26}
                """));
  }

  @Test
  void plan_noIp_sendsZeroSoMixpanelDoesNotGeolocate() throws Exception {
    Message message =
        new MessageNormalizer(CLOCK)
            .normalize(
                Json.read(
                    "{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"a\": 1}}"
                        .getBytes(StandardCharsets.UTF_8)),
                null,
                null)
            .message();

    JsonNode body = destination.plan(message, settings()).requests().get(0).jsonBody();

    assertThat(body.get(0).get("$ip").textValue()).isEqualTo("0");
  }

  @Test
  void plan_requestIp_isTheProfileIp() throws Exception {
    JsonNode body =
        body(deliver("{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"a\": 1}}"));

    assertThat(body.get(0).get("$ip").textValue()).isEqualTo("203.0.113.7");
  }

  @Test
  void plan_countryNotATwoLetterCode_isNotACountryCode() throws Exception {
    JsonNode set =
        body(deliver(
                "{\"type\": \"identify\", \"userId\": \"u1\", "
                    + "\"traits\": {\"address\": {\"country\": \"India\"}}}"))
            .get(0)
            .get("$set");

    assertThat(set).isEqualTo(json("{\"address\": {\"country\": \"India\"}}"));
  }

  @Test
  void plan_noTraits_isSkippedWithAReason() throws Exception {
    Plan plan =
        destination.plan(message("{\"type\": \"identify\", \"userId\": \"u1\"}"), settings());

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.skipReason()).contains("no traits");
  }

  @Test
  void plan_preview_showsTokenPlaceholderAndDefaultUrl() throws Exception {
    Plan plan =
        destination.plan(
            message("{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"email\": \"e\"}}"),
            DestinationSettings.preview(Map.of(), null));

    DestinationRequest request = plan.requests().get(0);
    assertThat(request.url()).isEqualTo("https://api.mixpanel.com/engage?verbose=1");
    assertThat(request.jsonBody().get(0).get("$token").textValue()).isEqualTo("<token>");
  }

  @Test
  void plan_missingTokenWhenDelivering_throws() throws Exception {
    Message message =
        message("{\"type\": \"identify\", \"userId\": \"u1\", \"traits\": {\"email\": \"e\"}}");

    assertThatThrownBy(() -> destination.plan(message, DestinationSettings.of(Map.of(), null)))
        .isInstanceOf(DestinationSettings.MissingSettingException.class)
        .hasMessageContaining("token");
  }

  private RecordedRequest deliver(String raw) throws Exception {
    Plan plan = destination.plan(message(raw), settings());
    assertThat(plan.requests()).hasSize(1);
    server.enqueue(
        new MockResponse.Builder().code(200).body("{\"status\":1,\"error\":null}").build());
    HttpSender.Response response = sender.send(plan.requests().get(0));
    assertThat(response.status()).isEqualTo(200);
    return server.takeRequest();
  }

  private DestinationSettings settings() {
    String baseUrl = server.url("/").toString();
    return DestinationSettings.of(Map.of("token", "tok123", "baseUrl", baseUrl), null);
  }

  private static Message message(String raw) throws IOException {
    return new MessageNormalizer(CLOCK)
        .normalize((ObjectNode) json(raw), null, "203.0.113.7")
        .message();
  }

  private static JsonNode body(RecordedRequest request) throws IOException {
    return Json.read(request.getBody().toByteArray());
  }

  private static JsonNode json(String text) throws IOException {
    return Json.read(text.getBytes(StandardCharsets.UTF_8));
  }
}
