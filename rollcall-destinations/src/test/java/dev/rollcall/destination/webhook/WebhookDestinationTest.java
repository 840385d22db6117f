package dev.rollcall.destination.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.DestinationSettings.MissingSettingException;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class WebhookDestinationTest {
  private static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC));

  private static final String SECRET = "s3cr3t-ü";

  private final WebhookDestination destination = new WebhookDestination();
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
  void name_isSegmentSpelling() {
    assertThat(destination.name()).isEqualTo("Webhook");
  }

  @Test
  void plan_everyReservedTraitWithSecret_postsNormalizedMessageSignedOverReceivedBytes()
      throws Exception {
    Message message = identify(everyReservedTrait());

    RecordedRequest request = sendOne(destination.plan(message, settings("secret", SECRET)));

    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/hooks/rollcall?source=web");
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(request.getHeaders().get("User-Agent")).isEqualTo("Rollcall-Webhook/1.0");
    byte[] received = request.getBody().toByteArray();
    assertThat(received).isEqualTo(message.toJson());
    assertThat(request.getHeaders().get("X-Rollcall-Signature"))
        .isEqualTo(receiverSignature(SECRET, received));
    assertThat(
            MessageDigest.isEqual(
                request
                    .getHeaders()
                    .get("X-Rollcall-Signature")
                    .getBytes(StandardCharsets.US_ASCII),
                receiverSignature(SECRET, received).getBytes(StandardCharsets.US_ASCII)))
        .isTrue();

    JsonNode body = Json.read(received);
    assertThat(body.get("type").textValue()).isEqualTo("identify");
    assertThat(body.get("userId").textValue()).isEqualTo("u-42");
    assertThat(body.get("messageId").isTextual()).isTrue();
    assertThat(body.at("/context/ip").textValue()).isEqualTo("203.0.113.7");
    assertThat(body.get("traits"))
        .isEqualTo(
            json(
                """
                {"email":"peter@initech.com","firstName":"Peter","lastName":"Gibbons",
                 "phone":"+1 555 0100","birthday":"1981-04-19T00:00:00.000Z",
                 "createdAt":"2015-02-23T22:28:55.111Z",
                 "address":{"street":"4120 Freidrich Lane","city":"Austin","state":"TX",
                            "postalCode":"78744","country":"USA"},
                 "age":42,"avatar":"https://example.com/p.png",
                 "company":{"name":"Initech","employeeCount":120},
                 "description":"TPS reports","gender":"male","id":"u-42",
                 "title":"Engineer","username":"pgibbons","website":"https://initech.com",
                 "plan":"pro","name":"Peter Gibbons"}
                """));
  }

  @Test
  void signature_knownVectors_matchOpenssl() {
    // RFC 4231-style well-known vectors: printf '...' | openssl dgst -sha256 -hmac key
    assertThat(
            WebhookDestination.signature(
                "key",
                "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    assertThat(WebhookDestination.signature("key", new byte[0]))
        .isEqualTo("sha256=5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0");
  }

  @Test
  void plan_withoutSecret_hasNoSignatureHeader() throws Exception {
    Message message = identify(everyReservedTrait());

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getHeaders().get("X-Rollcall-Signature")).isNull();
    assertThat(request.getBody().toByteArray()).isEqualTo(message.toJson());
  }

  @Test
  void plan_snakeCaseInput_sendsCamelCaseTraits() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"first_name":"Peter",
             "last_name":"Gibbons","created_at":1424730535,
             "address":{"postal_code":"78744"},"company":{"employee_count":120}}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings("secret", SECRET)));

    assertThat(Json.read(request.getBody().toByteArray()).get("traits"))
        .isEqualTo(
            json(
                """
                {"firstName":"Peter","lastName":"Gibbons",
                 "createdAt":"2015-02-23T22:28:55.000Z",
                 "address":{"postalCode":"78744"},"company":{"employeeCount":120},
                 "name":"Peter Gibbons"}
                """));
    assertThat(request.getHeaders().get("X-Rollcall-Signature"))
        .isEqualTo(receiverSignature(SECRET, request.getBody().toByteArray()));
  }

  @Test
  void plan_missingEmailAndAnonymous_stillSent() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","anonymousId":"anon-1","traits":{"plan":"free"}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    JsonNode body = Json.read(request.getBody().toByteArray());
    assertThat(body.get("anonymousId").textValue()).isEqualTo("anon-1");
    assertThat(body.has("userId")).isFalse();
    assertThat(body.get("traits")).isEqualTo(json("{\"plan\":\"free\"}"));
  }

  @ParameterizedTest(name = "createdAt {0}")
  @ValueSource(strings = {"\"2015-02-23T22:28:55.111Z\"", "1424730535.111", "1424730535111"})
  void plan_createdAtAsIsoOrUnixSecondsOrMillis_sentAsIsoUtc(String createdAt) throws Exception {
    Message message =
        identify(
            "{\"type\":\"identify\",\"userId\":\"u-42\",\"traits\":{\"createdAt\":"
                + createdAt
                + "}}");

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(Json.read(request.getBody().toByteArray()).at("/traits/createdAt").textValue())
        .isEqualTo("2015-02-23T22:28:55.111Z");
  }

  @Test
  void plan_unicode_sentAsUtf8AndSignedOverTheSameBytes() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"ユーザー-1","traits":{"firstName":"Zoë",
             "lastName":"Ångström 🚀","company":{"name":"Société Générale"}}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings("secret", SECRET)));

    byte[] received = request.getBody().toByteArray();
    assertThat(new String(received, StandardCharsets.UTF_8))
        .contains("\"userId\":\"ユーザー-1\"")
        .contains("Société Générale");
    // Jackson writes characters outside the BMP as a \\u surrogate pair: valid JSON all the same.
    assertThat(Json.read(received).at("/traits/name").textValue()).isEqualTo("Zoë Ångström 🚀");
    assertThat(request.getHeaders().get("X-Rollcall-Signature"))
        .isEqualTo(receiverSignature(SECRET, received));
  }

  @Test
  void plan_tamperedBody_signatureDoesNotVerify() throws Exception {
    Message message = identify(everyReservedTrait());

    RecordedRequest request = sendOne(destination.plan(message, settings("secret", SECRET)));

    byte[] tampered = request.getBody().toByteArray().clone();
    tampered[tampered.length - 2] ^= 1;
    assertThat(request.getHeaders().get("X-Rollcall-Signature"))
        .isNotEqualTo(receiverSignature(SECRET, tampered))
        .isNotEqualTo(receiverSignature("other", request.getBody().toByteArray()));
  }

  @Test
  void plan_extraHeaders_addedAfterRollcallHeaders() throws Exception {
    Message message = identify(everyReservedTrait());

    Plan plan =
        destination.plan(
            message,
            settings("headers", "Authorization: Bearer abc; X-Team :  growth ; ", "secret", "k"));

    assertThat(plan.requests().get(0).headers().keySet())
        .containsExactly(
            "Content-Type", "User-Agent", "X-Rollcall-Signature", "Authorization", "X-Team");
    RecordedRequest request = sendOne(plan);
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer abc");
    assertThat(request.getHeaders().get("X-Team")).isEqualTo("growth");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-Team growth",
        "Content-Type: text/plain",
        "user-agent: curl",
        "X-Rollcall-Signature: sha256=00",
        "Host: example.com",
        "Bad Name: x",
        ": x"
      })
  void plan_invalidExtraHeaders_throwIllegalArgument(String headers) {
    Message message = identify(everyReservedTrait());

    assertThatThrownBy(() -> destination.plan(message, settings("headers", headers)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("headers");
  }

  @Test
  void plan_urlNotHttp_throwsIllegalArgument() {
    Message message = identify(everyReservedTrait());
    Map<String, String> values = Map.of("url", "ftp://example.com/hook");

    assertThatThrownBy(() -> destination.plan(message, DestinationSettings.of(values, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("url");
  }

  @Test
  void plan_preview_showsUrlPlaceholderAndWholeMessage() {
    Message message = identify(everyReservedTrait());

    Plan plan = destination.plan(message, DestinationSettings.preview(Map.of(), null));

    DestinationRequest request = plan.requests().get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.url()).isEqualTo("<url>");
    assertThat(request.headers())
        .containsExactly(
            Map.entry("Content-Type", "application/json"),
            Map.entry("User-Agent", "Rollcall-Webhook/1.0"));
    assertThat(request.toJson().get("body")).isEqualTo(message.json());
  }

  @Test
  void plan_deliveryWithoutUrl_throwsMissingSetting() {
    Message message = identify(everyReservedTrait());

    assertThatThrownBy(
            () -> destination.plan(message, DestinationSettings.of(Map.of("secret", "k"), null)))
        .isInstanceOf(MissingSettingException.class)
        .satisfies(e -> assertThat(((MissingSettingException) e).setting()).isEqualTo("url"));
  }

  // ---------------------------------------------------------------------------------------------

  private static String everyReservedTrait() {
    return """
        {"type":"identify","userId":"u-42","traits":{
          "email":"peter@initech.com","firstName":"Peter","lastName":"Gibbons",
          "phone":"+1 555 0100","birthday":"1981-04-19",
          "createdAt":"2015-02-23T22:28:55.111Z",
          "address":{"street":"4120 Freidrich Lane","city":"Austin","state":"TX",
                     "postalCode":"78744","country":"USA"},
          "age":42,"avatar":"https://example.com/p.png",
          "company":{"name":"Initech","employeeCount":120},
          "description":"TPS reports","gender":"male","id":"u-42",
          "title":"Engineer","username":"pgibbons","website":"https://initech.com",
          "plan":"pro"},
         "context":{"library":{"name":"analytics-node","version":"6.0.0"}},
         "integrations":{"All":false,"Webhook":true}}
        """;
  }

  private static Message identify(String json) {
    try {
      return NORMALIZER
          .normalize(
              (ObjectNode) Json.read(json.getBytes(StandardCharsets.UTF_8)), null, "203.0.113.7")
          .message();
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private DestinationSettings settings(String... more) {
    Map<String, String> values = new HashMap<>();
    values.put("url", server.url("/hooks/rollcall?source=web").toString());
    for (int i = 0; i < more.length; i += 2) values.put(more[i], more[i + 1]);
    return DestinationSettings.of(values, null);
  }

  private RecordedRequest sendOne(Plan plan) throws Exception {
    assertThat(plan.skipped()).isFalse();
    assertThat(plan.requests()).hasSize(1);
    server.enqueue(new MockResponse.Builder().code(204).build());
    HttpSender.Response response = sender.send(plan.requests().get(0));
    assertThat(response.status()).isEqualTo(204);
    return server.takeRequest();
  }

  /** What a receiver computes: {@code sha256=} + hex HMAC-SHA256(secret, raw body bytes). */
  private static String receiverSignature(String secret, byte[] body) {
    return "sha256=" + hmacHex(secret, body);
  }

  private static String hmacHex(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return Json.read(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
