package dev.rollcall.server.profile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.cli.RollcallCommand;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import dev.rollcall.tests.ProfileSnapshot;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Profile API over real HTTP, fed through the collector and the processor. */
class ProfileApiTest {
  private static final String WRITE_KEY = "test-write-key";
  private static final String ADMIN_TOKEN = "test-admin-token";
  private static final String COMPLETE_EXAMPLE =
      "{\"anonymousId\":\"507f191e810c19729de860ea\",\"channel\":\"browser\","
          + "\"context\":{\"ip\":\"\",\"userAgent\":\"Mozilla/5.0\"},"
          + "\"integrations\":{\"All\":false,\"Mixpanel\":true,\"Salesforce\":true},"
          + "\"messageId\":\"022bb90c-bbac-11e4-8dfc-aa07a5b093db\",\"receivedAt\":\"2015-02-23T22:28:55.387Z\","
          + "\"sentAt\":\"2015-02-23T22:28:55.111Z\",\"timestamp\":\"2015-02-23T22:28:55.111Z\","
          + "\"traits\":{\"name\":\"Peter Gibbons\",\"email\":\"peter@initech.com\",\"plan\":\"premium\",\"logins\":5,"
          + "\"address\":{\"street\":\"6th St\",\"city\":\"San Francisco\",\"state\":\"CA\",\"postal_code\":\"94103\",\"country\":\"USA\"}},"
          + "\"type\":\"identify\",\"userId\":\"97980cfea0067\",\"version\":\"1.1\"}";

  @TempDir Path dir;
  private RollcallServer server;

  /** HTTP/2 when the server takes the upgrade (h2c), as Java's client asks for by default. */
  private final HttpClient http = HttpClient.newHttpClient();

