package dev.rollcall.destination.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue.NewDelivery;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.amplitude.AmplitudeDestination;
import dev.rollcall.destination.mailchimp.MailchimpDestination;
import dev.rollcall.destination.mixpanel.MixpanelDestination;
import dev.rollcall.destination.webhook.WebhookDestination;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DeliveryWorkerTest {
  private static final Instant START = Instant.parse("2024-01-02T03:04:05Z");
  private static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(START, ZoneOffset.UTC));

  private final MutableClock clock = new MutableClock(START.toEpochMilli());
  @TempDir Path dir;
  private SqliteDeliveryQueue queue;
  private static final String WEBHOOK = "webhook";
  private final Destination webhook = new WebhookDestination();
  private MockWebServer server;

  @BeforeEach
  void startServer() throws IOException {
    queue = SqliteDeliveryQueue.open(dir.resolve("deliveries.db"));
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
    queue.close();
  }

  @Test
  void ok200_delivered() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    long id = enqueue(webhook, "u1", "m1", "{\"email\": \"a@example.com\"}");

    assertThat(worker(webhook, webhookSettings()).runOnce(10)).isEqualTo(1);

    Delivery delivery = get(id);
    assertThat(delivery.status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(delivery.attempts()).isEqualTo(1);
    RecordedRequest request = server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(body(request).get("messageId").textValue()).isEqualTo("m1");
    assertThat(body(request).get("traits").get("email").textValue()).isEqualTo("a@example.com");
  }

  @Test
  void error500Then200_retriedWithJitteredBackoffThenDelivered() {
    server.enqueue(new MockResponse.Builder().code(500).body("oops").build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    assertThat(worker.runOnce(10)).isEqualTo(1);

    Delivery retrying = get(id);
    assertThat(retrying.status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(retrying.attempts()).isEqualTo(1);
    assertThat(retrying.lastError()).isEqualTo("HTTP 500: oops");
    long delay = retrying.nextAttemptAtMillis() - clock.millis();
    assertThat(delay).isBetween(1L, 1_000L); // [0, base * 2^0]; the seed gives a non-zero one

    clock.set(retrying.nextAttemptAtMillis() - 1);
    assertThat(worker.runOnce(10)).isZero();
    assertThat(server.getRequestCount()).isEqualTo(1);

    clock.set(retrying.nextAttemptAtMillis());
    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(get(id).attempts()).isEqualTo(2);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void errorAnswerQuotingTheSecret_lastErrorHasTheSettingsNameInstead() {
    server.enqueue(
        new MockResponse.Builder()
            .code(401)
            .body("{\"error\": \"bad signature for secret whsec-0123456789\"}")
            .build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    Map<String, String> settings = Map.of("url", baseUrl() + "/hook", "secret", "whsec-0123456789");

    worker(webhook, settings).runOnce(10);

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(get(id).lastError())
        .isEqualTo("HTTP 401: {\"error\": \"bad signature for secret <secret>\"}");
  }

  @Test
  void urlTheHttpClientRefuses_isDeadAtOnce_notRetriedOnEveryPoll() {
    long id = enqueue(webhook, "u1", "m1", "{}");

    int handled = worker(webhook, Map.of("url", "http://local host/hook")).runOnce(10);

    assertThat(handled).isEqualTo(1);
    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(get(id).lastError()).startsWith("the request cannot be sent: ");
  }

  @Test
  void secondRetry_waitsWithinTheDoubledWindow() {
    for (int i = 0; i < 2; i++) {
      server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
    }
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    worker.runOnce(10);
    clock.set(get(id).nextAttemptAtMillis());
    worker.runOnce(10);

    Delivery retrying = get(id);
    assertThat(retrying.attempts()).isEqualTo(2);
    assertThat(retrying.nextAttemptAtMillis() - clock.millis()).isBetween(0L, 2_000L);
  }

  @Test
  void error429WithRetryAfter_nextAttemptExactlyThen() {
    server.enqueue(
        new MockResponse.Builder().code(429).addHeader("Retry-After", "7").body("slow").build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());
    long now = clock.millis();

    worker.runOnce(10);

    Delivery retrying = get(id);
    assertThat(retrying.status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(retrying.nextAttemptAtMillis()).isEqualTo(now + 7_000);
    assertThat(retrying.lastError()).isEqualTo("HTTP 429: slow");

    clock.set(now + 6_999);
    assertThat(worker.runOnce(10)).isZero();
    clock.set(now + 7_000);
    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
  }

  @Test
  void error400_deadWithStatusAndBody_thenReplayedAfterTheFix() {
    server.enqueue(new MockResponse.Builder().code(400).body("{\"error\": \"bad email\"}").build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    assertThat(worker.runOnce(10)).isEqualTo(1);

    Delivery dead = get(id);
    assertThat(dead.status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(dead.lastError()).isEqualTo("HTTP 400: {\"error\": \"bad email\"}");
    clock.advance(Duration.ofHours(1));
    assertThat(worker.runOnce(10)).isZero();

    server.enqueue(new MockResponse.Builder().code(200).build());
    assertThat(queue.replay(WEBHOOK, List.of(), clock.millis())).isEqualTo(1);
    assertThat(worker.runOnce(10)).isEqualTo(1);

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void longErrorBody_cutAt500Characters() {
    server.enqueue(new MockResponse.Builder().code(422).body("x".repeat(2_000)).build());
    long id = enqueue(webhook, "u1", "m1", "{}");

    worker(webhook, webhookSettings()).runOnce(10);

    assertThat(get(id).lastError()).isEqualTo("HTTP 422: " + "x".repeat(500) + "...");
  }

  @Test
  void error501_deadNotRetried() {
    server.enqueue(new MockResponse.Builder().code(501).body("no").build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    worker.runOnce(10);
    clock.advance(Duration.ofHours(1));
    assertThat(worker.runOnce(10)).isZero();

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(get(id).lastError()).isEqualTo("HTTP 501: no");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void hangingDestination_timesOutAndRetriesAsNetworkError() {
    server.enqueue(new MockResponse.Builder().code(200).headersDelay(3, TimeUnit.SECONDS).build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    HttpSender fast = new HttpSender(Duration.ofMillis(500));
    DeliveryWorker worker =
        new DeliveryWorker(
            DestinationConfig.of(webhook, webhookSettings()),
            queue,
            fast,
            new RetryPolicy(new Random(42)),
            clock);

    long started = System.nanoTime();
    assertThat(worker.runOnce(10)).isEqualTo(1);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    Delivery retrying = get(id);
    assertThat(retrying.status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(retrying.lastError())
        .startsWith("network error: ")
        .containsIgnoringCase("timed out");
  }

  @Test
  void unreachableDestination_retriesAsNetworkError() throws IOException {
    long id = enqueue(webhook, "u1", "m1", "{}");
    Map<String, String> settings = webhookSettings();
    server.close();

    worker(webhook, settings).runOnce(10);

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(get(id).lastError()).startsWith("network error: ");
  }

  @Test
  void retriesUsedUp_dead() {
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse.Builder().code(500).body("down").build());
    }
    long id = enqueue(webhook, "u1", "m1", "{}");
    RetryPolicy policy =
        new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), 3, new Random(42));
    DeliveryWorker worker =
        new DeliveryWorker(
            DestinationConfig.of(webhook, webhookSettings()),
            queue,
            new HttpSender(Duration.ofSeconds(5)),
            policy,
            clock);

    for (int i = 0; i < 5; i++) {
      worker.runOnce(10);
      clock.advance(Duration.ofMinutes(1));
    }

    Delivery dead = get(id);
    assertThat(dead.status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(dead.attempts()).isEqualTo(3);
    assertThat(dead.lastError())
        .startsWith("retries used up")
        .endsWith("last error: HTTP 500: down");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void mailchimpWithoutEmail_skippedWithReason() {
    Destination mailchimp = new MailchimpDestination();
    Map<String, String> settings =
        Map.of("apiKey", "key-us6", "listId", "list1", "baseUrl", baseUrl());
    long id = enqueue(mailchimp, "u1", "m1", "{\"firstName\": \"Peter\"}");

    assertThat(worker(mailchimp, settings).runOnce(10)).isEqualTo(1);

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.SKIPPED);
    assertThat(get(id).lastError()).contains("email");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void missingSetting_deadWithoutSending() {
    long id = enqueue(webhook, "u1", "m1", "{}");

    worker(webhook, Map.of()).runOnce(10);

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(get(id).lastError()).contains("url").contains("required");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void invalidSetting_deadWithTheAdaptersMessage() {
    long id = enqueue(webhook, "u1", "m1", "{}");

    worker(webhook, Map.of("url", "ftp://example.com")).runOnce(10);

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(get(id).lastError()).contains("http:// or https://");
  }

  @Test
  void nonIdentifyOrUnreadable_skipped() {
    queue.enqueue(
        List.of(
            new NewDelivery(
                WEBHOOK,
                "u1",
                "t1",
                "{\"type\":\"track\",\"userId\":\"u1\"}".getBytes(StandardCharsets.UTF_8)),
            new NewDelivery(WEBHOOK, "u2", "x1", "not json".getBytes(StandardCharsets.UTF_8))),
        clock.millis());

    assertThat(worker(webhook, webhookSettings()).runOnce(10)).isEqualTo(2);

    Delivery track = get(idOf(WEBHOOK, "t1"));
    assertThat(track.status()).isEqualTo(DeliveryStatus.SKIPPED);
    assertThat(track.lastError()).contains("only identify");
    Delivery garbage = get(idOf(WEBHOOK, "x1"));
    assertThat(garbage.status()).isEqualTo(DeliveryStatus.SKIPPED);
    assertThat(garbage.lastError()).contains("cannot be read");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void personOrder_laterCallWaitsUntilTheEarlierIsDelivered() throws Exception {
    server.enqueue(new MockResponse.Builder().code(500).body("oops").build()); // u1 m1
    server.enqueue(new MockResponse.Builder().code(200).build()); // u2 m3
    server.enqueue(new MockResponse.Builder().code(200).build()); // u1 m1 again
    server.enqueue(new MockResponse.Builder().code(200).build()); // u1 m2
    long first = enqueue(webhook, "u1", "m1", "{\"plan\": \"free\"}");
    long second = enqueue(webhook, "u1", "m2", "{\"plan\": \"pro\"}");
    long other = enqueue(webhook, "u2", "m3", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    assertThat(worker.runOnce(10)).isEqualTo(2); // m1 fails; another person's m3 is not held
    assertThat(get(first).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(get(second).status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(get(other).status()).isEqualTo(DeliveryStatus.DELIVERED);

    clock.set(get(first).nextAttemptAtMillis());
    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(get(first).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(get(second).status()).isEqualTo(DeliveryStatus.PENDING);

    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(get(second).status()).isEqualTo(DeliveryStatus.DELIVERED);

    List<String> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) sent.add(body(server.takeRequest()).get("messageId").textValue());
    assertThat(sent).containsExactly("m1", "m3", "m1", "m2");
  }

  @Test
  void start_deliversInTheBackground_closeStops() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    worker.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (get(id).status() != DeliveryStatus.DELIVERED && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    } finally {
      worker.close();
    }

    assertThat(get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    long later = enqueue(webhook, "u1", "m2", "{}");
    Thread.sleep(300);
    assertThat(get(later).status()).isEqualTo(DeliveryStatus.PENDING);
  }

  @Test
  void mixpanel_threePeople_oneEngageRequestWithThreeUpdatesInQueueOrder() throws Exception {
    server.enqueue(
        new MockResponse.Builder().code(200).body("{\"status\": 1, \"error\": null}").build());
    Destination mixpanel = new MixpanelDestination();
    long a = enqueue(mixpanel, "u1", "m1", "{\"plan\": \"a\"}");
    long b = enqueue(mixpanel, "u2", "m2", "{\"plan\": \"b\"}");
    long c = enqueue(mixpanel, "u3", "m3", "{\"plan\": \"c\"}");

    assertThat(worker(mixpanel, mixpanelSettings()).runOnce(10)).isEqualTo(3);

    assertThat(server.getRequestCount()).isEqualTo(1);
    RecordedRequest request = server.takeRequest();
    assertThat(request.getTarget()).isEqualTo("/engage?verbose=1");
    JsonNode updates = Json.read(request.getBody().toByteArray());
    assertThat(updates).hasSize(3);
    assertThat(updates.get(0).get("$distinct_id").textValue()).isEqualTo("u1");
    assertThat(updates.get(2).get("$set").get("plan").textValue()).isEqualTo("c");
    for (long id : List.of(a, b, c)) {
      assertThat(get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    }
  }

  @Test
  void mixpanel_onePersonsTwoCalls_neverInOneBatch() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).body("{\"status\": 1}").build());
    server.enqueue(new MockResponse.Builder().code(200).body("{\"status\": 1}").build());
    Destination mixpanel = new MixpanelDestination();
    enqueue(mixpanel, "u1", "m1", "{\"plan\": \"free\"}");
    enqueue(mixpanel, "u1", "m2", "{\"plan\": \"pro\"}");
    DeliveryWorker worker = worker(mixpanel, mixpanelSettings());

    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(worker.runOnce(10)).isEqualTo(1);

    assertThat(
            Json.read(server.takeRequest().getBody().toByteArray())
                .get(0)
                .get("$set")
                .get("plan")
                .textValue())
        .isEqualTo("free");
    assertThat(
            Json.read(server.takeRequest().getBody().toByteArray())
                .get(0)
                .get("$set")
                .get("plan")
                .textValue())
        .isEqualTo("pro");
  }

  @Test
  void mixpanel_batchRejectedIn200_eachSentAlone_onlyTheBadOneDead() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .body("{\"status\": 0, \"error\": \"bad $set\"}")
            .build());
    server.enqueue(
        new MockResponse.Builder().code(200).body("{\"status\": 1, \"error\": null}").build());
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .body("{\"status\": 0, \"error\": \"bad $set\"}")
            .build());
    Destination mixpanel = new MixpanelDestination();
    long good = enqueue(mixpanel, "u1", "m1", "{\"plan\": \"a\"}");
    long bad = enqueue(mixpanel, "u2", "m2", "{\"plan\": \"b\"}");

    assertThat(worker(mixpanel, mixpanelSettings()).runOnce(10)).isEqualTo(2);

    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(get(good).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(get(bad).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(get(bad).lastError()).isEqualTo("HTTP 200 rejected: bad $set");
  }

  @Test
  void mixpanel_batch503_everyCallRetried() {
    server.enqueue(new MockResponse.Builder().code(503).body("down").build());
    Destination mixpanel = new MixpanelDestination();
    long a = enqueue(mixpanel, "u1", "m1", "{\"plan\": \"a\"}");
    long b = enqueue(mixpanel, "u2", "m2", "{\"plan\": \"b\"}");

    assertThat(worker(mixpanel, mixpanelSettings()).runOnce(10)).isEqualTo(2);

    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(get(a).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(get(b).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(get(b).lastError()).isEqualTo("HTTP 503: down");
  }

  @Test
  void amplitude_twoPeople_oneIdentifyRequestWithBothIdentifications() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).body("success").build());
    Destination amplitude = new AmplitudeDestination();
    enqueue(amplitude, "u1", "m1", "{\"plan\": \"a\"}");
    enqueue(amplitude, "u2", "m2", "{\"plan\": \"b\"}");

    assertThat(worker(amplitude, Map.of("apiKey", "k1", "baseUrl", baseUrl())).runOnce(10))
        .isEqualTo(2);

    RecordedRequest request = server.takeRequest();
    assertThat(request.getTarget()).isEqualTo("/identify");
    String form = request.getBody().utf8();
    assertThat(form).startsWith("api_key=k1&identification=");
    String identification =
        java.net.URLDecoder.decode(
            form.substring(form.indexOf("identification=") + 15), StandardCharsets.UTF_8);
    JsonNode identifications = Json.read(identification.getBytes(StandardCharsets.UTF_8));
    assertThat(identifications).hasSize(2);
    assertThat(identifications.get(1).get("user_id").textValue()).isEqualTo("u2");
  }

  @Test
  void integrationsOptions_reachTheAdapter() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    Destination mailchimp = new MailchimpDestination();
    Map<String, String> settings =
        Map.of("apiKey", "key-us6", "listId", "list1", "baseUrl", baseUrl());
    enqueueJson(
        mailchimp,
        "u1",
        "{\"type\": \"identify\", \"userId\": \"u1\", \"messageId\": \"m1\","
            + " \"traits\": {\"email\": \"a@example.com\"},"
            + " \"integrations\": {\"MailChimp\": {\"listId\": \"other\"}}}");

    worker(mailchimp, settings).runOnce(10);

    assertThat(server.takeRequest().getTarget()).startsWith("/3.0/lists/other/members/");
  }

  @Test
  void concurrentSends_everyCallOnce_eachPersonInOrder() throws Exception {
    List<String> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            try {
              received.add(body(request).get("messageId").textValue());
            } catch (IOException e) {
              throw new AssertionError(e);
            }
            return new MockResponse.Builder().code(200).build();
          }
        });
    for (int person = 0; person < 10; person++) {
      enqueue(webhook, "u" + person, "first-" + person, "{}");
      enqueue(webhook, "u" + person, "second-" + person, "{}");
    }
    DeliveryWorker worker =
        new DeliveryWorker(
            DestinationConfig.of(webhook, webhookSettings()),
            queue,
            new HttpSender(Duration.ofSeconds(5)),
            new RetryPolicy(new Random(42)),
            clock,
            4);

    assertThat(worker.runOnce(100)).isEqualTo(10);
    assertThat(worker.runOnce(100)).isEqualTo(10);
    assertThat(worker.runOnce(100)).isZero();
    worker.close();

    assertThat(received).hasSize(20).doesNotHaveDuplicates();
    for (int person = 0; person < 10; person++) {
      assertThat(received.indexOf("first-" + person))
          .isLessThan(received.indexOf("second-" + person));
    }
    assertThat(queue.stats(WEBHOOK).delivered()).isEqualTo(20);
  }

  @Test
  void outageOfFiveMinutes_everythingDeliveredAfterwards_inEachPersonsOrder() throws Exception {
    List<String> received = outage(Duration.ofMinutes(5));

    assertThat(queue.stats(WEBHOOK).delivered()).isEqualTo(9);
    assertThat(queue.stats(WEBHOOK).dead()).isZero();
    assertInPersonOrder(received);
  }

  @Test
  void outageOfTwoHours_headsDeadWithTheReason_theRestDeliveredInOrder_nothingLost()
      throws Exception {
    List<String> received = outage(Duration.ofHours(2));

    DeliveryQueueStats stats = new DeliveryQueueStats(queue.stats(WEBHOOK));
    assertThat(stats.dead + stats.delivered).isEqualTo(9);
    assertThat(stats.dead).isPositive();
    for (Delivery dead : queue.list(WEBHOOK, DeliveryStatus.DEAD, 10)) {
      assertThat(dead.lastError())
          .startsWith("retries used up (25 attempts); last error: HTTP 503");
      assertThat(dead.attempts()).isEqualTo(25);
    }
    assertInPersonOrder(received);
  }

  private record DeliveryQueueStats(long delivered, long dead) {
    DeliveryQueueStats(dev.rollcall.delivery.DeliveryQueue.Stats stats) {
      this(stats.delivered(), stats.dead());
    }
  }

  /**
   * Three people with three calls each, to a webhook that answers 503 until {@code length} has
   * passed on the test's clock, then 200. The clock jumps to each next attempt; returns the
   * messageIds the webhook accepted, in order.
   */
  private List<String> outage(Duration length) throws Exception {
    long upAt = clock.millis() + length.toMillis();
    List<String> accepted = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (clock.millis() < upAt) {
              return new MockResponse.Builder().code(503).body("maintenance").build();
            }
            try {
              accepted.add(body(request).get("messageId").textValue());
            } catch (IOException e) {
              throw new AssertionError(e);
            }
            return new MockResponse.Builder().code(200).build();
          }
        });
    for (int call = 1; call <= 3; call++) {
      for (String person : List.of("a", "b", "c")) {
        enqueue(webhook, person, person + call, "{}");
      }
    }
    DeliveryWorker worker = worker(webhook, webhookSettings());
    for (int round = 0; round < 1_000; round++) {
      if (worker.runOnce(100) > 0) continue;
      // nothing due now: jump to the earliest retry (pending ones wait behind their person's)
      long next = Long.MAX_VALUE;
      for (Delivery d : queue.list(WEBHOOK, DeliveryStatus.RETRYING, 100)) {
        next = Math.min(next, d.nextAttemptAtMillis());
      }
      if (next == Long.MAX_VALUE) {
        assertThat(queue.stats(WEBHOOK).pending()).isZero();
        return accepted;
      }
      clock.set(Math.max(clock.millis(), next));
    }
    throw new AssertionError("still open after 1000 rounds: " + queue.stats(WEBHOOK));
  }

  /** Each person's calls were accepted in the order they were made (dead ones are missing). */
  private static void assertInPersonOrder(List<String> received) {
    for (String person : List.of("a", "b", "c")) {
      List<String> calls = received.stream().filter(id -> id.startsWith(person)).toList();
      assertThat(calls).as(person).isSorted();
    }
  }

  private DeliveryWorker worker(Destination destination, Map<String, String> settings) {
    return new DeliveryWorker(
        DestinationConfig.of(destination, settings),
        queue,
        new HttpSender(Duration.ofSeconds(5)),
        new RetryPolicy(new Random(42)),
        clock);
  }

  private Map<String, String> mixpanelSettings() {
    return Map.of("token", "tok", "baseUrl", baseUrl());
  }

  private Map<String, String> webhookSettings() {
    return Map.of("url", baseUrl() + "/hook");
  }

  private String baseUrl() {
    String url = server.url("/").toString();
    return url.substring(0, url.length() - 1);
  }

  private void enqueueJson(Destination destination, String userId, String json) {
    Message message = NORMALIZER.normalize(read(json), null, "203.0.113.7").message();
    queue.enqueue(
        List.of(new NewDelivery(key(destination), userId, message.messageId(), message.toJson())),
        clock.millis());
  }

  private long enqueue(Destination destination, String userId, String messageId, String traits) {
    String json =
        "{\"type\": \"identify\", \"userId\": \""
            + userId
            + "\", \"messageId\": \""
            + messageId
            + "\", \"traits\": "
            + traits
            + "}";
    Message message = NORMALIZER.normalize(read(json), null, "203.0.113.7").message();
    queue.enqueue(
        List.of(new NewDelivery(key(destination), userId, messageId, message.toJson())),
        clock.millis());
    return idOf(key(destination), messageId);
  }

  private Delivery get(long id) {
    return queue.find(id).orElseThrow();
  }

  private long idOf(String destination, String messageId) {
    for (DeliveryStatus status : DeliveryStatus.values()) {
      for (Delivery d : queue.list(destination, status, 1_000)) {
        if (d.messageId().equals(messageId)) return d.id();
      }
    }
    throw new AssertionError("no delivery of " + messageId + " to " + destination);
  }

  private static String key(Destination destination) {
    return Destination.key(destination.name());
  }

  private static JsonNode read(String json) {
    try {
      return Json.read(json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static ObjectNode body(RecordedRequest request) throws IOException {
    return (ObjectNode) Json.read(request.getBody().toByteArray());
  }

  /** A clock the test moves by hand. */
  private static final class MutableClock extends Clock {
    private volatile long millis;

    MutableClock(long millis) {
      this.millis = millis;
    }

    void set(long millis) {
      this.millis = millis;
    }

    void advance(Duration duration) {
      millis += duration.toMillis();
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
