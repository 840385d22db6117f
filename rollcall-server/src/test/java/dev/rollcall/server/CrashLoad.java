package dev.rollcall.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Tracking calls sent by several client threads to a server that may die at any moment, keeping the
 * books a crash test checks the store against: every messageId sent, and every messageId whose
 * request was answered {@code 200} — and only those.
 *
 * <p>Each thread sends, at random, a single {@code /v1/identify} or a {@code /v1/batch} of 1 to 50
 * identify and track calls, each call with a messageId unique to the run. A request that fails
 * without an answer (connection refused or reset while the server is down or dying) or is answered
 * {@code 503}/{@code 429} is sent again, unchanged, until it is answered: a retry of a request that
 * the dead server had stored without answering thus also exercises de-duplication across restarts.
 * Any other answer is unexpected (every call sent is valid) and is recorded for the test to fail
 * on.
 */
final class CrashLoad implements AutoCloseable {
  /** A request's bound, so that stopping the load never waits for long. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private static final int MAX_BATCH = 50;
  private static final int PEOPLE = 500;

  private final URI base;
  private final String authorization;
  private final int threadCount;
  private final long seed;
  private final String runId;
  private final HttpClient http;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  private final Set<String> sent = ConcurrentHashMap.newKeySet();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final AtomicLong acknowledgedRequests = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();
  private final AtomicLong overloadedAttempts = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicReference<CountDownLatch> nextAcknowledgement =
      new AtomicReference<>(new CountDownLatch(1));
  private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());

  /**
   * @param base the server's URL, e.g. {@code http://localhost:8080}; the port must stay the same
   *     across restarts
   * @param seed seeds each thread's choices (the timing, and so the interleaving, is not seeded)
   */
  CrashLoad(URI base, String writeKey, int threadCount, long seed) {
    this.base = base;
    this.authorization =
        "Basic "
            + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
    this.threadCount = threadCount;
    this.seed = seed;
    this.runId = Long.toHexString(seed);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // as Segment's libraries
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  void start() {
    running = true;
    for (int t = 0; t < threadCount; t++) {
      int index = t;
      Thread thread = new Thread(() -> run(index), "crash-load-" + t);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /**
   * Stops sending and waits for the threads: a request in flight is finished (and counted if it is
   * answered 200) or abandoned unanswered.
   */
  void stop() throws InterruptedException {
    running = false;
    long deadline = System.nanoTime() + REQUEST_TIMEOUT.plusSeconds(5).toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " did not stop");
      }
    }
  }

  @Override
  public void close() {
    running = false;
    for (Thread thread : threads) {
      thread.interrupt();
    }
  }

  /**
   * Waits until more than {@code than} calls are acknowledged.
   *
   * @return false when that did not happen within {@code timeout}
   */
  boolean awaitAcknowledgedMoreThan(long than, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acknowledged.size() <= than) {
      if (System.nanoTime() > deadline || !running) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /**
   * Waits for the next request to be answered 200 (its calls are recorded as acknowledged before
   * this returns): the moment to kill the server if it acknowledges before the calls are durable.
   *
   * @return false when no request was acknowledged within {@code timeout}
   */
  boolean awaitNextAcknowledgement(Duration timeout) throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(1);
    nextAcknowledgement.set(latch);
    return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The messageIds of every call sent (acknowledged or not). */
  Set<String> sent() {
    return sent;
  }

  /** The messageIds of the calls whose request was answered 200. */
  Set<String> acknowledged() {
    return acknowledged;
  }

  long acknowledgedCalls() {
    return acknowledged.size();
  }

  long acknowledgedRequests() {
    return acknowledgedRequests.get();
  }

  /** Requests sent and not answered yet, now. */
  int inFlight() {
    return inFlight.get();
  }

  /** Attempts that got no answer (connection refused, reset, timed out). */
  long failedAttempts() {
    return failedAttempts.get();
  }

  /** Attempts answered 503 or 429 (and sent again). */
  long overloadedAttempts() {
    return overloadedAttempts.get();
  }

  /** Answers other than 200, 503 and 429, or a 200 that does not say every call was taken. */
  List<String> unexpectedAnswers() {
    synchronized (unexpected) {
      return List.copyOf(unexpected);
    }
  }

  private void run(int thread) {
    Random random = new Random(seed * 31 + thread);
    long sequence = 0;
    try {
      while (running) {
        boolean single = random.nextBoolean();
        int size = single ? 1 : 1 + random.nextInt(MAX_BATCH);
        List<String> ids = new ArrayList<>(size);
        ArrayNode messages = Json.MAPPER.createArrayNode();
        for (int i = 0; i < size; i++) {
          String id = "crash-" + runId + "-" + thread + "-" + sequence++;
          ids.add(id);
          messages.add(message(random, id, single || random.nextInt(10) < 6));
        }
        String path;
        ObjectNode body;
        if (single) {
          path = "/v1/identify";
          body = (ObjectNode) messages.get(0);
          body.remove("type");
        } else {
          path = "/v1/batch";
          body = Json.object();
          body.set("batch", messages);
          body.put("sentAt", Instant.now().toString());
        }
        sent.addAll(ids);
        send(path, Json.write(body), ids);
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  private static ObjectNode message(Random random, String messageId, boolean identify) {
    int person = random.nextInt(PEOPLE);
    ObjectNode message = Json.object();
    message.put("type", identify ? "identify" : "track");
    message.put("messageId", messageId);
    message.put("userId", "crash-user-" + person);
    if (identify) {
      ObjectNode traits = message.putObject("traits");
      traits.put("name", "Person " + person);
      traits.put("email", "person" + person + "@example.com");
      traits.put("plan", random.nextBoolean() ? "free" : "premium");
      traits.put("logins", random.nextInt(1000));
    } else {
      message.put("event", "Crash Test Ran");
      ObjectNode properties = message.putObject("properties");
      properties.put("messageId", messageId);
      properties.put("value", random.nextInt(1000));
    }
    message.put("timestamp", Instant.now().toString());
    return message;
  }

  /** Sends until answered (or the load stops); records the ids as acknowledged on a 200 only. */
  private void send(String path, byte[] body, List<String> ids) throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .header("Authorization", authorization)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    int failures = 0;
    while (running) {
      HttpResponse<String> response = null;
      inFlight.incrementAndGet();
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        // expected while the server is killed or restarting: no answer, so not acknowledged
      } finally {
        inFlight.decrementAndGet();
      }
      if (response == null) {
        // backing off (10 ms doubling to 200 ms) leaves the CPU to the server that is starting
        failedAttempts.incrementAndGet();
        Thread.sleep(Math.min(200, 10L << Math.min(failures++, 5)));
        continue;
      }
      int status = response.statusCode();
      if (status == 200 && fullySuccessful(response.body())) {
        acknowledged.addAll(ids);
        acknowledgedRequests.incrementAndGet();
        nextAcknowledgement.get().countDown();
        return;
      }
      if (status == 503 || status == 429) {
        overloadedAttempts.incrementAndGet();
        Thread.sleep(100); // shorter than Retry-After: a test's load may press harder than a client
        continue;
      }
      unexpected.add(path + " -> " + status + " " + response.body());
      return;
    }
  }

  private static boolean fullySuccessful(String body) {
    try {
      JsonNode json = Json.read(body.getBytes(StandardCharsets.UTF_8));
      return json.path("success").asBoolean(false) && !json.has("rejected");
    } catch (IOException e) {
      return false;
    }
  }
}
