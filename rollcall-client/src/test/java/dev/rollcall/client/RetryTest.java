package dev.rollcall.client;

import static dev.rollcall.client.Requests.messages;
import static dev.rollcall.client.Requests.ok;
import static dev.rollcall.client.Requests.status;
import static dev.rollcall.client.Requests.take;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.client.DeliveryException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which failures are retried, how long the client waits, and when it gives up. Waits go through a
 * delayer that records them and advances the test's clock instead of sleeping.
 */
class RetryTest {
  private static final Instant NOW = Instant.parse("2024-05-06T07:08:09.123Z");

  @StartStop private final MockWebServer server = new MockWebServer();
  private final Recorder callback = new Recorder();
  private final MutableClock clock = new MutableClock(NOW);
  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  private Rollcall.Builder client() {
    return Rollcall.builder("write-key")
        .endpoint(server.url("/").uri())
        .callback(callback)
        .clock(clock)
        .flushInterval(Duration.ofHours(1))
        .delayer(
            (task, delayNanos) -> {
              waits.add(Duration.ofNanos(delayNanos));
              clock.advance(Duration.ofNanos(delayNanos));
              task.run();
            });
  }

  /** Sends one identify and waits until its outcome is reported. */
  private void sendOne(Rollcall.Builder builder) throws Exception {
    try (Rollcall rollcall = builder.build()) {
      rollcall.identify("u1", Map.of("plan", "pro"));
      rollcall.flush();
    }
    assertThat(callback.outcomes()).isEqualTo(1);
  }

