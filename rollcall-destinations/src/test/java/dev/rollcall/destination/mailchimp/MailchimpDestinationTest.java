package dev.rollcall.destination.mailchimp;

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
import dev.rollcall.destination.Preview;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
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
import org.junit.jupiter.params.provider.CsvSource;

final class MailchimpDestinationTest {
  private static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC));

  /** {@code Basic base64("rollcall:abc123-us6")}. */
  private static final String AUTH = "Basic cm9sbGNhbGw6YWJjMTIzLXVzNg==";

  /** MD5 of {@code peter@initech.com}. */
  private static final String PETER_HASH = "7f387dc33214dcd8f01c22dcc0438a33";

  private final MailchimpDestination destination = new MailchimpDestination();
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
  void plan_everyReservedTrait_putsMemberWithMappedMergeFields() throws Exception {
    Message message =
        identify(
            "{\"type\":\"identify\",\"userId\":\"u-42\",\"traits\":{"
                + "\"email\":\"Peter@Initech.com\",\"firstName\":\"Peter\",\"lastName\":\"Gibbons\","
                + "\"phone\":\"+1 555 0100\",\"birthday\":\"1981-04-19\","
                + "\"createdAt\":\"2015-02-23T22:28:55.111Z\","
                + "\"address\":{\"street\":\"4120 Freidrich Lane\",\"city\":\"Austin\","
                + "\"state\":\"TX\",\"postalCode\":\"78744\",\"country\":\"USA\"},"
                + "\"age\":42,\"avatar\":\"https://example.com/p.png\","
                + "\"company\":{\"name\":\"Initech\",\"employeeCount\":120},"
                + "\"description\":\"TPS reports\",\"gender\":\"male\",\"id\":\"u-42\","
                + "\"title\":\"Engineer\",\"username\":\"pgibbons\","
                + "\"website\":\"https://initech.com\"}}");

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getMethod()).isEqualTo("PUT");
    assertThat(request.getTarget()).isEqualTo("/3.0/lists/list1/members/" + PETER_HASH);
    assertThat(request.getHeaders().get("Authorization")).isEqualTo(AUTH);
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(body(request))
        .isEqualTo(
            json(
                "{\"email_address\":\"Peter@Initech.com\",\"status_if_new\":\"subscribed\","
                    + "\"merge_fields\":{\"FNAME\":\"Peter\",\"LNAME\":\"Gibbons\","
                    + "\"PHONE\":\"+1 555 0100\",\"BIRTHDAY\":\"04/19\","
                    + "\"ADDRESS\":{\"addr1\":\"4120 Freidrich Lane\",\"city\":\"Austin\","
                    + "\"state\":\"TX\",\"zip\":\"78744\",\"country\":\"USA\"},"
                    + "\"CREATEDAT\":\"2015-02-23\",\"AGE\":42,"
                    + "\"AVATAR\":\"https://example.com/p.png\",\"DESCRIPTIO\":\"TPS reports\","
                    + "\"GENDER\":\"male\",\"ID\":\"u-42\",\"TITLE\":\"Engineer\","
                    + "\"USERNAME\":\"pgibbons\",\"WEBSITE\":\"https://initech.com\","
                    + "\"NAME\":\"Peter Gibbons\"}}"));
  }

  @Test
  void plan_uppercaseEmail_pathIsMd5OfLowerCasedEmail() throws Exception {
    Plan plan = destination.plan(identify(traits("{\"email\":\"Peter@Initech.com\"}")), settings());

    RecordedRequest request = sendOne(plan);

    assertThat(request.getUrl().encodedPath())
        .isEqualTo("/3.0/lists/list1/members/7f387dc33214dcd8f01c22dcc0438a33");
    assertThat(body(request).get("email_address").textValue()).isEqualTo("Peter@Initech.com");
  }

  @Test
  void plan_snakeCaseTraits_mapLikeCamelCase() throws Exception {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"first_name\":\"Peter\","
                    + "\"last_name\":\"Gibbons\",\"created_at\":\"2015-02-23T22:28:55Z\","
                    + "\"address\":{\"street\":\"1 Main St\",\"city\":\"Austin\","
                    + "\"state\":\"TX\",\"postal_code\":\"78744\"},\"plan_type\":\"gold\"}"));

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(body(request).get("merge_fields"))
        .isEqualTo(
            json(
                "{\"FNAME\":\"Peter\",\"LNAME\":\"Gibbons\","
                    + "\"ADDRESS\":{\"addr1\":\"1 Main St\",\"city\":\"Austin\",\"state\":\"TX\","
                    + "\"zip\":\"78744\"},\"CREATEDAT\":\"2015-02-23\",\"PLANTYPE\":\"gold\","
                    + "\"NAME\":\"Peter Gibbons\"}"));
  }

  @Test
  void plan_noEmail_skipsWithReason() {
    Plan plan = destination.plan(identify(traits("{\"firstName\":\"Peter\"}")), settings());

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.requests()).isEmpty();
    assertThat(plan.skipReason()).isEqualTo("Mailchimp needs an email; the call has none");
  }

  @Test
  void plan_blankOrNonStringEmail_skips() {
    assertThat(destination.plan(identify(traits("{\"email\":\"  \"}")), settings()).skipped())
        .isTrue();
    assertThat(destination.plan(identify(traits("{\"email\":42}")), settings()).skipped()).isTrue();
  }

  @Test
  void plan_unicode_hashesLowerCasedUtf8AndSendsUtf8Body() throws Exception {
    Message message =
        identify(
            traits(
                "{\"email\":\"Zoë.Ñandú@Exämple.com\",\"firstName\":\"Zoë\","
                    + "\"lastName\":\"Ñandú 😀\",\"ciudad\":\"Łódź\"}"));

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getUrl().encodedPath())
        .isEqualTo("/3.0/lists/list1/members/41afdd3ee204195018242d88e911bb95");
    assertThat(request.getBody().utf8()).contains("\"CIUDAD\":\"Łódź\"");
    assertThat(body(request))
        .isEqualTo(
            json(
                "{\"email_address\":\"Zoë.Ñandú@Exämple.com\",\"status_if_new\":\"subscribed\","
                    + "\"merge_fields\":{\"FNAME\":\"Zoë\",\"LNAME\":\"Ñandú 😀\","
                    + "\"CIUDAD\":\"Łódź\",\"NAME\":\"Zoë Ñandú 😀\"}}"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"1981-04-19T00:00:00Z\"  | \"2015-02-23T22:28:55Z\"",
        "\"1981-04-19\"            | \"2015-02-23T23:28:55+01:00\"",
        "356486400                 | 1424730535",
        "356486400000              | 1424730535000",
        "\"356486400\"             | \"1424730535000\"",
      })
  void plan_datesAsIsoSecondsOrMillis_giveSameMergeFields(String birthday, String createdAt)
      throws Exception {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"birthday\":"
                    + birthday
                    + ",\"createdAt\":"
                    + createdAt
                    + "}"));

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(body(request).get("merge_fields"))
        .isEqualTo(json("{\"BIRTHDAY\":\"04/19\",\"CREATEDAT\":\"2015-02-23\"}"));
  }

  @Test
  void plan_incompleteAddress_leavesAddressOut() {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\","
                    + "\"address\":{\"city\":\"Austin\",\"state\":\"TX\"}}"));

    JsonNode body = destination.plan(message, settings()).requests().get(0).jsonBody();

    assertThat(body.has("merge_fields")).isFalse();
  }

  @Test
  void plan_nullTraits_clearMergeFields() {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"firstName\":null,\"phone\":null,"
                    + "\"birthday\":null,\"vip\":true,\"tags\":[\"a\"],\"prefs\":{\"x\":1}}"));

    JsonNode body = destination.plan(message, settings()).requests().get(0).jsonBody();

    assertThat(body.get("merge_fields"))
        .isEqualTo(json("{\"FNAME\":\"\",\"PHONE\":\"\",\"BIRTHDAY\":\"\",\"VIP\":\"true\"}"));
  }

  @Test
  void plan_statusIfNewSetting_isSent() {
    Map<String, String> values = new HashMap<>(settingValues());
    values.put("statusIfNew", "pending");

    JsonNode body =
        destination
            .plan(identify(traits("{\"email\":\"peter@initech.com\"}")), settings(values))
            .requests()
            .get(0)
            .jsonBody();

    assertThat(body.get("status_if_new").textValue()).isEqualTo("pending");
    assertThat(body.has("status")).isFalse();
  }

  @Test
  void plan_invalidStatusIfNew_throwsClearError() {
    Map<String, String> values = new HashMap<>(settingValues());
    values.put("statusIfNew", "active");
    Message message = identify(traits("{\"email\":\"peter@initech.com\"}"));

    assertThatThrownBy(() -> destination.plan(message, settings(values)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the Mailchimp setting statusIfNew is \"active\"; it must be one of subscribed,"
                + " unsubscribed, cleaned, pending, transactional");
  }

  @Test
  void plan_noBaseUrl_usesApiKeyDataCenter() {
    DestinationRequest request =
        destination
            .plan(
                identify(traits("{\"email\":\"peter@initech.com\"}")),
                DestinationSettings.of(Map.of("apiKey", "abc123-us6", "listId", "list1"), null))
            .requests()
            .get(0);

    assertThat(request.url())
        .isEqualTo("https://us6.api.mailchimp.com/3.0/lists/list1/members/" + PETER_HASH);
  }

  @Test
  void plan_apiKeyWithoutDataCenterAndNoBaseUrl_throwsClearError() {
    Message message = identify(traits("{\"email\":\"peter@initech.com\"}"));
    DestinationSettings settings =
        DestinationSettings.of(Map.of("apiKey", "abc123", "listId", "list1"), null);

    assertThatThrownBy(() -> destination.plan(message, settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no data center suffix");
  }

  @Test
  void plan_listIdInIntegrationsOptions_overridesSetting() {
    Message message =
        identify(
            "{\"type\":\"identify\",\"userId\":\"u1\",\"traits\":{\"email\":\"peter@initech.com\"},"
                + "\"integrations\":{\"MailChimp\":{\"listId\":\"other\"}}}");
    DestinationSettings settings =
        DestinationSettings.of(
            settingValues(), (ObjectNode) message.integrations().get("MailChimp"));

    assertThat(destination.plan(message, settings).requests().get(0).url())
        .contains("/3.0/lists/other/members/");
  }

  @Test
  void plan_missingSettingInDeliveryMode_throwsMissingSetting() {
    Message message = identify(traits("{\"email\":\"peter@initech.com\"}"));

    assertThatThrownBy(
            () ->
                destination.plan(message, DestinationSettings.of(Map.of("apiKey", "k-us1"), null)))
        .isInstanceOfSatisfying(
            MissingSettingException.class, e -> assertThat(e.setting()).isEqualTo("listId"));
    assertThatThrownBy(
            () -> destination.plan(message, DestinationSettings.of(Map.of("listId", "l"), null)))
        .isInstanceOfSatisfying(
            MissingSettingException.class, e -> assertThat(e.setting()).isEqualTo("apiKey"));
  }

  @Test
  void preview_noSettings_showsPlaceholders() throws Exception {
    Preview.Result result =
        new Preview(NORMALIZER)
            .preview(
                destination,
                Json.read(
                    "{\"userId\":\"u1\",\"traits\":{\"email\":\"Peter@Initech.com\",\"firstName\":\"Peter\"}}"
                        .getBytes(StandardCharsets.UTF_8)),
                Map.of());

    assertThat(result.invalid()).isFalse();
    assertThat(result.requests())
        .isEqualTo(
            json(
                "[{\"method\":\"PUT\",\"url\":\"https://<dc>.api.mailchimp.com/3.0/lists/<listId>"
                    + "/members/"
                    + PETER_HASH
                    + "\",\"headers\":{\"Authorization\":\"Basic cm9sbGNhbGw6PGFwaUtleT4=\","
                    + "\"Content-Type\":\"application/json\"},\"body\":{\"email_address\":"
                    + "\"Peter@Initech.com\",\"status_if_new\":\"subscribed\","
                    + "\"merge_fields\":{\"FNAME\":\"Peter\"}}}]"));
  }

  @Test
  void preview_noEmail_givesNoRequestsAndTheReason() throws Exception {
    Preview.Result result =
        new Preview(NORMALIZER)
            .preview(
                destination,
                Json.read("{\"userId\":\"u1\",\"traits\":{}}".getBytes(StandardCharsets.UTF_8)),
                Map.of());

    assertThat(result.requests()).isEmpty();
    assertThat(result.skipReason()).isEqualTo("Mailchimp needs an email; the call has none");
  }

  @Test
  void preview_invalidStatusIfNew_isASettingsError() throws Exception {
    Preview.Result result =
        new Preview(NORMALIZER)
            .preview(
                destination,
                Json.read(
                    "{\"userId\":\"u1\",\"traits\":{\"email\":\"a@b.co\"}}"
                        .getBytes(StandardCharsets.UTF_8)),
                Map.of("statusIfNew", "Subscribed"));

    assertThat(result.invalid()).isTrue();
    assertThat(result.path()).isEqualTo("settings");
    assertThat(result.error()).contains("statusIfNew").contains("\"Subscribed\"");
  }

  @Test
  void tag_followsSegmentMergeTagRule() {
    assertThat(MailchimpDestination.tag("anonymousId")).isEqualTo("ANONYMOUSI");
    assertThat(MailchimpDestination.tag("plan_type")).isEqualTo("PLANTYPE");
    assertThat(MailchimpDestination.tag("Lifetime Value $")).isEqualTo("LIFETIMEVA");
    assertThat(MailchimpDestination.tag("__")).isEmpty();
  }

  private RecordedRequest sendOne(Plan plan) throws Exception {
    assertThat(plan.skipped()).isFalse();
    assertThat(plan.requests()).hasSize(1);
    server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
    HttpSender.Response response = sender.send(plan.requests().get(0));
    assertThat(response.status()).isEqualTo(200);
    return server.takeRequest();
  }

  private Map<String, String> settingValues() {
    return Map.of("apiKey", "abc123-us6", "listId", "list1", "baseUrl", server.url("/").toString());
  }

  private DestinationSettings settings() {
    return settings(settingValues());
  }

  private static DestinationSettings settings(Map<String, String> values) {
    return DestinationSettings.of(values, null);
  }

  private static String traits(String traits) {
    return "{\"type\":\"identify\",\"userId\":\"u-42\",\"traits\":" + traits + "}";
  }

  private static Message identify(String json) {
    return NORMALIZER.normalize(json(json), null, "203.0.113.7").message();
  }

  private static JsonNode body(RecordedRequest request) throws IOException {
    return Json.read(request.getBody().toByteArray());
  }

  private static JsonNode json(String json) {
    try {
      return Json.read(json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
