package dev.rollcall.server.destination;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.destination.Destinations;
import dev.rollcall.destination.Preview;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.spec.MessageNormalizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server with destinations pointed at local stubs: what each stub receives over HTTP, and
 * what the delivery API says about it.
 */
final class DeliveryEndToEndTest {
  private static final String WRITE_KEY = "e2e-write-key";
  private static final String ADMIN = "e2e-admin-token";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The spec's complete example, as the spec gives it. */
  private static final String COMPLETE_EXAMPLE =
      "{\"anonymousId\": \"507f191e810c19729de860ea\", \"channel\": \"browser\","
          + " \"context\": {\"ip\": \"8.8.8.8\", \"userAgent\": \"Mozilla/5.0 (Macintosh; Intel Mac"
          + " OS X 10_9_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.115"
          + " Safari/537.36\"},"
          + " \"integrations\": {\"All\": false, \"Mixpanel\": true, \"Salesforce\": true},"
          + " \"messageId\": \"022bb90c-bbac-11e4-8dfc-aa07a5b093db\","
          + " \"receivedAt\": \"2015-02-23T22:28:55.387Z\","
          + " \"sentAt\": \"2015-02-23T22:28:55.111Z\","
          + " \"timestamp\": \"2015-02-23T22:28:55.111Z\","
          + " \"traits\": {\"name\": \"Peter Gibbons\", \"email\": \"peter@initech.com\","
          + " \"plan\": \"premium\", \"logins\": 5, \"address\": {\"street\": \"6th St\","
          + " \"city\": \"San Francisco\", \"state\": \"CA\", \"postalCode\": \"94103\","
          + " \"country\": \"USA\"}},"
          + " \"type\": \"identify\", \"userId\": \"97980cfea0067\", \"version\": \"1.1\"}";