  /* ---- what is retried ---- */

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 502, 503, 504, 599})
  void retryableStatus_isRetried_thenDelivered(int code) throws Exception {
    server.enqueue(status(code));
    server.enqueue(ok());

    sendOne(client());

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(callback.successes).hasSize(1);
    assertThat(waits).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 410, 413, 422, 501, 505, 511})
  void finalStatus_isReportedRejected_withoutRetry(int code) throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(code)
            .body("{\"success\":false,\"error\":\"the reason\"}")
            .build());

    sendOne(client());

    assertThat(server.getRequestCount()).isEqualTo(1);
    DeliveryException failure = callback.onlyFailure();
    assertThat(failure.reason()).isEqualTo(Reason.REJECTED);
    assertThat(failure.statusCode()).isEqualTo(code);
    assertThat(failure.getMessage()).isEqualTo("HTTP " + code + ": the reason");
    assertThat(waits).isEmpty();
  }

  @Test
  void connectionDropped_isRetried_thenDelivered() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
            .build());
    server.enqueue(ok());

    sendOne(client());

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(callback.successes).hasSize(1);
  }

  @Test
  void noAnswerWithinRequestTimeout_isRetried_thenDelivered() throws Exception {
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    server.enqueue(ok());

    sendOne(client().requestTimeout(Duration.ofMillis(300)));

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(callback.successes).hasSize(1);
  }

  /** The headers come, the body stalls: before, flush() waited for good. */
  @Test
  @Timeout(60)
  void answerWhoseBodyStalls_isRetriedAfterTwiceTheRequestTimeout_thenDelivered() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .body("{\"success\":true}")
            .onResponseBody(SocketEffect.Stall.INSTANCE)
            .build());
    server.enqueue(ok());

    sendOne(client().requestTimeout(Duration.ofMillis(300)));

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(callback.successes).hasSize(1);
  }

  @Test
  void serverDown_retriesUntilMaxRetries_thenReportsTheNetworkError() throws Exception {
    java.net.URI closedPort = server.url("/").uri();
    server.close();

    sendOne(client().endpoint(closedPort).maxRetries(2));

    DeliveryException failure = callback.onlyFailure();
    assertThat(failure.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
    assertThat(failure.statusCode()).isZero();
    assertThat(failure.getMessage())
        .startsWith("network error: ")
        .endsWith("(gave up after 3 attempts)");
    assertThat(failure.getCause()).isInstanceOf(java.io.IOException.class);
    assertThat(waits).hasSize(2);
  }

  /* ---- how long it waits ---- */

  @Test
  void retryAfterSeconds_isWaitedExactly() throws Exception {
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "7").build());
    server.enqueue(ok());

    sendOne(client());

    assertThat(waits).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void retryAfterHttpDate_isWaitedUntil_byTheClock() throws Exception {
    String inThirtySeconds =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            NOW.plusSeconds(30).atOffset(ZoneOffset.UTC).withNano(0));
    server.enqueue(
        new MockResponse.Builder().code(503).setHeader("Retry-After", inThirtySeconds).build());
    server.enqueue(ok());

    sendOne(client());

    assertThat(waits).containsExactly(Duration.ofSeconds(30).minusMillis(123));
  }

  @Test
  void backoff_isExponentialWithFullJitter_upToTheCap() throws Exception {
    for (int i = 0; i < 6; i++) {
      server.enqueue(status(503));
    }
    server.enqueue(ok());

    sendOne(client().retryBackoff(Duration.ofMillis(100), Duration.ofMillis(1000)));

    assertThat(waits).hasSize(6);
    long[] ceilings = {100, 200, 400, 800, 1000, 1000};
    for (int i = 0; i < 6; i++) {
      assertThat(waits.get(i))
          .as("wait before retry %s", i + 1)
          .isBetween(Duration.ZERO, Duration.ofMillis(ceilings[i]));
    }
    assertThat(callback.successes).hasSize(1);
  }

  @Test
  void retry_writesANewSentAt_andCountsTheRetry() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "5").build());
    server.enqueue(ok());

    sendOne(client());

    RecordedRequest first = take(server);
    RecordedRequest second = take(server);
    assertThat(Requests.json(first).get("sentAt").textValue())
        .isEqualTo("2024-05-06T07:08:09.123Z");
    assertThat(Requests.json(second).get("sentAt").textValue())
        .isEqualTo("2024-05-06T07:08:14.123Z");
    assertThat(second.getHeaders().get("X-Retry-Count")).isEqualTo("1");
    assertThat(messages(second)).isEqualTo(messages(first));
  }

  /* ---- when it gives up ---- */

  @Test
  void maxRetries_reached_reportsRetriesExhaustedWithTheLastStatus() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(status(503));
    }

    sendOne(client().maxRetries(2));

    assertThat(server.getRequestCount()).isEqualTo(3);
    DeliveryException failure = callback.onlyFailure();
    assertThat(failure.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
    assertThat(failure.statusCode()).isEqualTo(503);
    assertThat(failure.getMessage()).isEqualTo("HTTP 503 (gave up after 3 attempts)");
  }

  @Test
  void maxRetriesZero_triesOnce() throws Exception {
    server.enqueue(status(500));

    sendOne(client().maxRetries(0));

    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(callback.onlyFailure().reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
  }

  @Test
  void retryAfterPastMaxTotalBackoff_givesUpAtOnce() throws Exception {
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "600").build());

    sendOne(client().maxTotalBackoff(Duration.ofMinutes(5)));

    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(waits).isEmpty();
    DeliveryException failure = callback.onlyFailure();
    assertThat(failure.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
    assertThat(failure.statusCode()).isEqualTo(429);
    assertThat(failure.getMessage())
        .isEqualTo(
            "HTTP 429 (gave up after 1 attempts: waiting 600000 ms as Retry-After asks would pass"
                + " maxTotalBackoff, 300000 ms)");
  }

  @Test
  void waitsInAll_stayWithinMaxTotalBackoff() throws Exception {
    for (int i = 0; i < 5; i++) {
      server.enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "2").build());
    }

    sendOne(client().maxTotalBackoff(Duration.ofSeconds(5)));

    assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(callback.onlyFailure().reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
  }

  /* ---- Rollcall's per-message answers ---- */

  @Test
  void messagesRejectedInA200_areReportedFailed_theOthersDelivered() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .body(
                "{\"success\":true,\"rejected\":[{\"index\":1,\"error\":\"traits must be an"
                    + " object\",\"path\":\"batch[1].traits\"}]}")
            .build());

    try (Rollcall rollcall = client().build()) {
      rollcall.identify("u0", Map.of());
      rollcall.identify("u1", Map.of());
      rollcall.identify("u2", Map.of());
      rollcall.flush();
    }

    assertThat(callback.successes).extracting(Message::userId).containsExactly("u0", "u2");
    DeliveryException failure = callback.onlyFailure();
    assertThat(callback.failed.get(0).userId()).isEqualTo("u1");
    assertThat(failure.reason()).isEqualTo(Reason.REJECTED);
    assertThat(failure.statusCode()).isEqualTo(200);
    assertThat(failure.getMessage()).isEqualTo("traits must be an object (batch[1].traits)");
  }

  @Test
  void badRequestListingEachMessage_reportsEachOwnReason() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(400)
            .body(
                "{\"success\":false,\"error\":\"no message of the batch is valid; nothing was"
                    + " stored\",\"rejected\":[{\"index\":0,\"error\":\"first\",\"path\":\"\"},"
                    + "{\"index\":1,\"error\":\"second\",\"path\":\"batch[1].userId\"}]}")
            .build());

    try (Rollcall rollcall = client().build()) {
      rollcall.identify("u0", Map.of());
      rollcall.identify("u1", Map.of());
      rollcall.flush();
    }

    assertThat(callback.failures.get(callback.failed.get(0).messageId()).getMessage())
        .isEqualTo("first");
    assertThat(callback.failures.get(callback.failed.get(1).messageId()).getMessage())
        .isEqualTo("second (batch[1].userId)");
  }

  @Test
  void nonJsonErrorBody_isQuotedInTheFailure() throws Exception {
    server.enqueue(new MockResponse.Builder().code(403).body("<html>Forbidden</html>").build());

    sendOne(client());

    assertThat(callback.onlyFailure().getMessage()).isEqualTo("HTTP 403: <html>Forbidden</html>");
  }

  @Test
  void retried_theMessagesIdsStayTheSame() throws Exception {
    server.enqueue(status(500));
    server.enqueue(ok());

    sendOne(client());

    JsonNode first = messages(take(server)).get(0);
    JsonNode second = messages(take(server)).get(0);
    assertThat(second.get("messageId")).isEqualTo(first.get("messageId"));
    assertThat(second.get("timestamp")).isEqualTo(first.get("timestamp"));
  }
}
