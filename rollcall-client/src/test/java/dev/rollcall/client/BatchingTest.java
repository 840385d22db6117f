package dev.rollcall.client;

import static dev.rollcall.client.Requests.alwaysOk;
import static dev.rollcall.client.Requests.messages;
import static dev.rollcall.client.Requests.rawBody;
import static dev.rollcall.client.Requests.take;
import static dev.rollcall.client.Requests.traits;
import static dev.rollcall.client.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.client.DeliveryException.Reason;
import dev.rollcall.client.internal.Version;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What goes on the wire, and when a batch is closed: count, bytes, interval, flush. */
class BatchingTest {
  private static final Instant NOW = Instant.parse("2024-05-06T07:08:09.123Z");

  @StartStop private final MockWebServer server = new MockWebServer();
  private final Recorder callback = new Recorder();
  private final MutableClock clock = new MutableClock(NOW);

  @BeforeEach
  void answerOk() {
    server.setDispatcher(alwaysOk());
  }

  private Rollcall.Builder client() {
    return Rollcall.builder("write-key")
        .endpoint(server.url("/").uri())
        .callback(callback)
        .clock(clock)
        .flushInterval(Duration.ofHours(1));
  }

  /* ---- the request ---- */

  @Test
  void identify_postsToV1Batch_withBasicAuthGzipAndJson() throws Exception {
    try (Rollcall rollcall = client().build()) {
      rollcall.identify("97980cfea0067", Map.of("name", "Peter Gibbons"));
      rollcall.flush();
    }

    RecordedRequest request = take(server);
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/v1/batch");
    assertThat(request.getHeaders().get("Authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("write-key:".getBytes(StandardCharsets.UTF_8)));
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(request.getHeaders().get("Content-Encoding")).isEqualTo("gzip");
    assertThat(request.getHeaders().get("User-Agent"))
        .isEqualTo("rollcall-client/" + Version.VERSION);
    assertThat(request.getHeaders().get("X-Retry-Count")).isNull();
  }

  @Test
  void identify_theSpecsCall_isSentWithIdsTimestampsAndLibrary() throws Exception {
    try (Rollcall rollcall = client().build()) {
      rollcall.identify(
          "97980cfea0067", Map.of("name", "Peter Gibbons", "email", "peter@initech.com"));
      clock.advance(Duration.ofSeconds(3));
      rollcall.flush();
    }

    JsonNode body = Requests.json(take(server));
    assertThat(body.get("sentAt").textValue()).isEqualTo("2024-05-06T07:08:12.123Z");
    assertThat(body.get("batch")).hasSize(1);
    JsonNode message = body.get("batch").get(0);
    assertThat(message.get("type").textValue()).isEqualTo("identify");
    assertThat(message.get("userId").textValue()).isEqualTo("97980cfea0067");
    assertThat(message.get("traits"))
        .isEqualTo(tree(Map.of("name", "Peter Gibbons", "email", "peter@initech.com")));
    assertThat(message.get("timestamp").textValue()).isEqualTo("2024-05-06T07:08:09.123Z");
    assertThat(message.get("messageId").textValue())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(message.get("context"))
        .isEqualTo(
            tree(Map.of("library", Map.of("name", "rollcall-client", "version", Version.VERSION))));
    assertThat(Version.VERSION).isNotEqualTo("unknown");
    assertThat(callback.successes).hasSize(1);
    assertThat(callback.successes.get(0).messageId())
        .isEqualTo(message.get("messageId").textValue());
    assertThat(callback.threads.get(message.get("messageId").textValue()))
        .as("successes are reported on the client's HTTP threads")
        .startsWith("rollcall-http-");
  }

  @Test
  void enqueue_builtMessages_keepTheirIdsTimestampsContextAndIntegrations() throws Exception {
    Instant then = Instant.parse("2015-02-23T22:28:55.111Z");
    try (Rollcall rollcall = client().build()) {
      rollcall.enqueue(
          Identify.builder()
              .userId("97980cfea0067")
              .anonymousId("507f191e810c19729de860ea")
              .traits(Map.of("plan", "premium"))
              .context(Map.of("ip", "198.51.100.4", "library", Map.of("name", "wrapper")))
              .integrations(Map.of("All", false, "Mixpanel", true))
              .timestamp(then)
              .messageId("022bb90c-bbac-11e4-8dfc-aa07a5b093db")
              .build());
      rollcall.flush();
    }

    JsonNode message = messages(take(server)).get(0);
    assertThat(message.get("messageId").textValue())
        .isEqualTo("022bb90c-bbac-11e4-8dfc-aa07a5b093db");
    assertThat(message.get("timestamp").textValue()).isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(message.get("anonymousId").textValue()).isEqualTo("507f191e810c19729de860ea");
    assertThat(message.get("context"))
        .as("the caller's library wins")
        .isEqualTo(tree(Map.of("ip", "198.51.100.4", "library", Map.of("name", "wrapper"))));
    assertThat(message.get("integrations")).isEqualTo(tree(Map.of("All", false, "Mixpanel", true)));
  }

  @Test
  void trackAliasGroup_areSentInSegmentsShapes() throws Exception {
    try (Rollcall rollcall = client().build()) {
      rollcall.track("u1", "Plan Upgraded", Map.of("to", "pro"));
      rollcall.alias("anon-1", "u1");
      rollcall.group("u1", "initech", Map.of("employees", 329));
      rollcall.flush();
    }

    List<JsonNode> sent = messages(take(server));
    assertThat(sent)
        .extracting(m -> m.get("type").textValue())
        .containsExactly("track", "alias", "group");
    assertThat(sent.get(0).get("event").textValue()).isEqualTo("Plan Upgraded");
    assertThat(sent.get(0).get("properties")).isEqualTo(tree(Map.of("to", "pro")));
    assertThat(sent.get(1).get("previousId").textValue()).isEqualTo("anon-1");
    assertThat(sent.get(1).get("userId").textValue()).isEqualTo("u1");
    assertThat(sent.get(2).get("groupId").textValue()).isEqualTo("initech");
    assertThat(sent.get(2).get("traits")).isEqualTo(tree(Map.of("employees", 329)));
  }

  @Test
  void gzipOff_sendsPlainJson() throws Exception {
    try (Rollcall rollcall = client().gzip(false).build()) {
      rollcall.identify("u1", Map.of());
      rollcall.flush();
    }

    RecordedRequest request = take(server);
    assertThat(request.getHeaders().get("Content-Encoding")).isNull();
    assertThat(new String(request.getBody().toByteArray(), StandardCharsets.UTF_8))
        .startsWith("{\"batch\":[{\"type\":\"identify\",");
  }

  @Test
  void gzipOn_bodyIsSmallerThanTheJson() throws Exception {
    try (Rollcall rollcall = client().build()) {
      for (int i = 0; i < 100; i++) {
        rollcall.identify("user-" + i, traits(i));
      }
      rollcall.flush();
    }

    RecordedRequest request = take(server);
    assertThat(request.getBody().size()).isLessThan(rawBody(request).length / 3);
    assertThat(messages(request)).hasSize(100);
  }

  /* ---- when a batch is closed ---- */

  @Test
  void flush_afterTwentyCalls_sendsOneBatch() throws Exception {
    try (Rollcall rollcall = client().build()) {
      for (int i = 0; i < 20; i++) {
        rollcall.identify("user-" + i, traits(i));
      }
      rollcall.flush();

      assertThat(server.getRequestCount()).isEqualTo(1);
      assertThat(messages(take(server)))
          .extracting(m -> m.get("userId").textValue())
          .containsExactly(
              "user-0", "user-1", "user-2", "user-3", "user-4", "user-5", "user-6", "user-7",
              "user-8", "user-9", "user-10", "user-11", "user-12", "user-13", "user-14", "user-15",
              "user-16", "user-17", "user-18", "user-19");
      assertThat(callback.successes).hasSize(20);
    }
  }

  @Test
  void flushAt_reached_sendsTheBatchWithoutFlush() throws Exception {
    try (Rollcall rollcall = client().flushAt(10).build()) {
      for (int i = 0; i < 25; i++) {
        rollcall.identify("user-" + i, traits(i));
      }

      assertThat(messages(take(server))).hasSize(10);
      assertThat(messages(take(server))).hasSize(10);
      rollcall.flush();
      assertThat(messages(take(server))).as("the rest, at flush").hasSize(5);
    }
  }

  @Test
  void batchBytes_overFiveHundredKilobytes_splitIntoBatchesUnderTheLimit() throws Exception {
    String twentyKb = "x".repeat(20 * 1024);
    try (Rollcall rollcall = client().build()) {
      for (int i = 0; i < 60; i++) {
        rollcall.identify("user-" + i, Map.of("bio", twentyKb));
      }
      rollcall.flush();
    }

    List<Integer> sizes = new ArrayList<>();
    int messages = 0;
    while (messages < 60) {
      RecordedRequest request = take(server);
      sizes.add(rawBody(request).length);
      messages += messages(request).size();
    }
    assertThat(messages).isEqualTo(60);
    assertThat(sizes)
        .hasSize(3)
        .allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(500 * 1024));
    assertThat(sizes.get(0)).as("filled close to the limit").isGreaterThan(480 * 1024);
  }

  @Test
  void flushInterval_passed_sendsTheBatchWithoutFlush() throws Exception {
    try (Rollcall rollcall = client().flushInterval(Duration.ofMillis(50)).build()) {
      rollcall.identify("user-1", traits(1));
      rollcall.identify("user-2", traits(2));
      rollcall.identify("user-3", traits(3));

      assertThat(messages(take(server))).hasSize(3);
      callback.awaitOutcomes(3);
    }
  }

  /* ---- messages that are not sent ---- */

  @Test
  void messageOver32Kb_isReportedTooLarge_andNotSent() throws Exception {
    try (Rollcall rollcall = client().build()) {
      rollcall.identify("big", Map.of("bio", "x".repeat(33 * 1024)));
      rollcall.identify("small", Map.of());
      rollcall.flush();
    }

    assertThat(callback.onlyFailure().reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(callback.onlyFailure().getMessage()).contains("over the limit of 32768");
    assertThat(callback.threads.get(callback.failed.get(0).messageId()))
        .as("reported on the calling thread")
        .isEqualTo(Thread.currentThread().getName());
    assertThat(messages(take(server)))
        .extracting(m -> m.get("userId").textValue())
        .containsExactly("small");
  }

  @Test
  void valueWithoutJsonForm_isReportedUnwritable_withItsPath() throws Exception {
    try (Rollcall rollcall = client().build()) {
      rollcall.identify("u1", Map.of("address", Map.of("geo", new Object())));
      rollcall.flush();
    }

    DeliveryException failure = callback.onlyFailure();
    assertThat(failure.reason()).isEqualTo(Reason.UNWRITABLE);
    assertThat(failure.getMessage())
        .startsWith("traits.address.geo: cannot write a java.lang.Object as JSON");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void callbackThatThrows_doesNotStopDelivery() throws Exception {
    Callback throwing =
        new Callback() {
          @Override
          public void success(Message message) {
            callback.success(message);
            throw new IllegalStateException("a bug in the application's callback");
          }

          @Override
          public void failure(Message message, DeliveryException error) {
            callback.failure(message, error);
          }
        };
    try (Rollcall rollcall = client().callback(throwing).flushAt(1).build()) {
      rollcall.identify("u1", Map.of());
      rollcall.identify("u2", Map.of());
      rollcall.flush();
    }

    assertThat(callback.successes).hasSize(2);
  }
}