  @TempDir Path dir;
  private final List<MockWebServer> stubs = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private RollcallServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
    stubs.forEach(MockWebServer::close);
  }

  @Test
  void specCompleteExample_allEightConfigured_exactlyMixpanelAndSalesforceReceiveIt()
      throws Exception {
    Map<String, MockWebServer> stubOf = new LinkedHashMap<>();
    List<DestinationSetup> eight = new ArrayList<>();
    for (var destination : Destinations.all()) {
      MockWebServer stub = stub();
      stub.setDispatcher(answering(200, "{\"status\": 1, \"error\": null}"));
      String name = dev.rollcall.destination.Destination.key(destination.name());
      stubOf.put(name, stub);
      eight.add(setup(name, settingsFor(name, base(stub))));
    }
    assertThat(eight).hasSize(8);
    start(eight);

    assertThat(identify(COMPLETE_EXAMPLE).statusCode()).isEqualTo(200);
    await(() -> delivered("mixpanel") == 1 && delivered("salesforce") == 1);

    RecordedRequest mixpanel = stubOf.get("mixpanel").takeRequest();
    assertThat(mixpanel.getMethod()).isEqualTo("POST");
    assertThat(mixpanel.getTarget()).isEqualTo("/engage?verbose=1");
    JsonNode update = Json.read(mixpanel.getBody().toByteArray()).get(0);
    assertThat(update.get("$token").textValue()).isEqualTo("mp-token");
    assertThat(update.get("$distinct_id").textValue()).isEqualTo("97980cfea0067");
    assertThat(update.get("$ip").textValue()).isEqualTo("8.8.8.8");
    JsonNode set = update.get("$set");
    assertThat(set.get("$email").textValue()).isEqualTo("peter@initech.com");
    assertThat(set.get("$name").textValue()).isEqualTo("Peter Gibbons");
    assertThat(set.get("$first_name").textValue()).isEqualTo("Peter");
    assertThat(set.get("$last_name").textValue()).isEqualTo("Gibbons");
    assertThat(set.get("$city").textValue()).isEqualTo("San Francisco");
    assertThat(set.get("plan").textValue()).isEqualTo("premium");
    assertThat(set.get("logins").intValue()).isEqualTo(5);
    assertSameAsPreview("mixpanel", base(stubOf.get("mixpanel")), mixpanel);

    RecordedRequest salesforce = stubOf.get("salesforce").takeRequest();
    assertThat(salesforce.getHeaders().get("Authorization")).isEqualTo("Bearer sf-token");
    JsonNode lead = Json.read(salesforce.getBody().toByteArray());
    assertThat(lead.get("LastName").textValue()).isEqualTo("Gibbons");
    assertThat(lead.get("FirstName").textValue()).isEqualTo("Peter");
    assertThat(lead.get("Email").textValue()).isEqualTo("peter@initech.com");
    assertThat(lead.get("City").textValue()).isEqualTo("San Francisco");
    assertSameAsPreview("salesforce", base(stubOf.get("salesforce")), salesforce);

    assertThat(stubOf.get("mixpanel").getRequestCount()).isEqualTo(1);
    assertThat(stubOf.get("salesforce").getRequestCount()).isEqualTo(1);
    for (var entry : stubOf.entrySet()) {
      if (List.of("mixpanel", "salesforce").contains(entry.getKey())) continue;
      assertThat(entry.getValue().getRequestCount()).as(entry.getKey()).isZero();
    }
    JsonNode destinations = adminGet("/v1/destinations").get("destinations");
    assertThat(destinations).hasSize(8);
    for (JsonNode d : destinations) {
      boolean chosen = List.of("mixpanel", "salesforce").contains(d.get("name").textValue());
      assertThat(d.get("delivered").longValue()).as(d.toString()).isEqualTo(chosen ? 1 : 0);
      assertThat(d.get("pending").longValue() + d.get("retrying").longValue()).isZero();
    }
  }

  @Test
  void error500Then200_deliveredOnRetry_lastErrorKept() throws Exception {
    MockWebServer stub = stub();
    stub.enqueue(new MockResponse.Builder().code(500).body("try later").build());
    stub.enqueue(new MockResponse.Builder().code(200).build());
    start(List.of(webhook(stub)));

    identify(call("u500", "m500"));
    await(() -> delivered("webhook") == 1);

    assertThat(stub.getRequestCount()).isEqualTo(2);
    JsonNode delivery = onlyDelivery("webhook", "delivered");
    assertThat(delivery.get("attempts").intValue()).isEqualTo(2);
    assertThat(delivery.get("lastError").textValue()).isEqualTo("HTTP 500: try later");
  }

  @Test
  void error429WithRetryAfter_retriedAfterItThenDelivered() throws Exception {
    MockWebServer stub = stub();
    stub.enqueue(
        new MockResponse.Builder().code(429).addHeader("Retry-After", "1").body("slow").build());
    stub.enqueue(new MockResponse.Builder().code(200).build());
    start(List.of(webhook(stub)));

    identify(call("u429", "m429"));
    await(() -> delivered("webhook") == 1);

    assertThat(stub.getRequestCount()).isEqualTo(2);
    assertThat(onlyDelivery("webhook", "delivered").get("lastError").textValue())
        .isEqualTo("HTTP 429: slow");
  }

  @Test
  void error400_deadWithStatusAndBody_thenReplayedAfterTheFix() throws Exception {
    MockWebServer stub = stub();
    stub.enqueue(new MockResponse.Builder().code(400).body("{\"error\": \"bad field\"}").build());
    stub.enqueue(new MockResponse.Builder().code(200).build());
    start(List.of(webhook(stub)));

    identify(call("u400", "m400"));
    await(() -> server.delivery().queue().stats("webhook").dead() == 1);

    JsonNode dead = onlyDelivery("webhook", "dead");
    assertThat(dead.get("lastError").textValue()).isEqualTo("HTTP 400: {\"error\": \"bad field\"}");
    assertThat(dead.get("messageId").textValue()).isEqualTo("m400");
    assertThat(dead.get("message").get("userId").textValue()).isEqualTo("u400");
    assertThat(adminGet("/v1/destinations").get("destinations").get(0).get("lastError").textValue())
        .startsWith("HTTP 400");

    HttpResponse<String> replay =
        adminPost(
            "/v1/deliveries/replay",
            "{\"destination\": \"Webhook\", \"ids\": [" + dead.get("id").longValue() + "]}");
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(Json.read(replay.body().getBytes(StandardCharsets.UTF_8)).get("replayed").intValue())
        .isEqualTo(1);
    await(() -> delivered("webhook") == 1);
    assertThat(stub.getRequestCount()).isEqualTo(2);
  }

  @Test
  void cli_listsTheDeadDelivery_andReplaysIt_whileTheServerRuns() throws Exception {
    MockWebServer stub = stub();
    stub.enqueue(new MockResponse.Builder().code(404).body("no such hook").build());
    stub.enqueue(new MockResponse.Builder().code(200).build());
    start(List.of(webhook(stub)));
    identify(call("ucli", "mcli"));
    await(() -> server.delivery().queue().stats("webhook").dead() == 1);
    String data = dir.resolve("data").toString();

    String[] listed =
        cli("deliveries", "--data", data, "--destination", "WebHook", "--status", "DEAD");
    assertThat(listed[0]).isEqualTo("0");
    JsonNode deliveries = Json.read(listed[1].getBytes(StandardCharsets.UTF_8)).get("deliveries");
    assertThat(deliveries).hasSize(1);
    assertThat(deliveries.get(0).get("lastError").textValue()).isEqualTo("HTTP 404: no such hook");

    String[] replayed = cli("replay", "--data", data, "--destination", "webhook");
    assertThat(replayed[0]).isEqualTo("0");
    assertThat(Json.read(replayed[1].getBytes(StandardCharsets.UTF_8)).get("replayed").intValue())
        .isEqualTo(1);
    await(() -> delivered("webhook") == 1);

    String[] stats = cli("destinations", "--data", data);
    assertThat(
            Json.read(stats[1].getBytes(StandardCharsets.UTF_8))
                .get("destinations")
                .get(0)
                .get("delivered")
                .intValue())
        .isEqualTo(1);
    String[] bad = cli("deliveries", "--data", data, "--status", "lost");
    assertThat(bad[0]).isEqualTo("2");
    assertThat(bad[2]).contains("status must be one of");
  }

  @Test
  void cli_destinationsWithTheServersConfig_saysWhatGetDestinationsSays() throws Exception {
    MockWebServer stub = stub();
    Path config = startFromFile(stub);

    String[] stats = cli("destinations", "--config", config.toString());

    assertThat(stats[0]).as(stats[2]).isEqualTo("0");
    JsonNode destinations = Json.read(stats[1].getBytes(StandardCharsets.UTF_8));
    assertThat(destinations.get("destinations").get(0).get("configured").booleanValue()).isTrue();
    assertThat(destinations).isEqualTo(adminGet("/v1/destinations"));
  }

  @Test
  void cli_deliveriesAndReplayWithTheServersConfig_takeAConfiguredDestinationWithoutDeliveries()
      throws Exception {
    MockWebServer stub = stub();
    Path config = startFromFile(stub);

    String[] listed = cli("deliveries", "--config", config.toString(), "--destination", "webhook");
    String[] replayed = cli("replay", "--config", config.toString(), "--destination", "webhook");

    assertThat(listed[0]).as(listed[2]).isEqualTo("0");
    assertThat(Json.read(listed[1].getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(adminGet("/v1/deliveries?destination=webhook"));
    assertThat(replayed[0]).as(replayed[2]).isEqualTo("0");
    assertThat(Json.read(replayed[1].getBytes(StandardCharsets.UTF_8)).get("replayed").intValue())
        .isZero();
  }

  @Test
  void cli_withAConfigOfPostgres_saysTheQueuesAreThere() throws Exception {
    Path config =
        java.nio.file.Files.writeString(
            dir.resolve("scaled.yaml"),
            String.join(
                "\n",
                "log: kafka",
                "store: postgres",
                "kafka:",
                "  bootstrapServers: localhost:9092",
                "postgres:",
                "  url: jdbc:postgresql://localhost:5432/rollcall"));

    String[] stats = cli("destinations", "--config", config.toString());

    assertThat(stats[0]).isEqualTo("1");
    assertThat(stats[2])
        .isEqualTo(
            "rollcall destinations: with store: postgres the delivery queues are in PostgreSQL;"
                + " ask a server: GET /v1/destinations"
                + System.lineSeparator());
  }

  @Test
  void hangingDestination_timesOut_thenDeliveredWhenItAnswers() throws Exception {
    MockWebServer stub = stub();
    stub.enqueue(new MockResponse.Builder().code(200).headersDelay(5, TimeUnit.SECONDS).build());
    stub.enqueue(new MockResponse.Builder().code(200).build());
    DestinationSetup hook =
        new DestinationSetup(
            "webhook", "webhook", Map.of("url", base(stub) + "/hook"), Duration.ofSeconds(1), 10);
    start(List.of(hook));

    identify(call("uhang", "mhang"));
    await(() -> delivered("webhook") == 1);

    assertThat(onlyDelivery("webhook", "delivered").get("lastError").textValue())
        .startsWith("network error: ")
        .containsIgnoringCase("timed out");
  }

  @Test
  void restartWithDeliveriesPending_noneLost_noneDeliveredTwice() throws Exception {
    AtomicBoolean up = new AtomicBoolean(false);
    List<String> accepted = new CopyOnWriteArrayList<>();
    MockWebServer stub = stub();
    stub.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (!up.get()) return new MockResponse.Builder().code(503).body("down").build();
            try {
              accepted.add(Json.read(request.getBody().toByteArray()).get("messageId").textValue());
            } catch (java.io.IOException e) {
              return new MockResponse.Builder().code(400).build();
            }
            return new MockResponse.Builder().code(200).build();
          }
        });
    start(List.of(webhook(stub)));
    int people = 20;
    for (int i = 0; i < people; i++) {
      assertThat(identify(call("person" + i, "restart-" + i)).statusCode()).isEqualTo(200);
    }
    await(() -> server.delivery().queue().stats("webhook").retrying() == people);
    server.close();

    up.set(true);
    server = null;
    start(List.of(webhook(stub)));
    await(() -> delivered("webhook") == people);

    assertThat(accepted).hasSize(people).doesNotHaveDuplicates();
  }

  @Test
  void personDeletedWithSuppression_queuedDeliveriesDeleted_laterCallsNotSent() throws Exception {
    AtomicBoolean up = new AtomicBoolean(false);
    List<String> received = new CopyOnWriteArrayList<>();
    MockWebServer stub = stub();
    stub.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (!up.get()) return new MockResponse.Builder().code(503).body("down").build();
            try {
              received.add(Json.read(request.getBody().toByteArray()).get("userId").textValue());
            } catch (java.io.IOException e) {
              return new MockResponse.Builder().code(400).build();
            }
            return new MockResponse.Builder().code(200).build();
          }
        });
    start(List.of(webhook(stub)));
    identify(call("gone", "before-delete"));
    await(() -> server.delivery().queue().stats("webhook").retrying() == 1);

    HttpResponse<String> deleted =
        http.send(
            HttpRequest.newBuilder(uri("/v1/profiles/user_id:gone?suppress=true"))
                .header("Authorization", "Bearer " + ADMIN)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(
            Json.read(deleted.body().getBytes(StandardCharsets.UTF_8))
                .get("deliveries_deleted")
                .intValue())
        .isEqualTo(1);
    assertThat(server.delivery().queue().stats("webhook").retrying()).isZero();

    up.set(true);
    identify(call("gone", "after-delete"));
    identify(call("kept", "other-person"));
    await(() -> delivered("webhook") == 1);
    long last =
        server.eventLog().read(0, 100).stream().mapToLong(e -> e.offset()).max().orElseThrow();
    await(() -> server.delivery().queue().routedUpTo() >= last);

    assertThat(received).containsExactly("kept");
    assertThat(server.delivery().queue().stats("webhook").pending()).isZero();
  }

  @Test
  void deliveryApi_needsTheAdminToken_andNamesWhatIsWrong() throws Exception {
    MockWebServer stub = stub();
    start(List.of(webhook(stub)));

    assertThat(get("/v1/destinations", null).statusCode()).isEqualTo(401);
    assertThat(get("/v1/deliveries", "wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> unknown = get("/v1/deliveries?destination=nope", ADMIN);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("nope");
    HttpResponse<String> badStatus = get("/v1/deliveries?status=lost", ADMIN);
    assertThat(badStatus.statusCode()).isEqualTo(400);
    assertThat(badStatus.body()).contains("status must be one of");
    HttpResponse<String> badIds = adminPost("/v1/deliveries/replay", "{\"ids\": [\"x\"]}");
    assertThat(badIds.statusCode()).isEqualTo(400);
    assertThat(badIds.body()).contains("ids");
    assertThat(adminGet("/v1/destinations").toString()).doesNotContain(base(stub));
  }

  @Test
  void missingRequiredSetting_serverDoesNotStart_andSaysWhich() {
    DestinationSetup mixpanel =
        new DestinationSetup("mixpanel", "Mixpanel", Map.of(), Duration.ofSeconds(5), 3);

    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(() -> start(List.of(mixpanel)));

    assertThat(thrown).hasMessage("destinations.mixpanel: the setting token is required");
  }

  /* ---- helpers ---- */

  private void start(List<DestinationSetup> destinations) throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .writeKeys(List.of(WRITE_KEY))
                .adminToken(ADMIN)
                .destinations(destinations)
                .build(),
            Clock.systemUTC());
  }

  /**
   * Starts the server from a config file with a webhook to the stub, as {@code serve --config}
   * does, and returns the file.
   */
  private Path startFromFile(MockWebServer stub) throws Exception {
    Path config =
        java.nio.file.Files.writeString(
            dir.resolve("rollcall.yaml"),
            String.join(
                "\n",
                "data: " + dir.resolve("data"),
                "writeKeys: [" + WRITE_KEY + "]",
                "adminToken: " + ADMIN,
                "destinations:",
                "  webhook:",
                "    url: " + base(stub) + "/hook"));
    ConfigLoader.CommandLineValues values = new ConfigLoader.CommandLineValues();
    values.config = config;
    server =
        RollcallServer.start(
            new ConfigLoader(Map.of()).load(values).toBuilder().port(0).build(), Clock.systemUTC());
    return config;
  }

  /** Runs the CLI; returns its exit status, standard output and standard error. */
  private static String[] cli(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = dev.rollcall.server.cli.RollcallCommand.newCommandLine();
    cli.setOut(new java.io.PrintWriter(out));
    cli.setErr(new java.io.PrintWriter(err));
    int exit = cli.execute(args);
    return new String[] {String.valueOf(exit), out.toString(), err.toString()};
  }

  private MockWebServer stub() throws Exception {
    MockWebServer stub = new MockWebServer();
    stub.start();
    stubs.add(stub);
    return stub;
  }

  private static Dispatcher answering(int code, String body) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(code).body(body).build();
      }
    };
  }

  private static String base(MockWebServer stub) {
    String url = stub.url("/").toString();
    return url.substring(0, url.length() - 1);
  }

  private static DestinationSetup setup(String name, Map<String, String> settings) {
    return new DestinationSetup(name, name, settings, Duration.ofSeconds(5), 10);
  }

  private static DestinationSetup webhook(MockWebServer stub) {
    return setup("webhook", Map.of("url", base(stub) + "/hook"));
  }

  /** Credentials and the stub's address for each adapter. */
  private static Map<String, String> settingsFor(String name, String base) {
    return switch (name) {
      case "mixpanel" -> Map.of("token", "mp-token", "baseUrl", base);
      case "intercom", "hubspot" -> Map.of("accessToken", "tok", "baseUrl", base);
      case "mailchimp" -> Map.of("apiKey", "key-us6", "listId", "list1", "baseUrl", base);
      case "salesforce" -> Map.of("instanceUrl", base, "accessToken", "sf-token");
      case "customerio" -> Map.of("siteId", "site", "apiKey", "key", "baseUrl", base);
      case "amplitude" -> Map.of("apiKey", "amp-key", "baseUrl", base);
      case "webhook" -> Map.of("url", base + "/hook");
      default -> throw new AssertionError("no settings for " + name);
    };
  }

  /**
   * The request as received equals what preview says it would be (the IP aside: preview has none).
   */
  private static void assertSameAsPreview(String name, String base, RecordedRequest received)
      throws Exception {
    Preview preview = new Preview(new MessageNormalizer(Clock.systemUTC()));
    ObjectNode raw = (ObjectNode) Json.read(COMPLETE_EXAMPLE.getBytes(StandardCharsets.UTF_8));
    ArrayNode requests =
        preview.preview(Destinations.find(name), raw, settingsFor(name, base)).requests();
    assertThat(requests).hasSize(1);
    JsonNode expected = requests.get(0);
    assertThat(received.getMethod()).isEqualTo(expected.get("method").textValue());
    assertThat(base + received.getTarget()).isEqualTo(expected.get("url").textValue());
    expected
        .get("headers")
        .properties()
        .forEach(
            header ->
                assertThat(received.getHeaders().get(header.getKey()))
                    .as(header.getKey())
                    .startsWith(header.getValue().textValue()));
    assertThat(Json.read(received.getBody().toByteArray())).isEqualTo(expected.get("body"));
  }

  private String call(String userId, String messageId) {
    return "{\"type\": \"identify\", \"userId\": \""
        + userId
        + "\", \"messageId\": \""
        + messageId
        + "\", \"traits\": {\"email\": \""
        + userId
        + "@example.com\"}}";
  }

  private HttpResponse<String> identify(String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri("/v1/identify"))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (token != null) request.header("Authorization", "Bearer " + token);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode adminGet(String path) throws Exception {
    HttpResponse<String> response = get(path, ADMIN);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.read(response.body().getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> adminPost(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode onlyDelivery(String destination, String status) throws Exception {
    JsonNode deliveries =
        adminGet("/v1/deliveries?destination=" + destination + "&status=" + status)
            .get("deliveries");
    assertThat(deliveries).hasSize(1);
    return deliveries.get(0);
  }

  private long delivered(String destination) {
    return server.delivery().queue().stats(destination).delivered();
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + server.port() + path);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not reached within " + WAIT);
      Thread.sleep(20);
    }
  }
}
