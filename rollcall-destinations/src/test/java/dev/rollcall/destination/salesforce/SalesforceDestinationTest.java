package dev.rollcall.destination.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.params.provider.ValueSource;

final class SalesforceDestinationTest {
  private static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC));

  private static final String LEAD_PATH =
      "/services/data/v62.0/sobjects/Lead/Rollcall_User_Id__c/u-42";

  private final SalesforceDestination destination = new SalesforceDestination();
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
    assertThat(destination.name()).isEqualTo("Salesforce");
  }

  @Test
  void plan_everyReservedTrait_upsertsLeadWithMappedFields() throws Exception {
    Message message = identify(everyReservedTrait("u-42"));

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getMethod()).isEqualTo("PATCH");
    assertThat(request.getTarget()).isEqualTo(LEAD_PATH);
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer tok-123");
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Peter","LastName":"Gibbons","Company":"Initech",
                 "Industry":"Software","NumberOfEmployees":120,
                 "Email":"peter@initech.com","Phone":"+1 555 0100","Title":"Engineer",
                 "Street":"4120 Freidrich Lane","City":"Austin","State":"TX",
                 "PostalCode":"78744","Country":"USA","Website":"https://initech.com",
                 "Description":"TPS reports"}
                """));
  }

  @Test
  void plan_everyReservedTraitWithCustomFields_sendsUnmappedTraitsAsCustomFields()
      throws Exception {
    Message message = identify(everyReservedTrait("u-42"));

    RecordedRequest request = sendOne(destination.plan(message, settings("customFields", "true")));

    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Peter","LastName":"Gibbons","Company":"Initech",
                 "Industry":"Software","NumberOfEmployees":120,
                 "Email":"peter@initech.com","Phone":"+1 555 0100","Title":"Engineer",
                 "Street":"4120 Freidrich Lane","City":"Austin","State":"TX",
                 "PostalCode":"78744","Country":"USA","Website":"https://initech.com",
                 "Description":"TPS reports",
                 "birthday__c":"1981-04-19T00:00:00.000Z",
                 "createdAt__c":"2015-02-23T22:28:55.111Z",
                 "age__c":42,"avatar__c":"https://example.com/p.png",
                 "gender__c":"male","id__c":"u-42","username__c":"pgibbons",
                 "plan__c":"pro","plan_type__c":"annual"}
                """));
  }

  @Test
  void plan_customFieldsOff_sendsNoCustomFields() {
    ObjectNode body = planBody(identify(everyReservedTrait("u-42")), settings());

    assertThat(body.fieldNames()).toIterable().noneMatch(name -> name.endsWith("__c"));
  }

  @Test
  void plan_snakeCaseInput_mapsLikeCamelCase() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{
              "first_name":"Peter","last_name":"Gibbons","email":"peter@initech.com",
              "created_at":1424730535,
              "company":{"name":"Initech","employee_count":120},
              "address":{"street":"4120 Freidrich Lane","postal_code":"78744"}}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings("customFields", "true")));

    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Peter","LastName":"Gibbons","Company":"Initech",
                 "NumberOfEmployees":120,"Email":"peter@initech.com",
                 "Street":"4120 Freidrich Lane","PostalCode":"78744",
                 "createdAt__c":"2015-02-23T22:28:55.000Z"}
                """));
  }

  @Test
  void plan_missingEmail_sendsUpsertWithoutEmail() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"name":"Peter Gibbons",
             "company":"Initech"}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getTarget()).isEqualTo(LEAD_PATH);
    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Peter","LastName":"Gibbons","Company":"Initech"}
                """));
  }

  @Test
  void plan_leadWithoutCompany_usesDocumentedFallback() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"lastName":"Gibbons",
             "email":"peter@initech.com"}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"LastName":"Gibbons","Company":"n/a","Email":"peter@initech.com"}
                """));
  }

  @Test
  void plan_leadWithoutLastNameOrCompany_usesDocumentedFallbacks() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"firstName":"Peter",
             "email":"peter@initech.com"}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Peter","LastName":"n/a","Company":"n/a",
                 "Email":"peter@initech.com"}
                """));
  }

  @Test
  void plan_blankOrNullRequiredFields_useDocumentedFallbacks() {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"lastName":"  ",
             "company":{"name":null},"phone":null}}
            """);

    ObjectNode body = planBody(message, settings());

    assertThat(Json.writeString(body))
        .isEqualTo(compact("{\"LastName\":\"n/a\",\"Company\":\"n/a\",\"Phone\":null}"));
  }

  @Test
  void plan_companyAsString_isCompanyName() {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"lastName":"Gibbons",
             "company":"Initech"}}
            """);

    assertThat(planBody(message, settings()).get("Company").textValue()).isEqualTo("Initech");
  }

  @Test
  void plan_nullAddress_clearsAddressFields() {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"lastName":"Gibbons",
             "company":"Initech","address":null}}
            """);

    assertThat(Json.writeString(planBody(message, settings())))
        .isEqualTo(
            compact(
                """
                {"LastName":"Gibbons","Company":"Initech","Street":null,"City":null,
                 "State":null,"PostalCode":null,"Country":null}
                """));
  }

  @Test
  void plan_contactObject_upsertsContactWithMailingAddressAndBirthdate() throws Exception {
    Message message = identify(everyReservedTrait("u-42"));

    RecordedRequest request = sendOne(destination.plan(message, settings("object", "contact")));

    assertThat(request.getMethod()).isEqualTo("PATCH");
    assertThat(request.getTarget())
        .isEqualTo("/services/data/v62.0/sobjects/Contact/Rollcall_User_Id__c/u-42");
    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Peter","LastName":"Gibbons","Email":"peter@initech.com",
                 "Phone":"+1 555 0100","Title":"Engineer",
                 "MailingStreet":"4120 Freidrich Lane","MailingCity":"Austin",
                 "MailingState":"TX","MailingPostalCode":"78744","MailingCountry":"USA",
                 "Description":"TPS reports","Birthdate":"1981-04-19"}
                """));
  }

  @Test
  void plan_contactWithoutLastName_usesDocumentedFallbackAndNoCompany() {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"email":"peter@initech.com",
             "company":{"name":"Initech"},"website":"https://initech.com"}}
            """);

    ObjectNode body = planBody(message, settings("object", "Contact", "customFields", "true"));

    assertThat(Json.writeString(body))
        .isEqualTo(
            compact(
                """
                {"LastName":"n/a","Email":"peter@initech.com",
                 "website__c":"https://initech.com"}
                """));
  }

  @Test
  void plan_unicode_sentAsUtf8() throws Exception {
    Message message =
        identify(
            """
            {"type":"identify","userId":"ユーザー-1","traits":{"firstName":"Zoë",
             "lastName":"Ångström 🚀","company":{"name":"Société Générale"},
             "address":{"city":"München"},"description":"日本語"}}
            """);

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getTarget())
        .isEqualTo(
            "/services/data/v62.0/sobjects/Lead/Rollcall_User_Id__c/"
                + "%E3%83%A6%E3%83%BC%E3%82%B6%E3%83%BC-1");
    assertThat(request.getUrl().pathSegments()).last().isEqualTo("ユーザー-1");
    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"FirstName":"Zoë","LastName":"Ångström 🚀","Company":"Société Générale",
                 "City":"München","Description":"日本語"}
                """));
  }

  @ParameterizedTest(name = "createdAt {0}")
  @ValueSource(
      strings = {
        "\"2015-02-23T22:28:55.111Z\"",
        "\"2015-02-23T23:28:55.111+01:00\"",
        "1424730535.111",
        "1424730535111",
        "\"1424730535111\""
      })
  void plan_createdAtAsIsoOrUnixSecondsOrMillis_sentAsSameIsoCustomField(String createdAt)
      throws Exception {
    Message message =
        identify(
            "{\"type\":\"identify\",\"userId\":\"u-42\",\"traits\":{\"lastName\":\"Gibbons\","
                + "\"company\":\"Initech\",\"createdAt\":"
                + createdAt
                + "}}");

    RecordedRequest request = sendOne(destination.plan(message, settings("customFields", "true")));

    assertThat(body(request))
        .isEqualTo(
            compact(
                """
                {"LastName":"Gibbons","Company":"Initech",
                 "createdAt__c":"2015-02-23T22:28:55.111Z"}
                """));
  }

  @Test
  void plan_createdAtUnixSeconds_neverSentAsCreatedDate() {
    Message message =
        identify(
            """
            {"type":"identify","userId":"u-42","traits":{"createdAt":1424730535}}
            """);

    assertThat(planBody(message, settings()).has("CreatedDate")).isFalse();
    assertThat(planBody(message, settings("customFields", "true")).get("createdAt__c").textValue())
        .isEqualTo("2015-02-23T22:28:55.000Z");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a b/c?d#e%f&g+h | a%20b%2Fc%3Fd%23e%25f%26g%2Bh",
        "user@example.com | user%40example.com",
        "plain-id_1.2 | plain-id_1.2"
      })
  void plan_userIdNeedingUrlEncoding_isPercentEncodedAsOneSegment(String userId, String encoded)
      throws Exception {
    Message message =
        identify(
            "{\"type\":\"identify\",\"userId\":"
                + Json.MAPPER.writeValueAsString(userId)
                + ",\"traits\":{\"lastName\":\"Gibbons\"}}");

    RecordedRequest request = sendOne(destination.plan(message, settings()));

    assertThat(request.getTarget())
        .isEqualTo("/services/data/v62.0/sobjects/Lead/Rollcall_User_Id__c/" + encoded);
    assertThat(request.getUrl().pathSegments()).last().isEqualTo(userId);
  }

  @Test
  void plan_noUserId_skipsWithReasonEvenWithEmail() {
    Message message =
        identify(
            """
            {"type":"identify","anonymousId":"anon-1","traits":{"email":"peter@initech.com",
             "lastName":"Gibbons"}}
            """);

    Plan plan = destination.plan(message, settings());

    assertThat(plan.skipped()).isTrue();
    assertThat(plan.requests()).isEmpty();
    assertThat(plan.skipReason()).contains("userId").contains("Rollcall_User_Id__c");
  }

  @Test
  void plan_settings_externalIdFieldApiVersionAndTrailingSlash() throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("instanceUrl", server.url("/").toString()); // ends with "/"
    values.put("accessToken", "tok-123");
    values.put("externalIdField", "App_Id__c");
    values.put("apiVersion", "v58.0");
    Message message = identify("{\"type\":\"identify\",\"userId\":\"u-42\",\"traits\":{}}");

    RecordedRequest request =
        sendOne(destination.plan(message, DestinationSettings.of(values, null)));

    assertThat(request.getTarget()).isEqualTo("/services/data/v58.0/sobjects/Lead/App_Id__c/u-42");
    assertThat(body(request)).isEqualTo(compact("{\"LastName\":\"n/a\",\"Company\":\"n/a\"}"));
  }

  @Test
  void plan_preview_showsPlaceholdersForMissingSettings() {
    Message message = identify(everyReservedTrait("u-42"));

    Plan plan = destination.plan(message, DestinationSettings.preview(Map.of(), null));

    DestinationRequest request = plan.requests().get(0);
    assertThat(request.method()).isEqualTo("PATCH");
    assertThat(request.url())
        .isEqualTo("<instanceUrl>/services/data/v62.0/sobjects/Lead/Rollcall_User_Id__c/u-42");
    assertThat(request.headers())
        .containsExactly(
            Map.entry("Authorization", "Bearer <accessToken>"),
            Map.entry("Content-Type", "application/json"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"instanceUrl", "accessToken"})
  void plan_deliveryWithoutRequiredSetting_throwsMissingSetting(String missing) {
    Map<String, String> values = new HashMap<>();
    values.put("instanceUrl", "https://acme.my.salesforce.com");
    values.put("accessToken", "tok-123");
    values.remove(missing);
    Message message = identify(everyReservedTrait("u-42"));

    assertThatThrownBy(() -> destination.plan(message, DestinationSettings.of(values, null)))
        .isInstanceOf(MissingSettingException.class)
        .satisfies(e -> assertThat(((MissingSettingException) e).setting()).isEqualTo(missing));
  }

  @ParameterizedTest
  @CsvSource({
    "object, Account",
    "externalIdField, Rollcall User Id",
    "apiVersion, latest",
    "customFields, yes"
  })
  void plan_invalidSetting_throwsIllegalArgument(String setting, String value) {
    Message message = identify(everyReservedTrait("u-42"));

    assertThatThrownBy(() -> destination.plan(message, settings(setting, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(setting);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      value = {
        "plan | plan__c",
        "plan type | plan_type__c",
        "Plan__c | Plan__c",
        "a--b__ | a_b__c",
        "3d | null",
        "_x | x__c",
        "!!! | null"
      })
  void customFieldName_followsApiNameRules(String key, String expected) {
    assertThat(SalesforceDestination.customFieldName(key)).isEqualTo(expected);
  }

  // ---------------------------------------------------------------------------------------------

  private static String everyReservedTrait(String userId) {
    return """
        {"type":"identify","userId":"%s","traits":{
          "email":"peter@initech.com","firstName":"Peter","lastName":"Gibbons",
          "phone":"+1 555 0100","birthday":"1981-04-19",
          "createdAt":"2015-02-23T22:28:55.111Z",
          "address":{"street":"4120 Freidrich Lane","city":"Austin","state":"TX",
                     "postalCode":"78744","country":"USA"},
          "age":42,"avatar":"https://example.com/p.png",
          "company":{"name":"Initech","industry":"Software","employeeCount":120,
                     "plan":"enterprise","id":"c-1"},
          "description":"TPS reports","gender":"male","id":"u-42",
          "title":"Engineer","username":"pgibbons","website":"https://initech.com",
          "plan":"pro","plan type":"annual","Plan__c":"x","3d":"no","tags":["a"]}}
        """
        .formatted(userId);
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
    values.put("instanceUrl", server.url("").toString().replaceAll("/$", ""));
    values.put("accessToken", "tok-123");
    for (int i = 0; i < more.length; i += 2) values.put(more[i], more[i + 1]);
    return DestinationSettings.of(values, null);
  }

  private static ObjectNode planBody(Message message, DestinationSettings settings) {
    Plan plan = new SalesforceDestination().plan(message, settings);
    assertThat(plan.requests()).hasSize(1);
    return (ObjectNode) plan.requests().get(0).jsonBody();
  }

  private RecordedRequest sendOne(Plan plan) throws Exception {
    assertThat(plan.skipped()).isFalse();
    assertThat(plan.requests()).hasSize(1);
    server.enqueue(new MockResponse.Builder().code(201).body("{\"success\":true}").build());
    HttpSender.Response response = sender.send(plan.requests().get(0));
    assertThat(response.status()).isEqualTo(201);
    return server.takeRequest();
  }

  private static String body(RecordedRequest request) {
    return request.getBody().string(StandardCharsets.UTF_8);
  }

  /** The JSON written compactly, as Rollcall sends it, keeping the field order. */
  private static String compact(String json) {
    try {
      return new String(
          Json.write(Json.read(json.getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
