package dev.rollcall.destination.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue.NewDelivery;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.mailchimp.MailchimpDestination;
import dev.rollcall.destination.webhook.WebhookDestination;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

final class DeliveryWorkerTest {
  private static final Instant START = Instant.parse("2024-01-02T03:04:05Z");
  private static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(START, ZoneOffset.UTC));

  private final MutableClock clock = new MutableClock(START.toEpochMilli());
  private final InMemoryDeliveryQueue queue = new InMemoryDeliveryQueue();
  private final Destination webhook = new WebhookDestination();
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
  void ok200_delivered() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    long id = enqueue(webhook, "u1", "m1", "{\"email\": \"a@example.com\"}");

    assertThat(worker(webhook, webhookSettings()).runOnce(10)).isEqualTo(1);

    Delivery delivery = queue.get(id);
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

    Delivery retrying = queue.get(id);
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
    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(queue.get(id).attempts()).isEqualTo(2);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void secondRetry_waitsWithinTheDoubledWindow() {
    for (int i = 0; i < 2; i++) {
      server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
    }
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    worker.runOnce(10);
    clock.set(queue.get(id).nextAttemptAtMillis());
    worker.runOnce(10);

    Delivery retrying = queue.get(id);
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

    Delivery retrying = queue.get(id);
    assertThat(retrying.status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(retrying.nextAttemptAtMillis()).isEqualTo(now + 7_000);
    assertThat(retrying.lastError()).isEqualTo("HTTP 429: slow");

    clock.set(now + 6_999);
    assertThat(worker.runOnce(10)).isZero();
    clock.set(now + 7_000);
    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
  }

  @Test
  void error400_deadWithStatusAndBody_thenReplayedAfterTheFix() {
    server.enqueue(new MockResponse.Builder().code(400).body("{\"error\": \"bad email\"}").build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    assertThat(worker.runOnce(10)).isEqualTo(1);

    Delivery dead = queue.get(id);
    assertThat(dead.status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(dead.lastError()).isEqualTo("HTTP 400: {\"error\": \"bad email\"}");
    clock.advance(Duration.ofHours(1));
    assertThat(worker.runOnce(10)).isZero();

    server.enqueue(new MockResponse.Builder().code(200).build());
    assertThat(queue.replay(webhook.name(), List.of(), clock.millis())).isEqualTo(1);
    assertThat(worker.runOnce(10)).isEqualTo(1);

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void longErrorBody_cutAt500Characters() {
    server.enqueue(new MockResponse.Builder().code(422).body("x".repeat(2_000)).build());
    long id = enqueue(webhook, "u1", "m1", "{}");

    worker(webhook, webhookSettings()).runOnce(10);

    assertThat(queue.get(id).lastError()).isEqualTo("HTTP 422: " + "x".repeat(500) + "...");
  }

  @Test
  void error501_deadNotRetried() {
    server.enqueue(new MockResponse.Builder().code(501).body("no").build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    DeliveryWorker worker = worker(webhook, webhookSettings());

    worker.runOnce(10);
    clock.advance(Duration.ofHours(1));
    assertThat(worker.runOnce(10)).isZero();

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(queue.get(id).lastError()).isEqualTo("HTTP 501: no");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void hangingDestination_timesOutAndRetriesAsNetworkError() {
    server.enqueue(new MockResponse.Builder().code(200).headersDelay(3, TimeUnit.SECONDS).build());
    long id = enqueue(webhook, "u1", "m1", "{}");
    HttpSender fast = new HttpSender(Duration.ofMillis(500));
    DeliveryWorker worker =
        new DeliveryWorker(
            webhook, webhookSettings(), queue, fast, new RetryPolicy(new Random(42)), clock);

    long started = System.nanoTime();
    assertThat(worker.runOnce(10)).isEqualTo(1);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    Delivery retrying = queue.get(id);
    assertThat(retrying.status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(retrying.lastError())
        .startsWith("network error: ")
        .containsIgnoringCase("timed out");
  }

  @Test
  void unreachableDestination_retriesAsNetworkError() throws IOException {
    long id = enqueue(webhook, "u1", "m1", "{}");
    DestinationSettings settings = webhookSettings();
    server.close();

    worker(webhook, settings).runOnce(10);

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(queue.get(id).lastError()).startsWith("network error: ");
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
            webhook,
            webhookSettings(),
            queue,
            new HttpSender(Duration.ofSeconds(5)),
            policy,
            clock);

    for (int i = 0; i < 5; i++) {
      worker.runOnce(10);
      clock.advance(Duration.ofMinutes(1));
    }

    Delivery dead = queue.get(id);
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
    DestinationSettings settings =
        DestinationSettings.of(
            Map.of("apiKey", "key-us6", "listId", "list1", "baseUrl", baseUrl()), null);
    long id = enqueue(mailchimp, "u1", "m1", "{\"firstName\": \"Peter\"}");

    assertThat(worker(mailchimp, settings).runOnce(10)).isEqualTo(1);

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.SKIPPED);
    assertThat(queue.get(id).lastError()).contains("email");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void missingSetting_deadWithoutSending() {
    long id = enqueue(webhook, "u1", "m1", "{}");

    worker(webhook, DestinationSettings.of(Map.of(), null)).runOnce(10);

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(queue.get(id).lastError()).contains("url").contains("required");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void invalidSetting_deadWithTheAdaptersMessage() {
    long id = enqueue(webhook, "u1", "m1", "{}");

    worker(webhook, DestinationSettings.of(Map.of("url", "ftp://example.com"), null)).runOnce(10);

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DEAD);
    assertThat(queue.get(id).lastError()).contains("http:// or https://");
  }

  @Test
  void nonIdentifyOrUnreadable_skipped() {
    queue.enqueue(
        List.of(
            new NewDelivery(
                webhook.name(),
                "u1",
                "t1",
                "{\"type\":\"track\",\"userId\":\"u1\"}".getBytes(StandardCharsets.UTF_8)),
            new NewDelivery(
                webhook.name(), "u2", "x1", "not json".getBytes(StandardCharsets.UTF_8))),
        clock.millis());

    assertThat(worker(webhook, webhookSettings()).runOnce(10)).isEqualTo(2);

    Delivery track = queue.get(queue.idOf(webhook.name(), "t1"));
    assertThat(track.status()).isEqualTo(DeliveryStatus.SKIPPED);
    assertThat(track.lastError()).contains("only identify");
    Delivery garbage = queue.get(queue.idOf(webhook.name(), "x1"));
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
    assertThat(queue.get(first).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(queue.get(second).status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(queue.get(other).status()).isEqualTo(DeliveryStatus.DELIVERED);

    clock.set(queue.get(first).nextAttemptAtMillis());
    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(queue.get(first).status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(queue.get(second).status()).isEqualTo(DeliveryStatus.PENDING);

    assertThat(worker.runOnce(10)).isEqualTo(1);
    assertThat(queue.get(second).status()).isEqualTo(DeliveryStatus.DELIVERED);

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
      while (queue.get(id).status() != DeliveryStatus.DELIVERED && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    } finally {
      worker.close();
    }

    assertThat(queue.get(id).status()).isEqualTo(DeliveryStatus.DELIVERED);
    long later = enqueue(webhook, "u1", "m2", "{}");
    Thread.sleep(300);
    assertThat(queue.get(later).status()).isEqualTo(DeliveryStatus.PENDING);
  }

  private DeliveryWorker worker(Destination destination, DestinationSettings settings) {
    return new DeliveryWorker(
        destination,
        settings,
        queue,
        new HttpSender(Duration.ofSeconds(5)),
        new RetryPolicy(new Random(42)),
        clock);
  }

  private DestinationSettings webhookSettings() {
    return DestinationSettings.of(Map.of("url", baseUrl() + "/hook"), null);
  }

  private String baseUrl() {
    String url = server.url("/").toString();
    return url.substring(0, url.length() - 1);
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
        List.of(new NewDelivery(destination.name(), userId, messageId, message.toJson())),
        clock.millis());
    return queue.idOf(destination.name(), messageId);
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
