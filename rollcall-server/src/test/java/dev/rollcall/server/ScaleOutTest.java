package dev.rollcall.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.Role;
import dev.rollcall.server.config.ScaleOut;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.testing.EmbeddedKafka;
import dev.rollcall.testing.TestPostgres;
import dev.rollcall.tests.Journeys;
import dev.rollcall.tests.ProfileSnapshot;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollcall on a real Kafka broker and a real PostgreSQL, in this JVM: servers in their roles, fed
 * over HTTP as clients feed them, against the embedded setup on the same calls.
 */
class ScaleOutTest {
  private static final String WRITE_KEY = "scale-write-key";
  private static final int PARTITIONS = 6;
  private static EmbeddedKafka kafka;
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir Path dir;
  private final List<AutoCloseable> servers = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private MockWebServer webhook;
  private final Map<String, Integer> hooked = new ConcurrentHashMap<>();

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.shared();
  }

  @AfterEach
  void stopServers() throws Exception {
    for (int i = servers.size() - 1; i >= 0; i--) servers.get(i).close();
    if (webhook != null) webhook.close();
  }

  /**
   * Two collectors, two processors (one stopped while calls stream in, and started again) and two
   * delivery servers, fed a few thousand calls of people who browse, sign up, log in on a second
   * device and share computers: every acknowledged call is applied once, the profiles are the
   * embedded setup's, and each identify call reaches the destination once.
   */
  @Test
  void twoOfEachRole_oneProcessorRestarted_giveTheEmbeddedProfiles_andDeliverEachCallOnce()
      throws Exception {
    Journeys journeys = Journeys.generate(23, 3_000);
    List<String> calls = journeys.calls();
    int third = calls.size() / 3;
    startWebhook();
    Setup setup = new Setup(kafka);
    ScaledServer c1 = setup.start(Role.COLLECTOR);
    ScaledServer c2 = setup.start(Role.COLLECTOR);
    ScaledServer p1 = setup.start(Role.PROCESSOR);
    ScaledServer p2 = setup.start(Role.PROCESSOR);
    ScaledServer d1 = setup.start(Role.DELIVERY);
    ScaledServer d2 = setup.start(Role.DELIVERY);
    List<ScaledServer> collectors = List.of(c1, c2);
    ExecutorService clients = Executors.newFixedThreadPool(2);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    try {
      await(send(clients, collectors, calls.subList(0, third), acknowledged));
      awaitCondition(() -> holds(p1) && holds(p2));

      List<Future<?>> streaming =
          send(clients, collectors, calls.subList(third, 2 * third), acknowledged);
      p1.close(); // stopped while calls stream in; p2 takes its partitions
      servers.remove(p1);
      long appliedByP1 = p1.processor().applied();
      await(streaming);
      ScaledServer p3 = setup.start(Role.PROCESSOR);
      awaitCondition(() -> holds(p3));
      await(send(clients, collectors, calls.subList(2 * third, calls.size()), acknowledged));

      assertThat(acknowledged).hasSize(calls.size());
      awaitApplied(setup, p2);
      // counted once a poll's transactions all ended, after their commits
      awaitCondition(
          () ->
              appliedByP1
                      + p2.processor().applied()
                      + p3.processor().applied()
                      + p2.processor().alreadyApplied()
                      + p3.processor().alreadyApplied()
                  >= calls.size());
      assertThat(appliedByP1 + p2.processor().applied() + p3.processor().applied())
          .isEqualTo(calls.size());
      assertThat(p2.processor().alreadyApplied() + p3.processor().alreadyApplied()).isZero();
      assertThat(p3.processor().applied()).isPositive();

      Set<String> scaled = ProfileSnapshot.of(p2.profiles(), journeys.ids());
      assertThat(scaled).isEqualTo(embedded(calls, journeys.ids())).hasSizeGreaterThan(300);

      long identifies = calls.stream().filter(c -> c.startsWith("{\"type\":\"identify\"")).count();
      awaitCondition(() -> hooked.size() == identifies);
      assertThat(hooked.values()).allMatch(times -> times == 1);
      assertThat(d1.delivery().queue().stats("webhook").delivered()).isEqualTo(identifies);
      assertThat(d1.delivery().destinations().size() + d2.delivery().destinations().size())
          .isEqualTo(2);
    } finally {
      clients.shutdownNow();
    }
  }

  /**
   * Kafka restarts while calls keep coming: collectors answer 503 with Retry-After while it is
   * away, take calls again once it is back, and every call they acknowledged is in the profiles.
   */
  @Test
  void brokerRestartDuringLoad_503WithRetryAfter_andNothingAcknowledgedLost() throws Exception {
    try (EmbeddedKafka own = EmbeddedKafka.start()) {
      Setup setup = new Setup(own);
      ScaledServer server = setup.start(Role.ALL);
      List<String> acknowledged = new ArrayList<>();
      Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
      AtomicBoolean retryAfterOnEvery503 = new AtomicBoolean(true);
      AtomicBoolean loading = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      ExecutorService load = Executors.newSingleThreadExecutor();
      Future<?> loader =
          load.submit(
              () -> {
                while (loading.get()) {
                  String userId = "restart-" + sent.incrementAndGet();
                  HttpResponse<String> response =
                      post(
                          server,
                          "/v1/identify",
                          "{\"userId\":\"" + userId + "\",\"traits\":{\"plan\":\"team\"}}");
                  statuses.merge(response.statusCode(), 1, Integer::sum);
                  if (response.statusCode() == 200) {
                    acknowledged.add(userId);
                  } else if (response.statusCode() == 503) {
                    if (response.headers().firstValue("Retry-After").isEmpty()) {
                      retryAfterOnEvery503.set(false);
                    }
                    Thread.sleep(100);
                  }
                }
                return null;
              });
      try {
        awaitCondition(() -> statuses.getOrDefault(200, 0) >= 50);
        own.stop();
        awaitCondition(() -> statuses.getOrDefault(503, 0) >= 3);
        HttpResponse<String> health = get(server, "/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(json(health.body()).get("log").get("writable").booleanValue()).isFalse();
        own.restart();
        int before = statuses.getOrDefault(200, 0);
        awaitCondition(() -> statuses.getOrDefault(200, 0) >= before + 50);
      } finally {
        loading.set(false);
        loader.get(60, TimeUnit.SECONDS);
        load.shutdownNow();
      }

      assertThat(statuses.keySet()).containsOnly(200, 503);
      assertThat(retryAfterOnEvery503).isTrue();
      awaitApplied(setup, server);
      for (String userId : acknowledged) {
        assertThat(server.profiles().find(ExternalId.parse("user_id:" + userId)))
            .as("acknowledged call of %s", userId)
            .isPresent();
      }
      assertThat(get(server, "/health").statusCode()).isEqualTo(200);
    }
  }

  /* ---- the setup ---- */

  /** One topic, one consumer group and one database, shared by the servers a test starts. */
  private final class Setup {
    final EmbeddedKafka broker;
    final String topic = "calls-" + RUNS.incrementAndGet();
    final String group = "processors-" + topic;
    final String database = TestPostgres.newSchema();
    int servers;

    Setup(EmbeddedKafka broker) {
      this.broker = broker;
    }

    ScaledServer start(Role role) throws Exception {
      List<DestinationSetup> destinations = new ArrayList<>();
      if (webhook != null) {
        destinations.add(
            new DestinationSetup(
                "webhook",
                "webhook",
                Map.of("url", webhook.url("/hook").toString()),
                Duration.ofSeconds(10),
                5));
      }
      ServerConfig config =
          ServerConfig.builder()
              .port(0)
              .host("127.0.0.1")
              .dataDir(dir.resolve(role.wireName() + "-" + ++servers))
              .writeKeys(List.of(WRITE_KEY))
              .adminToken("admin-token")
              .destinations(destinations)
              .scaleOut(
                  new ScaleOut(
                      broker.bootstrapServers(),
                      topic,
                      PARTITIONS,
                      0,
                      group,
                      Duration.ofSeconds(2),
                      database,
                      TestPostgres.USER,
                      null,
                      ScaleOut.DEFAULT_APPLY_THREADS))
              .role(role)
              .build();
      ScaledServer server = ScaledServer.start(config, Clock.systemUTC());
      ScaleOutTest.this.servers.add(server);
      return server;
    }
  }

  private void startWebhook() throws Exception {
    webhook = new MockWebServer();
    webhook.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            JsonNode call = json(request.getBody().utf8());
            hooked.merge(call.get("messageId").textValue(), 1, Integer::sum);
            return new MockResponse.Builder().code(200).build();
          }
        });
    webhook.start();
  }

  private static boolean holds(ScaledServer processor) {
    return !processor.processor().partitions().isEmpty();
  }

  /** Waits until the store has applied every record of the topic. */
  private static void awaitApplied(Setup setup, ScaledServer withStore) throws Exception {
    Map<Integer, Long> end = setup.broker.endOffsets(setup.topic, PARTITIONS);
    awaitCondition(() -> withStore.profiles().partitionOffsets(setup.topic).equals(end));
  }

  /** The profiles the embedded setup computes from the same calls, sent the same way. */
  private Set<String> embedded(List<String> calls, Set<ExternalId> ids) throws Exception {
    try (RollcallServer server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .host("127.0.0.1")
                .dataDir(dir.resolve("embedded"))
                .writeKeys(List.of(WRITE_KEY))
                .build(),
            Clock.systemUTC())) {
      for (int i = 0; i < calls.size(); i += 25) {
        HttpResponse<String> response =
            post(
                server.port(),
                "/v1/batch",
                batch(calls.subList(i, Math.min(calls.size(), i + 25))));
        assertThat(response.statusCode()).isEqualTo(200);
      }
      awaitCondition(() -> server.eventLog().read(server.processor().checkpoint(), 1).isEmpty());
      return ProfileSnapshot.of(server.profiles(), ids);
    }
  }

  /**
   * Sends {@code calls} in batches of 25 from two clients at once, each every other batch to its
   * own collector, as behind a load balancer; remembers the messageIds of acknowledged batches.
   */
  private List<Future<?>> send(
      ExecutorService clients,
      List<ScaledServer> collectors,
      List<String> calls,
      Set<String> acknowledged) {
    List<Future<?>> sending = new ArrayList<>();
    for (int c = 0; c < collectors.size(); c++) {
      ScaledServer collector = collectors.get(c);
      int start = c * 25;
      sending.add(
          clients.submit(
              () -> {
                for (int i = start; i < calls.size(); i += 25 * collectors.size()) {
                  List<String> batch = calls.subList(i, Math.min(calls.size(), i + 25));
                  HttpResponse<String> response = post(collector, "/v1/batch", batch(batch));
                  assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                  for (String call : batch) {
                    acknowledged.add(json(call).get("messageId").textValue());
                  }
                  Thread.sleep(5);
                }
                return null;
              }));
    }
    return sending;
  }

  private static JsonNode json(String text) {
    try {
      return Json.read(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String batch(List<String> calls) {
    return "{\"batch\":[" + String.join(",", calls) + "]}";
  }

  private HttpResponse<String> post(ScaledServer server, String path, String json)
      throws Exception {
    return post(server.port(), path, json);
  }

  private HttpResponse<String> post(int port, String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
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

  private HttpResponse<String> get(ScaledServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void await(List<Future<?>> futures) throws Exception {
    for (Future<?> f : futures) f.get(120, TimeUnit.SECONDS);
  }

  private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out");
      Thread.sleep(50);
    }
  }
}
