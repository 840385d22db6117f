package dev.rollcall.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload: the server runs as its own process ({@code -Xmx512m}, exiting on an OutOfMemoryError)
 * with a small backlog ({@code maxPendingCalls: 500}). The test measures what it takes in a closed
 * loop, then offers three times that in an open loop (requests sent on a schedule, whatever the
 * answers), then drops back to a light load. While overloaded the server sheds with {@code 503} and
 * {@code Retry-After}, never another error; its heap stays bounded (it would exit otherwise, and
 * the peak is printed); {@code /health} answers every poll; and once the load drops, every call is
 * taken again. The figures are printed, not asserted: timing belongs to benchmarks.
 */
final class OverloadTest {
  private static final String WRITE_KEY = "overload-key";
  private static final int BATCH = 50;

  /** The least the open loop offers, calls/s: several times the slowest capacity measured here. */
  private static final double MIN_OFFERED_CALLS_PER_SECOND = 20_000;

  /** Requests in flight at most in the open loop (each one batch of {@link #BATCH} calls). */
  private static final int IN_FLIGHT = 512;

  /** Clients of the closed loop that measures what the server takes: enough to saturate it. */
  private static final int CAPACITY_CLIENTS = 32;

  private static final Pattern HEAP =
      Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"} ([0-9.E+]+)");

  @TempDir Path dir;
  private ServerProcess server;
  private int port;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1) // as the tracking libraries post
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final AtomicInteger batchNumber = new AtomicInteger();

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void threeTimesCapacity_shedsWith503AndRetryAfter_heapBounded_healthAnswers_recovers()
      throws Exception {
    Path config = dir.resolve("rollcall.yaml");
    Files.writeString(config, "maxPendingCalls: 500\n");
    start(List.of("--config", config.toString()));

    double capacity = closedLoop(CAPACITY_CLIENTS, Duration.ofSeconds(4)).callsPerSecond();
    // three times the capacity, and never less than a floor: on a machine whose cores other work
    // takes, the closed loop can measure a capacity far below what the server takes a moment later
    double offered = Math.max(3 * capacity, MIN_OFFERED_CALLS_PER_SECOND);
    System.out.printf(
        "overload test: capacity %.0f calls/s (closed loop, %d clients)%n",
        capacity, CAPACITY_CLIENTS);

    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicInteger withoutRetryAfter = new AtomicInteger();
    AtomicInteger healthAnswers = new AtomicInteger();
    AtomicInteger healthPolls = new AtomicInteger();
    AtomicLong peakHeap = new AtomicLong();
    Thread watcher =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                healthPolls.incrementAndGet();
                try {
                  HttpResponse<String> health = get("/health", Duration.ofSeconds(15));
                  if (health.statusCode() == 200) healthAnswers.incrementAndGet();
                  peakHeap.accumulateAndGet(heapBytes(), Math::max);
                  Thread.sleep(250);
                } catch (InterruptedException e) {
                  return;
                } catch (Exception e) {
                  // an unanswered poll: counted by healthPolls - healthAnswers
                  System.out.println("overload test: /health: " + e);
                }
              }
            });
    watcher.start();
    long sent = openLoop(offered, Duration.ofSeconds(6), statuses, withoutRetryAfter);
    watcher.interrupt();
    watcher.join();

    double recovered = closedLoop(2, Duration.ofSeconds(3)).callsPerSecond();
    Load light = closedLoop(2, Duration.ofSeconds(2));
    System.out.printf(
        "overload test: offered %.0f calls/s for 6 s (%d batches of %d): answers %s;"
            + " /health answered %d of %d polls; peak heap %.0f MB; after: %.0f calls/s%n",
        offered,
        sent,
        BATCH,
        statuses,
        healthAnswers.get(),
        healthPolls.get(),
        peakHeap.get() / 1e6,
        recovered);

    assertThat(statuses.keySet()).as("answers while overloaded").isSubsetOf(200, 503);
    assertThat(statuses.getOrDefault(503, new AtomicInteger()).get())
        .as("requests shed with 503")
        .isPositive();
    assertThat(withoutRetryAfter.get()).as("503s without Retry-After").isZero();
    assertThat(healthAnswers.get()).as("/health polls answered 200").isEqualTo(healthPolls.get());
    assertThat(server.isAlive()).as("the server is still running (no OutOfMemoryError)").isTrue();
    assertThat(light.shed()).as("503s once the load dropped").isZero();
    assertThat(light.acknowledged()).isPositive();
  }

  /**
   * Large calls: 512 requests in flight, each a batch of 15 calls of 31 KB (465 KB, within the
   * limits), 240 MB of bodies at once. The log's bound counts calls, not bytes; before the
   * collector kept a budget of bytes for the bodies it holds, this ran the server's heap out.
   */
  @Test
  void manyLargeBatches_shedWith503AndRetryAfter_withoutRunningTheHeapOut() throws Exception {
    start(List.of());
    String padding = "x".repeat(30_000);
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicInteger withoutRetryAfter = new AtomicInteger();

    long sent =
        openLoop(
            5_000,
            15,
            () -> batch(15, padding),
            Duration.ofSeconds(8),
            statuses,
            withoutRetryAfter);

    System.out.printf(
        "overload test, large calls: %d batches of 15 calls of 31 KB: answers %s%n",
        sent, statuses);
    assertThat(statuses.keySet()).as("answers").isSubsetOf(200, 503);
    assertThat(statuses.getOrDefault(503, new AtomicInteger()).get()).as("shed").isPositive();
    assertThat(withoutRetryAfter.get()).as("503s without Retry-After").isZero();
    assertThat(server.isAlive()).as("the server is still running (no OutOfMemoryError)").isTrue();
    assertThat(closedLoop(2, Duration.ofSeconds(2)).acknowledged()).isPositive();
  }

  /**
   * Stalled clients: 200 connections each send the headers of a 450,000-byte batch and the first
   * 1,000 bytes of it, then nothing. What they declare, 90 MB, is more than the collector's budget
   * for bodies (an eighth of the 512 MB heap), so a large batch sent meanwhile is shed. With {@code
   * idleTimeoutSeconds: 5} the server closes the silent connections, their bytes are given back,
   * and the batch is taken. Before, the collector allocated each body's buffer at its declared size
   * but counted only the bytes that had come (the batch was taken while 90 MB of buffers sat
   * unseen), and it kept silent connections open for good.
   */
  @Test
  void clientsStalledMidBody_holdWhatTheyDeclare_untilTheIdleTimeoutClosesThem() throws Exception {
    Path config = dir.resolve("rollcall.yaml");
    Files.writeString(config, "idleTimeoutSeconds: 5\n");
    start(List.of("--config", config.toString()));
    String padding = "x".repeat(30_000);
    List<java.net.Socket> stalled = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        java.net.Socket socket = new java.net.Socket("localhost", port);
        stalled.add(socket);
        socket.setSoTimeout(60_000);
        socket
            .getOutputStream()
            .write(
                ("POST /v1/batch HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nAuthorization: Basic "
                        + Base64.getEncoder()
                            .encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8))
                        + "\r\nContent-Length: 450000\r\n\r\n"
                        + " ".repeat(1_000))
                    .getBytes(StandardCharsets.US_ASCII));
      }
      // the server reads the stalled requests' headers as it gets to them: a batch may come first
      int whileStalled = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (whileStalled != 503 && System.nanoTime() < deadline) {
        whileStalled =
            http.send(batch(15, padding), HttpResponse.BodyHandlers.discarding()).statusCode();
      }
      assertThat(whileStalled)
          .as("a batch of 465 KB while 90 MB of bodies are declared and stalled")
          .isEqualTo(503);

      int closed = 0;
      for (java.net.Socket socket : stalled) {
        try {
          // the answer to a shed request, if any, then the end of the stream
          while (socket.getInputStream().read() != -1) {}
          closed++;
        } catch (java.net.SocketException reset) {
          closed++;
        }
      }
      assertThat(closed).as("stalled connections the server closed").isEqualTo(stalled.size());
      assertThat(http.send(batch(15, padding), HttpResponse.BodyHandlers.discarding()).statusCode())
          .as("the same batch once they are closed")
          .isEqualTo(200);
    } finally {
      for (java.net.Socket socket : stalled) socket.close();
    }
  }

  private void start(List<String> options) throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> arguments =
        new java.util.ArrayList<>(
            List.of(
                "--port", Integer.toString(port),
                "--data", dir.resolve("data").toString(),
                "--write-key", WRITE_KEY));
    arguments.addAll(options);
    server =
        ServerProcess.start(
            "overloaded", arguments, dir.resolve("server-stderr.log"), Duration.ofSeconds(30));
  }

  private record Load(long acknowledged, long shed, double seconds) {
    double callsPerSecond() {
      return acknowledged / seconds;
    }
  }

  /** {@code clients} threads, each sending a batch as soon as the last one was answered. */
  private Load closedLoop(int clients, Duration length) throws Exception {
    AtomicLong acknowledged = new AtomicLong();
    AtomicLong shed = new AtomicLong();
    long end = System.nanoTime() + length.toNanos();
    CountDownLatch done = new CountDownLatch(clients);
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      new Thread(
              () -> {
                try {
                  while (System.nanoTime() < end) {
                    HttpResponse<Void> response =
                        http.send(batch(), HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 200) acknowledged.addAndGet(BATCH);
                    else if (response.statusCode() == 503) shed.incrementAndGet();
                    else throw new AssertionError("answered " + response.statusCode());
                  }
                } catch (Exception e) {
                  throw new AssertionError(e);
                } finally {
                  done.countDown();
                }
              })
          .start();
    }
    assertThat(done.await(length.toSeconds() + 60, TimeUnit.SECONDS)).isTrue();
    return new Load(acknowledged.get(), shed.get(), (System.nanoTime() - start) / 1e9);
  }

  /**
   * Sends batches on a schedule of {@code callsPerSecond}, whatever the answers; returns how many.
   */
  private long openLoop(
      double callsPerSecond,
      Duration length,
      Map<Integer, AtomicInteger> statuses,
      AtomicInteger withoutRetryAfter)
      throws Exception {
    return openLoop(callsPerSecond, BATCH, this::batch, length, statuses, withoutRetryAfter);
  }

  private long openLoop(
      double callsPerSecond,
      int callsPerRequest,
      java.util.function.Supplier<HttpRequest> requests,
      Duration length,
      Map<Integer, AtomicInteger> statuses,
      AtomicInteger withoutRetryAfter)
      throws Exception {
    long intervalNanos = (long) (1e9 * callsPerRequest / callsPerSecond);
    // as many clients as a busy site has servers talking to Rollcall; above the server's backlog
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    long start = System.nanoTime();
    long sent = 0;
    while (System.nanoTime() - start < length.toNanos()) {
      long due = start + sent * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      inFlight.acquire();
      sent++;
      http.sendAsync(requests.get(), HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, failure) -> {
                if (failure != null) {
                  System.out.println("overload test: no answer: " + failure);
                }
                int status = failure != null ? -1 : response.statusCode();
                statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                if (status == 503 && response.headers().firstValue("Retry-After").isEmpty()) {
                  withoutRetryAfter.incrementAndGet();
                }
                inFlight.release(); // after counting: the totals are read once all are released
              });
    }
    assertThat(inFlight.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS)).as("all answered").isTrue();
    return sent;
  }

  private HttpRequest batch() {
    return batch(BATCH, "");
  }

  /** A batch of {@code calls} identify calls, each with a {@code padding} trait of that text. */
  private HttpRequest batch(int calls, String padding) {
    int n = batchNumber.incrementAndGet();
    StringBuilder body = new StringBuilder("{\"batch\": [");
    for (int i = 0; i < calls; i++) {
      if (i > 0) body.append(',');
      body.append("{\"type\": \"identify\", \"userId\": \"user-")
          .append((n * 31 + i) % 5_000)
          .append("\", \"traits\": {\"plan\": \"premium\", \"logins\": ")
          .append(i)
          .append(", \"email\": \"someone@example.com\"")
          .append(padding.isEmpty() ? "" : ", \"padding\": \"" + padding + "\"")
          .append("}}");
    }
    body.append("]}");
    return HttpRequest.newBuilder(uri("/v1/batch"))
        .header("Content-Type", "application/json")
        .header(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8)))
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private HttpResponse<String> get(String path, Duration timeout) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).timeout(timeout).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  /** The heap in use, summed over its pools, from {@code /metrics}. */
  private long heapBytes() throws Exception {
    Matcher m = HEAP.matcher(get("/metrics", Duration.ofSeconds(5)).body());
    double total = 0;
    while (m.find()) total += Double.parseDouble(m.group(1));
    return (long) total;
  }
}
