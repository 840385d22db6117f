package dev.rollcall.destination.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.Message;
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

final class HubSpotDestinationTest {
  private static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC));

  private static final String EVERY_RESERVED_TRAIT =
      "{\"email\":\"Peter@Initech.com\",\"firstName\":\"Peter\",\"lastName\":\"Gibbons\","
          + "\"phone\":\"+1 555 0100\",\"birthday\":\"1981-04-19\","
          + "\"createdAt\":\"2015-02-23T22:28:55.111Z\","
          + "\"address\":{\"street\":\"4120 Freidrich Lane\",\"city\":\"Austin\","
          + "\"state\":\"TX\",\"postalCode\":\"78744\",\"country\":\"USA\"},"
          + "\"age\":42,\"avatar\":\"https://example.com/p.png\","
          + "\"company\":{\"name\":\"Initech\",\"employeeCount\":120},"
          + "\"description\":\"TPS reports\",\"gender\":\"male\",\"id\":\"u-42\","
          + "\"title\":\"Engineer\",\"username\":\"pgibbons\","
          + "\"website\":\"https://initech.com\"}";

  private final HubSpotDestination destination = new HubSpotDestination();
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
  void plan_everyReservedTrait_upsertsContactWithMappedPropertiesOnly() throws Exception {
    RecordedRequest request =
        sendOne(destination.plan(identify(traits(EVERY_RESERVED_TRAIT)), settings()));

    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/crm/v3/objects/contacts/batch/upsert");
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer pat-na1-token");
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(body(request))
        .isEqualTo(
            json(
                "{\"inputs\":[{\"id\":\"Peter@Initech.com\",\"idProperty\":\"email\","
                    + "\"properties\":{\"email\":\"Peter@Initech.com\",\"firstname\":\"Peter\","
                    + "\"lastname\":\"Gibbons\",\"phone\":\"+1 555 0100\","
                    + "\"company\":\"Initech\",\"website\":\"https://initech.com\","
                    + "\"jobtitle\":\"Engineer\",\"address\":\"4120 Freidrich Lane\","
                    + "\"city\":\"Austin\",\"state\":\"TX\",\"zip\":\"78744\","
                    + "\"country\":\"USA\"}}]}"));
  }

  @Test
  void plan_customPropertiesOn_addsOtherTraitsLowerCasedAndDatesAsEpochMillis() throws Exception {
    Message message =
        identify(
            traits(
                EVERY_RESERVED_TRAIT.substring(0, EVERY_RESERVED_TRAIT.length() - 1)
                    + ",\"Plan Type\":\"gold\",\"account.Tier\":3,\"vip\":true,"
                    + "\"churned\":null,\"tags\":[\"a\"],\"prefs\":{\"x\":1}}"));

    RecordedRequest request = sendOne(destination.plan(message, settings(customOn())));

    assertThat(body(request).get("inputs").get(0).get("properties"))
        .isEqualTo(
            json(
                "{\"email\":\"Peter@Initech.com\",\"firstname\":\"Peter\","
                    + "\"lastname\":\"Gibbons\",\"phone\":\"+1 555 0100\","
                    + "\"company\":\"Initech\",\"website\":\"https://initech.com\","
                    + "\"jobtitle\":\"Engineer\",\"address\":\"4120 Freidrich Lane\","
                    + "\"city\":\"Austin\",\"state\":\"TX\",\"zip\":\"78744\",\"country\":\"USA\","
                    + "\"birthday\":356486400000,\"createdat\":1424730535111,"
                    + "\"age\":42,\"avatar\":\"https://example.com/p.png\","
                    + "\"description\":\"TPS reports\",\"gender\":\"male\",\"id\":\"u-42\","
                    + "\"username\":\"pgibbons\",\"plan_type\":\"gold\",\"account_tier\":3,"
                    + "\"vip\":true,\"churned\":\"\"}"));
  }

  @Test
  void plan_snakeCaseTraits_mapLikeCamelCase() throws Exception {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"first_name\":\"Peter\","
                    + "\"last_name\":\"Gibbons\",\"address\":{\"postal_code\":\"78744\"},"
                    + "\"company\":{\"name\":\"Initech\",\"employee_count\":5}}"));

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(body(request).get("inputs").get(0).get("properties"))
        .isEqualTo(
            json(
                "{\"email\":\"peter@initech.com\",\"firstname\":\"Peter\","
                    + "\"lastname\":\"Gibbons\",\"company\":\"Initech\",\"zip\":\"78744\"}"));
  }

  @Test
  void plan_noEmail_skipsWithReason() {
    Plan plan =
        destination.plan(identify(traits("{\"firstName\":\"Peter\",\"phone\":\"1\"}")), settings());

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.requests()).isEmpty();
    assertThat(plan.skipReason()).isEqualTo("HubSpot upserts contacts by email; the call has none");
  }

  @Test
  void plan_unicode_sentAsUtf8() throws Exception {
    Message message =
        identify(
            traits(
                "{\"email\":\"zoë@exämple.com\",\"firstName\":\"Zoë\",\"lastName\":\"Ñandú 😀\","
                    + "\"address\":{\"city\":\"Łódź\"}}"));

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getBody().utf8()).contains("\"city\":\"Łódź\"");
    assertThat(body(request))
        .isEqualTo(
            json(
                "{\"inputs\":[{\"id\":\"zoë@exämple.com\",\"idProperty\":\"email\","
                    + "\"properties\":{\"email\":\"zoë@exämple.com\",\"firstname\":\"Zoë\","
                    + "\"lastname\":\"Ñandú 😀\",\"city\":\"Łódź\"}}]}"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"1981-04-19T00:00:00Z\"  | \"2015-02-23T22:28:55Z\"",
        "\"1981-04-19\"            | \"2015-02-23T23:28:55+01:00\"",
        "\"1981-04-19T15:30:00Z\"  | \"2015-02-23T22:28:55.000Z\"",
        "356486400                 | 1424730535",
        "356486400000              | 1424730535000",
        "\"356486400\"             | \"1424730535000\"",
      })
  void plan_datesAsIsoSecondsOrMillis_giveSameEpochMillis(String birthday, String createdAt)
      throws Exception {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"birthday\":"
                    + birthday
                    + ",\"createdAt\":"
                    + createdAt
                    + "}"));

    RecordedRequest request = sendOne(destination.plan(message, settings(customOn())));

    assertThat(body(request).get("inputs").get(0).get("properties"))
        .isEqualTo(
            json(
                "{\"email\":\"peter@initech.com\",\"birthday\":356486400000,"
                    + "\"createdat\":1424730535000}"));
  }

  @Test
  void plan_customPropertiesOff_leavesDatesAndOtherTraitsOut() {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"birthday\":\"1981-04-19\",\"plan\":\"gold\"}"));

    JsonNode properties =
        destination
            .plan(message, settings())
            .requests()
            .get(0)
            .jsonBody()
            .at("/inputs/0/properties");

    assertThat(properties).isEqualTo(json("{\"email\":\"peter@initech.com\"}"));
  }

  @Test
  void plan_nullMappedTraits_clearProperties() {
    Message message =
        identify(
            traits(
                "{\"email\":\"peter@initech.com\",\"phone\":null,\"title\":null,"
                    + "\"company\":\"Initech\"}"));

    JsonNode properties =
        destination
            .plan(message, settings())
            .requests()
            .get(0)
            .jsonBody()
            .at("/inputs/0/properties");

    assertThat(properties)
        .isEqualTo(
            json(
                "{\"email\":\"peter@initech.com\",\"phone\":\"\",\"company\":\"Initech\","
                    + "\"jobtitle\":\"\"}"));
  }

  @Test
  void plan_noBaseUrl_usesHubSpotApi() {
    String url =
        destination
            .plan(
                identify(traits("{\"email\":\"peter@initech.com\"}")),
                DestinationSettings.of(Map.of("accessToken", "t"), null))
            .requests()
            .get(0)
            .url();

    assertThat(url).isEqualTo("https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert");
  }

  @Test
  void plan_missingAccessTokenInDeliveryMode_throwsMissingSetting() {
    Message message = identify(traits("{\"email\":\"peter@initech.com\"}"));

    assertThatThrownBy(() -> destination.plan(message, DestinationSettings.of(Map.of(), null)))
        .isInstanceOfSatisfying(
            MissingSettingException.class, e -> assertThat(e.setting()).isEqualTo("accessToken"));
  }

  @Test
  void plan_invalidCustomPropertiesSetting_throwsClearError() {
    Map<String, String> values = new HashMap<>(settingValues());
    values.put("customProperties", "yes");
    Message message = identify(traits("{\"email\":\"peter@initech.com\"}"));

    assertThatThrownBy(() -> destination.plan(message, settings(values)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the HubSpot setting customProperties is \"yes\"; it must be true or false");
  }

  @Test
  void preview_noSettings_showsPlaceholders() throws Exception {
    Preview.Result result =
        new Preview(NORMALIZER)
            .preview(
                destination,
                Json.read(
                    "{\"userId\":\"u1\",\"traits\":{\"email\":\"peter@initech.com\",\"title\":\"CEO\"}}"
                        .getBytes(StandardCharsets.UTF_8)),
                Map.of());

    assertThat(result.invalid()).isFalse();
    assertThat(result.requests())
        .isEqualTo(
            json(
                "[{\"method\":\"POST\",\"url\":\"https://api.hubapi.com/crm/v3/objects/contacts/"
                    + "batch/upsert\",\"headers\":{\"Authorization\":\"Bearer <accessToken>\","
                    + "\"Content-Type\":\"application/json\"},\"body\":{\"inputs\":[{\"id\":"
                    + "\"peter@initech.com\",\"idProperty\":\"email\",\"properties\":{\"email\":"
                    + "\"peter@initech.com\",\"jobtitle\":\"CEO\"}}]}}]"));
  }

  @Test
  void preview_noEmail_givesNoRequestsAndTheReason() throws Exception {
    Preview.Result result =
        new Preview(NORMALIZER)
            .preview(
                destination,
                Json.read("{\"anonymousId\":\"a1\"}".getBytes(StandardCharsets.UTF_8)),
                Map.of());

    assertThat(result.requests()).isEmpty();
    assertThat(result.skipReason())
        .isEqualTo("HubSpot upserts contacts by email; the call has none");
  }

  @Test
  void propertyName_lowerCasesAndTurnsWhitespaceAndDotsToUnderscores() {
    assertThat(HubSpotDestination.propertyName("Plan Type")).isEqualTo("plan_type");
    assertThat(HubSpotDestination.propertyName("account.Tier")).isEqualTo("account_tier");
    assertThat(HubSpotDestination.propertyName("lifecyclestage")).isEqualTo("lifecyclestage");
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
    return Map.of("accessToken", "pat-na1-token", "baseUrl", server.url("/").toString());
  }

  private Map<String, String> customOn() {
    Map<String, String> values = new HashMap<>(settingValues());
    values.put("customProperties", "true");
    return values;
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