  private final HttpClient http11 =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    server = startServer();
  }

  private RollcallServer startServer() throws Exception {
    return RollcallServer.start(
        ServerConfig.builder()
            .port(0)
            .dataDir(dir)
            .writeKeys(List.of(WRITE_KEY))
            .adminToken(ADMIN_TOKEN)
            .build(),
        Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String authorization)
      throws Exception {
    return send(http, method, path, body, authorization);
  }

  private HttpResponse<String> send(
      HttpClient http, String method, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (authorization != null) request.header("Authorization", authorization);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String key) {
    return "Basic "
        + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> admin(String method, String path) throws Exception {
    return send(method, path, null, bearer());
  }

  private static String bearer() {
    return "Bearer " + ADMIN_TOKEN;
  }

  private void track(String body) throws Exception {
    HttpResponse<String> response = send("POST", "/v1/batch", body, basic(WRITE_KEY));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** Waits until the processor has applied everything acknowledged so far. */
  private void awaitProcessed() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (server.processor().lagMillis(Clock.systemUTC()) > 0
        || server.eventLog().pendingEntries() > 0
        || server.processor().checkpoint() < lastOffset()) {
      assertThat(System.nanoTime()).as("processed within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private long lastOffset() {
    long last = 0;
    long offset = 0;
    List<?> page;
    do {
      var entries = server.eventLog().read(offset, 1_000);
      page = entries;
      if (!entries.isEmpty()) {
        offset = entries.get(entries.size() - 1).offset();
        last = offset;
      }
    } while (!page.isEmpty());
    return last;
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.read(response.body().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void completeExample_sentWithBasicAuth_isReadableNormalized() throws Exception {
    HttpResponse<String> sent = send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    assertThat(sent.body()).isEqualTo("{\"success\":true}");
    awaitProcessed();

    HttpResponse<String> traits = admin("GET", "/v1/profiles/user_id:97980cfea0067/traits");

    assertThat(traits.statusCode()).isEqualTo(200);
    assertThat(json(traits).get("traits").toString())
        .isEqualTo(
            "{\"address\":{\"street\":\"6th St\",\"city\":\"San Francisco\",\"state\":\"CA\",\"postalCode\":\"94103\",\"country\":\"USA\"},"
                + "\"email\":\"peter@initech.com\",\"firstName\":\"Peter\",\"lastName\":\"Gibbons\",\"logins\":5,"
                + "\"name\":\"Peter Gibbons\",\"plan\":\"premium\"}");
  }

  @Test
  void traits_includeAndVerbose() throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    JsonNode traits =
        json(admin(
                "GET",
                "/v1/profiles/email:peter@initech.com/traits?include=plan,name&verbose=true"))
            .get("traits");

    assertThat(traits.size()).isEqualTo(2);
    assertThat(traits.get("plan").get("value").textValue()).isEqualTo("premium");
    assertThat(traits.get("plan").get("messageId").textValue())
        .isEqualTo("022bb90c-bbac-11e4-8dfc-aa07a5b093db");
    assertThat(traits.get("plan").get("timestamp").textValue()).endsWith("Z");
  }

  @Test
  void externalIdsAndEvents_ofTheJoinedPerson() throws Exception {
    track(
        "{\"batch\":[{\"type\":\"page\",\"anonymousId\":\"anon-1\",\"messageId\":\"p1\",\"timestamp\":\"2015-01-01T00:00:00Z\"},"
            + "{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"anon-1\",\"messageId\":\"i1\",\"timestamp\":\"2015-01-02T00:00:00Z\"}]}");
    awaitProcessed();

    JsonNode ids = json(admin("GET", "/v1/profiles/anonymous_id:anon-1/external_ids")).get("data");
    JsonNode events = json(admin("GET", "/v1/profiles/user_id:u1/events?limit=1"));
    JsonNode older =
        json(
            admin(
                "GET",
                "/v1/profiles/user_id:u1/events?limit=1&cursor="
                    + events.get("cursor").get("next").textValue()));

    List<String> idList = new ArrayList<>();
    ids.forEach(id -> idList.add(id.get("type").textValue() + ":" + id.get("id").textValue()));
    assertThat(idList).containsExactlyInAnyOrder("user_id:u1", "anonymous_id:anon-1");
    assertThat(events.get("data").get(0).get("messageId").textValue()).isEqualTo("i1");
    assertThat(events.get("cursor").get("has_more").booleanValue()).isTrue();
    assertThat(older.get("data").get(0).get("messageId").textValue()).isEqualTo("p1");
    assertThat(older.get("cursor").get("has_more").booleanValue()).isFalse();
  }

  @Test
  void writeKey_cannotReadProfiles() throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    assertThat(
            send("GET", "/v1/profiles/user_id:97980cfea0067/traits", null, basic(WRITE_KEY))
                .statusCode())
        .isEqualTo(401);
    assertThat(
            send("GET", "/v1/profiles/user_id:97980cfea0067/traits", null, "Bearer " + WRITE_KEY)
                .statusCode())
        .isEqualTo(401);
    assertThat(send("GET", "/v1/profiles/user_id:97980cfea0067/traits", null, null).statusCode())
        .isEqualTo(401);
    assertThat(
            send("DELETE", "/v1/profiles/user_id:97980cfea0067", null, basic(WRITE_KEY))
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void unknownPerson_is404_andBadId_is400() throws Exception {
    HttpResponse<String> unknown = admin("GET", "/v1/profiles/user_id:nobody/traits");
    HttpResponse<String> bad = admin("GET", "/v1/profiles/phone:123/traits");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).get("error").get("code").textValue()).isEqualTo("not_found");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("error").get("message").textValue()).contains("phone");
    assertThat(admin("DELETE", "/v1/profiles/user_id:nobody").statusCode()).isEqualTo(404);
  }

  @Test
  void delete_removesThePersonsCallsFromTheConsolesFeed() throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    track("{\"batch\":[{\"type\":\"identify\",\"userId\":\"someone-else\"}]}");
    awaitProcessed();

    assertThat(admin("DELETE", "/v1/profiles/anonymous_id:507f191e810c19729de860ea").statusCode())
        .isEqualTo(200);

    String feed = admin("GET", "/v1/calls/recent?limit=500").body();
    assertThat(feed).doesNotContain("97980cfea0067").doesNotContain("peter@initech.com");
    assertThat(feed).contains("someone-else");
  }

  @Test
  void delete_withSuppression_removesThePersonAndDropsLaterCalls() throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    HttpResponse<String> deleted =
        admin("DELETE", "/v1/profiles/user_id:97980cfea0067?suppress=true");
    send(
        "POST",
        "/v1/identify",
        "{\"userId\":\"97980cfea0067\",\"traits\":{\"plan\":\"free\"}}",
        basic(WRITE_KEY));
    awaitProcessed();

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(json(deleted).get("calls_deleted_from_log").intValue()).isEqualTo(1);
    assertThat(admin("GET", "/v1/profiles/user_id:97980cfea0067/traits").statusCode())
        .isEqualTo(404);
    assertThat(admin("GET", "/v1/profiles/email:peter@initech.com/traits").statusCode())
        .isEqualTo(404);
    assertThat(server.processor().suppressed()).isEqualTo(1);
    awaitDeletedFromTheLog("97980cfea0067");
    String feed = admin("GET", "/v1/calls/recent?limit=500").body();
    assertThat(feed)
        .as("the console's feed keeps nothing of the person")
        .doesNotContain("97980cfea0067")
        .doesNotContain("peter@initech.com")
        .contains("\"status\":\"deleted\"");

    server.close();
    server = null;
    assertThat(RollcallCommand.newCommandLine().execute("rebuild", "--data", dir.toString()))
        .isZero();
    try (SqliteProfileStore rebuilt = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      assertThat(rebuilt.find(ExternalId.parse("user_id:97980cfea0067"))).isEmpty();
      assertThat(rebuilt.isSuppressed(ExternalId.parse("user_id:97980cfea0067"))).isTrue();
    }
  }

  /** Waits until the log holds no call of the person: the processor deletes what it drops. */
  private void awaitDeletedFromTheLog(String personKey) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (server.eventLog().read(0, 10_000).stream()
        .anyMatch(e -> e.personKey().equals(personKey))) {
      assertThat(System.nanoTime()).as("deleted within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /**
   * A deletion cannot be undone: a suppress value that is neither true nor false must not delete
   * without suppressing (the weaker thing), so nothing is deleted and the answer says what is
   * taken.
   */
  @ParameterizedTest(name = "suppress={0}")
  @ValueSource(strings = {"1", "0", "yes", "bogus", "", "true&suppress=false"})
  void delete_suppressNeitherTrueNorFalse_is400NamingIt_andDeletesNothing(String value)
      throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    HttpResponse<String> refused =
        admin("DELETE", "/v1/profiles/user_id:97980cfea0067?suppress=" + value);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    JsonNode error = json(refused).get("error");
    assertThat(error.get("code").textValue()).isEqualTo("validation_error");
    assertThat(error.get("message").textValue())
        .startsWith("suppress must be true or false")
        .contains("true")
        .contains("false");
    assertThat(admin("GET", "/v1/profiles/user_id:97980cfea0067/traits").statusCode())
        .as("not deleted")
        .isEqualTo(200);
  }

  @ParameterizedTest(name = "suppress={0}")
  @CsvSource({"TRUE, true", "True, true", "false, false", "FALSE, false"})
  void delete_suppressTrueOrFalseInAnyCase_isTaken(String value, boolean suppressed)
      throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    HttpResponse<String> deleted =
        admin("DELETE", "/v1/profiles/user_id:97980cfea0067?suppress=" + value);

    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(json(deleted).get("suppressed").booleanValue()).isEqualTo(suppressed);
  }

  @ParameterizedTest(name = "verbose={0}")
  @ValueSource(strings = {"1", "yes", "bogus", ""})
  void traits_verboseNeitherTrueNorFalse_is400NamingIt(String value) throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    HttpResponse<String> refused =
        admin("GET", "/v1/profiles/user_id:97980cfea0067/traits?verbose=" + value);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(json(refused).get("error").get("message").textValue())
        .startsWith("verbose must be true or false");
  }

  @Test
  void traits_verboseFalse_givesThePlainValues() throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    HttpResponse<String> plain =
        admin("GET", "/v1/profiles/user_id:97980cfea0067/traits?verbose=FALSE");

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(json(plain).get("traits").get("plan").textValue()).isEqualTo("premium");
  }

  /**
   * A person the collector took can be read and deleted, whatever the length of the id: 10,000 CJK
   * characters are 30,000 bytes of UTF-8 (a message is at most 32 KB), 90,000 characters once
   * percent-encoded in the path, far over Vert.x's default request line of 4,096.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"HTTP_1_1", "HTTP_2"})
  void person_withAnIdOf10000CjkCharacters_canBeReadAndDeleted(HttpClient.Version version)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(version).build();
    String userId = "人".repeat(10_000);
    track(
        "{\"batch\":[{\"type\":\"identify\",\"userId\":\""
            + userId
            + "\",\"traits\":{\"plan\":\"pro\"}}]}");
    awaitProcessed();
    String person = "/v1/profiles/user_id:" + URLEncoder.encode(userId, StandardCharsets.UTF_8);

    HttpResponse<String> traits = send(http, "GET", person + "/traits", null, bearer());
    HttpResponse<String> deleted = send(http, "DELETE", person + "?suppress=true", null, bearer());

    assertThat(traits.statusCode()).as(traits.body()).isEqualTo(200);
    assertThat(json(traits).get("traits").get("plan").textValue()).isEqualTo("pro");
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(json(deleted).get("deleted").get(0).textValue()).isEqualTo("user_id:" + userId);
    assertThat(send(http, "GET", person + "/traits", null, bearer()).statusCode()).isEqualTo(404);
  }

  @Test
  void requestLine_overTheLimit_is414WithAJsonErrorSayingTheLimit() throws Exception {
    HttpResponse<String> response =
        send(
            http11,
            "GET",
            "/v1/profiles/user_id:" + "a".repeat(200_000) + "/traits",
            null,
            bearer());

    assertThat(response.statusCode()).isEqualTo(414);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = json(response);
    assertThat(body.get("success").booleanValue()).isFalse();
    assertThat(body.get("error").textValue())
        .isEqualTo(
            "the request line (method, path and query) is longer than the limit of "
                + RollcallServer.MAX_INITIAL_LINE_BYTES
                + " bytes");
  }

  @Test
  void headers_overTheLimit_are431WithAJsonError() throws Exception {
    HttpResponse<String> response =
        send(
            http11,
            "GET",
            "/v1/profiles/user_id:u1/traits",
            null,
            bearer() + " " + "a".repeat(20_000));

    assertThat(response.statusCode()).isEqualTo(431);
    assertThat(json(response).get("error").textValue()).contains("headers").contains("limit");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "POST  | /v1/profiles/user_id:u1/traits       | GET, HEAD",
        "PUT   | /v1/profiles/user_id:u1/external_ids | GET, HEAD",
        "PATCH | /v1/profiles/user_id:u1              | DELETE",
        "GET   | /v1/profiles/user_id:u1              | DELETE"
      })
  void wrongMethod_onAProfilePath_is405InTheProfileApisShape(
      String method, String path, String allow) throws Exception {
    HttpResponse<String> response = send(http11, method, path, null, bearer());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue(allow);
    JsonNode error = json(response).get("error");
    assertThat(error.get("code").textValue()).isEqualTo("method_not_allowed");
    assertThat(error.get("message").textValue())
        .isEqualTo(method + " is not allowed at " + path + "; it takes " + allow);
  }

  @Test
  void unknownProfilePath_staysA404() throws Exception {
    HttpResponse<String> response = admin("GET", "/v1/profiles/user_id:u1/nope");

    assertThat(response.statusCode()).isEqualTo(404);
  }

  @Test
  void head_onTraits_isAnsweredAsGetWithoutABody() throws Exception {
    send("POST", "/v1/identify", COMPLETE_EXAMPLE, basic(WRITE_KEY));
    awaitProcessed();

    HttpResponse<String> response =
        send(http11, "HEAD", "/v1/profiles/user_id:97980cfea0067/traits", null, bearer());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
  }

  /** Over HTTP/2 Vert.x 5.0 would send a body after HEAD: there HEAD is refused, GET allowed. */
  @Test
  void head_overHttp2_is405AllowingGet() throws Exception {
    HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    // the first request upgrades the connection to h2c; the HEAD then goes over HTTP/2
    send(http2, "GET", "/v1/profiles/user_id:u1/traits", null, bearer());

    HttpResponse<String> response =
        send(http2, "HEAD", "/v1/profiles/user_id:u1/traits", null, bearer());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void rebuild_replaysTheLogIntoTheSameProfiles() throws Exception {
    StringBuilder batch = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < 300; i++) {
      if (i > 0) batch.append(',');
      int person = i % 40;
      String ids =
          i % 3 == 0
              ? "\"anonymousId\":\"a" + person + "\""
              : "\"userId\":\"u" + person + "\",\"anonymousId\":\"a" + person + "\"";
      batch
          .append("{\"type\":\"identify\",")
          .append(ids)
          .append(",\"traits\":{\"n\":")
          .append(i)
          .append(",\"email\":\"p")
          .append(person % 7)
          .append("@example.com\"},\"timestamp\":\"2015-01-01T00:00:")
          .append(String.format("%02d", i % 60))
          .append("Z\"}");
    }
    track(batch.append("]}").toString());
    awaitProcessed();
    List<ExternalId> ids = new ArrayList<>();
    for (int p = 0; p < 40; p++) {
      ids.add(ExternalId.of(IdKind.USER_ID, "u" + p));
      ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, "a" + p));
    }
    Set<String> live = ProfileSnapshot.of(server.profiles(), ids);
    server.close();
    server = null;

    int exit = RollcallCommand.newCommandLine().execute("rebuild", "--data", dir.toString());

    assertThat(exit).isZero();
    try (SqliteProfileStore rebuilt = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      assertThat(ProfileSnapshot.of(rebuilt, ids)).hasSize(live.size()).isEqualTo(live);
    }
    assertThat(live).hasSize(40);
  }
}
