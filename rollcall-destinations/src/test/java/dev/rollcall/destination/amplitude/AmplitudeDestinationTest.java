package dev.rollcall.destination.amplitude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AmplitudeDestinationTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);

  private final AmplitudeDestination destination = new AmplitudeDestination();
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
    assertThat(destination.name()).isEqualTo("Amplitude");
  }

  @Test
  void plan_completeExample_setsEveryTraitAsUserProperty() throws Exception {
    RecordedRequest request =
        deliver(
            """
            {"type": "identify", "userId": "97980cfea0067", "anonymousId": "anon-12345",
             "context": {"locale": "en-US", "app": {"version": "2.1.0"},
                         "os": {"name": "iOS", "version": "17.2"},
                         "device": {"manufacturer": "Apple", "model": "iPhone15,2"},
                         "network": {"carrier": "T-Mobile"},
                         "location": {"country": "United States", "region": "Texas",
                                      "city": "Austin"}},
             "traits": {
               "email": "peter@example.com", "firstName": "Peter", "lastName": "Gibbons",
               "name": "Peter Gibbons", "username": "pgibbons", "phone": "555-555-5555",
               "avatar": "https://example.com/p.png", "createdAt": "2015-02-23T22:28:55.111Z",
               "address": {"city": "Austin", "state": "TX", "country": "US",
                           "postalCode": "78701", "street": "1 Main St"},
               "title": "Engineer", "age": 37, "gender": "m", "website": "https://example.com",
               "description": "d", "id": "97980cfea0067",
               "company": {"name": "Initech"}, "birthday": "1987-06-05T00:00:00Z",
               "plan": "premium"}}
            """);

    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/identify");
    assertThat(request.getHeaders().get("Content-Type"))
        .isEqualTo("application/x-www-form-urlencoded");
    assertThat(request.getHeaders().get("Accept")).isEqualTo("application/json");
    Map<String, String> form = form(request);
    assertThat(form.keySet()).containsExactly("api_key", "identification");
    assertThat(form.get("api_key")).isEqualTo("key123");
    assertThat(json(form.get("identification")))
        .isEqualTo(
            json(
                """
                [{"user_id": "97980cfea0067", "device_id": "anon-12345",
                  "user_properties": {"$set": {
                    "email": "peter@example.com", "firstName": "Peter", "lastName": "Gibbons",
                    "name": "Peter Gibbons", "username": "pgibbons", "phone": "555-555-5555",
                    "avatar": "https://example.com/p.png",
                    "createdAt": "2015-02-23T22:28:55.111Z",
                    "address": {"city": "Austin", "state": "TX", "country": "US",
                                "postalCode": "78701", "street": "1 Main St"},
                    "title": "Engineer", "age": 37, "gender": "m",
                    "website": "https://example.com", "description": "d",
                    "id": "97980cfea0067", "company": {"name": "Initech"},
                    "birthday": "1987-06-05T00:00:00.000Z", "plan": "premium"}},
                  "country": "United States", "region": "Texas", "city": "Austin",
                  "language": "en-US", "app_version": "2.1.0",
                  "os_name": "iOS", "os_version": "17.2",
                  "device_manufacturer": "Apple", "device_model": "iPhone15,2",
                  "carrier": "T-Mobile"}]
                """));
  }

  @Test
  void plan_snakeCaseTraits_mapLikeCamelCase() throws Exception {
    JsonNode snake =
        identification(
            deliver(
                """
                {"type": "identify", "userId": "user-1",
                 "traits": {"first_name": "Ann", "last_name": "Lee",
                            "created_at": "2020-01-02T03:04:05Z"}}
                """));
    JsonNode camel =
        identification(
            deliver(
                """
                {"type": "identify", "userId": "user-1",
                 "traits": {"firstName": "Ann", "lastName": "Lee",
                            "createdAt": "2020-01-02T03:04:05Z"}}
                """));

    assertThat(snake).isEqualTo(camel);
    assertThat(camel.get(0).get("user_properties"))
        .isEqualTo(
            json(
                """
                {"$set": {"firstName": "Ann", "lastName": "Lee",
                          "createdAt": "2020-01-02T03:04:05.000Z", "name": "Ann Lee"}}
                """));
  }

  @Test
  void plan_noEmail_sendsTheOtherTraits() throws Exception {
    JsonNode identification =
        identification(
            deliver("{\"type\": \"identify\", \"userId\": \"user-1\", \"traits\": {\"age\": 3}}"));

    assertThat(identification)
        .isEqualTo(
            json("[{\"user_id\": \"user-1\", \"user_properties\": {\"$set\": {\"age\": 3}}}]"));
  }

  @Test
  void plan_unicodeValues_areUtf8PercentEncoded() throws Exception {
    RecordedRequest request =
        deliver(
            """
            {"type": "identify", "userId": "user-ü",
             "traits": {"name": "Zoë Ümlaut", "motto": "🚀 日本語"}}
            """);

    assertThat(request.getBody().utf8()).contains("Zo%C3%AB").contains("%F0%9F%9A%80");
    assertThat(identification(request))
        .isEqualTo(
            json(
                """
                [{"user_id": "user-ü", "user_properties": {"$set": {
                  "name": "Zoë Ümlaut", "motto": "🚀 日本語",
                  "firstName": "Zoë", "lastName": "Ümlaut"}}}]
                """));
  }

  @Test
  void plan_createdAtAsIsoSecondsOrMillis_mapsToTheSameValue() throws Exception {
    String iso = "\"2015-02-23T22:28:55Z\"";
    for (String createdAt : new String[] {iso, "1424730535", "1424730535000"}) {
      JsonNode identification =
          identification(
              deliver(
                  "{\"type\": \"identify\", \"userId\": \"user-1\", \"traits\": {\"createdAt\": "
                      + createdAt
                      + "}}"));
      assertThat(identification.get(0).get("user_properties"))
          .as(createdAt)
          .isEqualTo(json("{\"$set\": {\"createdAt\": \"2015-02-23T22:28:55.000Z\"}}"));
    }
  }

  @Test
  void plan_anonymousOnly_usesAnonymousIdAsDeviceId() throws Exception {
    JsonNode identification =
        identification(
            deliver(
                "{\"type\": \"identify\", \"anonymousId\": \"anon-42\", "
                    + "\"traits\": {\"email\": \"a@example.com\"}}"));

    assertThat(identification)
        .isEqualTo(
            json(
                "[{\"device_id\": \"anon-42\","
                    + " \"user_properties\": {\"$set\": {\"email\": \"a@example.com\"}}}]"));
  }

  @Test
  void plan_contextDeviceId_isTheDeviceIdAsSegmentSendsIt() throws Exception {
    JsonNode identification =
        identification(
            deliver(
                """
                {"type": "identify", "userId": "user-1", "anonymousId": "anon-42",
                 "context": {"device": {"id": "device-7"}}}
                """));

    assertThat(identification)
        .isEqualTo(json("[{\"user_id\": \"user-1\", \"device_id\": \"device-7\"}]"));
  }

  @Test
  void plan_nullTrait_isUnset() throws Exception {
    JsonNode identification =
        identification(
            deliver(
                "{\"type\": \"identify\", \"userId\": \"user-1\","
                    + " \"traits\": {\"plan\": null, \"age\": 5}}"));

    assertThat(identification.get(0).get("user_properties"))
        .isEqualTo(json("{\"$set\": {\"age\": 5}, \"$unset\": {\"plan\": \"-\"}}"));
  }

  @Test
  void plan_traitsInContextTraits_areSetToo_topLevelTraitsWin() throws Exception {
    JsonNode identification =
        identification(
            deliver(
                """
                {"type": "identify", "userId": "user-1",
                 "context": {"traits": {"email": "old@example.com", "age": 26}},
                 "traits": {"email": "new@example.com"}}
                """));

    assertThat(identification.get(0).get("user_properties"))
        .isEqualTo(json("{\"$set\": {\"email\": \"new@example.com\", \"age\": 26}}"));
  }

  @Test
  void plan_minIdLength_isSentAsOptions() throws Exception {
    Map<String, String> settings =
        Map.of("apiKey", "key123", "baseUrl", server.url("/").toString(), "minIdLength", "1");
    Plan plan =
        destination.plan(
            message("{\"type\": \"identify\", \"userId\": \"u\"}"),
            DestinationSettings.of(settings, null));
    server.enqueue(new MockResponse.Builder().code(200).body("success").build());
    sender.send(plan.requests().get(0));
    Map<String, String> form = form(server.takeRequest());

    assertThat(form.keySet()).containsExactly("api_key", "identification", "options");
    assertThat(json(form.get("options"))).isEqualTo(json("{\"min_id_length\": 1}"));
  }

  @Test
  void plan_neitherUserIdNorDeviceId_isSkippedWithAReason() throws Exception {
    ObjectNode json = (ObjectNode) json("{\"type\": \"identify\", \"traits\": {\"a\": 1}}");
    Message message = new Message(MessageType.IDENTIFY, json);

    Plan plan = destination.plan(message, settings());

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.skipReason()).contains("user_id").contains("device_id");
  }

  @Test
  void plan_preview_showsApiKeyPlaceholderAndDefaultUrl() throws Exception {
    Plan plan =
        destination.plan(
            message("{\"type\": \"identify\", \"userId\": \"user-1\", \"traits\": {\"a\": 1}}"),
            DestinationSettings.preview(Map.of(), null));

    DestinationRequest request = plan.requests().get(0);
    assertThat(request.url()).isEqualTo("https://api2.amplitude.com/identify");
    assertThat(form(request.textBody()).get("api_key")).isEqualTo("<apiKey>");
  }

  @Test
  void plan_missingApiKeyWhenDelivering_throws() throws Exception {
    Message message = message("{\"type\": \"identify\", \"userId\": \"user-1\"}");

    assertThatThrownBy(() -> destination.plan(message, DestinationSettings.of(Map.of(), null)))
        .isInstanceOf(DestinationSettings.MissingSettingException.class)
        .hasMessageContaining("apiKey");
  }

  private RecordedRequest deliver(String raw) throws Exception {
    Plan plan = destination.plan(message(raw), settings());
    assertThat(plan.requests()).hasSize(1);
    server.enqueue(new MockResponse.Builder().code(200).body("success").build());
    HttpSender.Response response = sender.send(plan.requests().get(0));
    assertThat(response.status()).isEqualTo(200);
    return server.takeRequest();
  }

  private DestinationSettings settings() {
    String baseUrl = server.url("/").toString();
    return DestinationSettings.of(Map.of("apiKey", "key123", "baseUrl", baseUrl), null);
  }

  private static Message message(String raw) throws IOException {
    return new MessageNormalizer(CLOCK)
        .normalize((ObjectNode) json(raw), null, "203.0.113.7")
        .message();
  }

  private static JsonNode identification(RecordedRequest request) throws IOException {
    return json(form(request).get("identification"));
  }

  private static Map<String, String> form(RecordedRequest request) {
    return form(request.getBody().utf8());
  }

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      fields.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  private static JsonNode json(String text) throws IOException {
    return Json.read(text.getBytes(StandardCharsets.UTF_8));
  }

  @org.junit.jupiter.api.Test
  void encode_sameAsUrlEncoder_forEveryKindOfCharacter() {
    String[] samples = {
      "",
      "plain",
      "a b+c&d=e",
      "{\"k\": [1, 2.5e3, null]}",
      "Zoë ☃ 😀 ünïcödé",
      "~!@#$%^&*()_-.'",
      "\u0000\u001f\u007f",
      "ASCII-09_az.*"
    };
    for (String sample : samples) {
      org.assertj.core.api.Assertions.assertThat(AmplitudeDestination.encode(sample))
          .isEqualTo(java.net.URLEncoder.encode(sample, java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
