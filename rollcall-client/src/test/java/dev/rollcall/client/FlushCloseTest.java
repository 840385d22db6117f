package dev.rollcall.client;

import static dev.rollcall.client.Requests.alwaysOk;
import static dev.rollcall.client.Requests.messages;
import static dev.rollcall.client.Requests.okAfter;
import static dev.rollcall.client.Requests.take;
import static dev.rollcall.client.Requests.traits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.client.DeliveryException.Reason;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** flush() and close() semantics, a full queue, and many threads enqueueing at once. */
class FlushCloseTest {
  @StartStop private final MockWebServer server = new MockWebServer();
  private final Recorder callback = new Recorder();

  private Rollcall.Builder client() {
    return Rollcall.builder("write-key")
        .endpoint(server.url("/").uri())
        .callback(callback)
        .flushInterval(Duration.ofHours(1));
  }

  /* ---- flush ---- */

  @Test
  void flush_returnsOnlyOnceTheServerAnswered_andTheCallbackHeard() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    server.setDispatcher(okAfter(answer));
    try (Rollcall rollcall = client().build()) {
      rollcall.identify("u1", traits(1));
      CompletableFuture<Integer> flushed =
          CompletableFuture.supplyAsync(
              () -> {
                rollcall.flush();
                return callback.successes.size();
              });

      take(server); // the request is at the server, unanswered
      assertThat(flushed).isNotDone();
      answer.countDown();

      assertThat(flushed.get(20, TimeUnit.SECONDS))
          .as("successes seen when flush returned")
          .isEqualTo(1);
    }
  }

  @Test
  void flush_waitsForRetries() throws Exception {
    server.enqueue(Requests.status(503));
    server.enqueue(Requests.ok());
    try (Rollcall rollcall =
        client().retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build()) {
      rollcall.identify("u1", traits(1));
      rollcall.flush();

      assertThat(server.getRequestCount()).isEqualTo(2);
      assertThat(callback.successes).hasSize(1);
    }
  }

  @Test
  void flush_coversEveryBatchSentBeforeIt_notOnlyTheLast() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    server.setDispatcher(okAfter(answer));
    try (Rollcall rollcall = client().flushAt(2).build()) {
      for (int i = 0; i < 6; i++) {
        rollcall.identify("u" + i, traits(i));
      }
      CompletableFuture<Void> flushed = CompletableFuture.runAsync(rollcall::flush);
      for (int i = 0; i < 3; i++) {
        take(server);
      }
      assertThat(flushed).isNotDone();
      answer.countDown();
      flushed.get(20, TimeUnit.SECONDS);

      assertThat(callback.successes).hasSize(6);
    }
  }

  @Test
  void flush_withNothingEnqueued_sendsNothing() throws Exception {
    server.setDispatcher(alwaysOk());
    try (Rollcall rollcall = client().build()) {
      rollcall.flush();
    }
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void flush_fromACallback_throws_ratherThanWaitForItself() throws Exception {
    server.setDispatcher(alwaysOk());
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    Rollcall[] client = new Rollcall[1];
    Callback flushing =
        new Callback() {
          @Override
          public void success(Message message) {
            try {
              client[0].flush();
              thrown.complete(null);
            } catch (Throwable e) {
              thrown.complete(e);
            }
          }

          @Override
          public void failure(Message message, DeliveryException error) {}
        };
    try (Rollcall rollcall = client().callback(flushing).build()) {
      client[0] = rollcall;
      rollcall.identify("u1", traits(1));
      rollcall.flush();
    }

    assertThat(thrown.get(20, TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("flush() called from a callback: it would wait for the batch being reported");
  }

  /* ---- close ---- */

  @Test
  void close_fromACallback_returnsWithoutWaiting() throws Exception {
    server.setDispatcher(alwaysOk());
    CompletableFuture<Void> closed = new CompletableFuture<>();
    Rollcall[] client = new Rollcall[1];
    Callback closing =
        new Callback() {
          @Override
          public void success(Message message) {
            client[0].close();
            closed.complete(null);
          }

          @Override
          public void failure(Message message, DeliveryException error) {}
        };
    Rollcall rollcall = client().callback(closing).closeTimeout(Duration.ofMinutes(5)).build();
    client[0] = rollcall;
    rollcall.identify("u1", traits(1));
    rollcall.flush();

    closed.get(20, TimeUnit.SECONDS);
    rollcall.close();
  }

  @Test
  void close_sendsWhatIsQueued_andStopsTheSender() throws Exception {
    server.setDispatcher(alwaysOk());
    Rollcall rollcall = client().build();
    for (int i = 0; i < 3; i++) {
      rollcall.identify("u" + i, traits(i));
    }

    rollcall.close();

    assertThat(messages(take(server))).hasSize(3);
    assertThat(callback.successes).hasSize(3);
    assertThat(liveThreadsNamed("rollcall-sender")).isEmpty();
  }

  @Test
  void enqueue_afterClose_isReportedClosed_andNotSent() throws Exception {
    server.setDispatcher(alwaysOk());
    Rollcall rollcall = client().build();
    rollcall.close();

    rollcall.identify("u1", traits(1));
    rollcall.flush();

    DeliveryException failure = callback.onlyFailure();
    assertThat(failure.reason()).isEqualTo(Reason.CLOSED);
    assertThat(failure.getMessage()).isEqualTo("enqueued after the client was closed");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void close_calledTwice_doesNothingTheSecondTime() throws Exception {
    server.setDispatcher(alwaysOk());
    Rollcall rollcall = client().build();
    rollcall.identify("u1", traits(1));
    rollcall.close();
    rollcall.close();

    assertThat(callback.successes).hasSize(1);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void close_serverNeverAnswers_returnsAfterCloseTimeout_andReportsClosed() throws Exception {
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    Rollcall rollcall =
        client()
            .closeTimeout(Duration.ofMillis(200))
            .requestTimeout(Duration.ofSeconds(60))
            .flushAt(1)
            .build();
    rollcall.identify("in-flight", traits(1));
    take(server);
    rollcall.identify("queued", traits(2));

    long start = System.nanoTime();
    rollcall.close();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(callback.failed)
        .extracting(Message::userId)
        .containsExactlyInAnyOrder("in-flight", "queued");
    assertThat(callback.failures.values())
        .allSatisfy(f -> assertThat(f.reason()).isEqualTo(Reason.CLOSED));
    assertThat(liveThreadsNamed("rollcall-sender")).isEmpty();
  }

  /* ---- a full queue ---- */

  @Test
  void queueFull_dropsNewMessages_reportsThemAtOnce_andDeliversTheRest() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    server.setDispatcher(okAfter(answer));
    try (Rollcall rollcall = client().maxQueueSize(5).maxInFlight(1).flushAt(1).build()) {
      rollcall.identify("u0", traits(0));
      take(server); // u0 is in flight, and the server holds it
      for (int i = 1; i <= 20; i++) {
        rollcall.identify("u" + i, traits(i));
      }

      // held: u0 in flight, at most one more in the sender's hands, five in the queue
      assertThat(callback.failed.size()).isBetween(14, 15);
      assertThat(callback.failures.values())
          .allSatisfy(f -> assertThat(f.reason()).isEqualTo(Reason.QUEUE_FULL));
      assertThat(callback.failed)
          .allSatisfy(
              m ->
                  assertThat(callback.threads.get(m.messageId()))
                      .isEqualTo(Thread.currentThread().getName()));
      // u1 to u5 fill the queue; of u6 to u20, one may still get in, whichever comes just after
      // the sender takes a message out of the queue (when it does so depends on the threads)
      assertThat(callback.failed)
          .extracting(Message::userId)
          .doesNotContain("u1", "u2", "u3", "u4", "u5");

      answer.countDown();
      rollcall.flush();
    }
    assertThat(callback.outcomes()).isEqualTo(21);
    Set<String> failed = callback.failed.stream().map(Message::userId).collect(Collectors.toSet());
    assertThat(callback.successes)
        .extracting(Message::userId)
        .doesNotContainAnyElementsOf(failed)
        .hasSize(21 - failed.size());
  }

  /* ---- many threads ---- */

  @Test
  void concurrentProducers_everyMessageSentExactlyOnce() throws Exception {
    server.setDispatcher(alwaysOk());
    int threads = 8;
    int perThread = 2_500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (Rollcall rollcall = client().flushAt(100).maxQueueSize(threads * perThread).build()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> producers =
          java.util.stream.IntStream.range(0, threads)
              .mapToObj(
                  t ->
                      pool.submit(
                          () -> {
                            start.await();
                            for (int i = 0; i < perThread; i++) {
                              rollcall.identify("t" + t + "-" + i, Map.of("i", i));
                            }
                            return null;
                          }))
              .collect(Collectors.toList());
      start.countDown();
      for (Future<?> producer : producers) {
        producer.get(20, TimeUnit.SECONDS);
      }
      rollcall.flush();
    } finally {
      pool.shutdownNow();
    }

    Set<String> userIds = new HashSet<>();
    Set<String> messageIds = new HashSet<>();
    int received = 0;
    RecordedRequest request;
    while ((request = server.takeRequest(0, TimeUnit.SECONDS)) != null) {
      for (var message : messages(request)) {
        received++;
        userIds.add(message.get("userId").textValue());
        messageIds.add(message.get("messageId").textValue());
      }
    }
    assertThat(received).isEqualTo(threads * perThread);
    assertThat(userIds).hasSize(threads * perThread);
    assertThat(messageIds).hasSize(threads * perThread);
    assertThat(callback.successes).hasSize(threads * perThread);
    assertThat(callback.failed).isEmpty();
  }

  private static List<Thread> liveThreadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .collect(Collectors.toList());
  }
}
