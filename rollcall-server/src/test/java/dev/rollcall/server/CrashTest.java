package dev.rollcall.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code 200} means durable, across {@code kill -9}.
 *
 * <p>Runs {@code rollcall serve} as its own process under load from several client threads ({@link
 * CrashLoad}), SIGKILLs it while calls are in flight (after a random delay, and in two rounds of
 * three right on a 200), restarts it on the same data directory and port, and repeats; then stops
 * the load and the server and reads the event log: every call answered 200 must be in it, none
 * twice, each a readable JSON document that agrees with its indexed fields, and nothing that was
 * never sent.
 *
 * <p>Three kills by default, so that {@code ./mvnw verify} stays quick. A long run by hand:
 *
 * <pre>
 * ./mvnw -B -pl rollcall-server -am test -Dtest=CrashTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Drollcall.crash.rounds=20 [-Drollcall.crash.seed=SEED]
 * </pre>
 *
 * The seed (printed) fixes the kill delays and each client thread's choices; the interleaving with
 * the server is up to the machine. The servers' standard error and, after a failure, the data
 * directory are kept in {@code rollcall-server/target/crash-test/SEED/}; what the test prints (the
 * figures of each round) is in {@code
 * rollcall-server/target/surefire-reports/dev.rollcall.server.CrashTest-output.txt}.
 *
 * <p>The server delivers to a webhook (a local stub that answers 200). After the last round the
 * load stops and the test waits until the processor and the router have caught up with the log;
 * then, with the server stopped, every acknowledged call must also be in its person's profile, and
 * every acknowledged identify in the webhook's queue, once; every delivery marked delivered must
 * have reached the stub.
 */
@Tag("crash")
class CrashTest {
  private static final String WRITE_KEY = "crash-test-write-key";
  private static final int CLIENT_THREADS = 8;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RESTART_RETRY = Duration.ofSeconds(10);

  /** How long a (re)started server may take to acknowledge its first calls. */
  private static final Duration FIRST_ACK_TIMEOUT = Duration.ofSeconds(20);

  /** The load runs this long, at random, after the server's first acknowledgement before a kill. */
  private static final int MIN_KILL_DELAY_MILLIS = 300;

  private static final int MAX_KILL_DELAY_MILLIS = 1500;

  /** How long the processor and router may take to catch up with the log after the load. */
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(2);

  private ServerProcess server;
  private CrashLoad load;
  private MockWebServer stub;

  @AfterEach
  void cleanUp() {
    if (load != null) {
      load.close();
    }
    if (server != null) {
      server.close(); // destroyForcibly, if it still runs
    }
    if (stub != null) {
      stub.close();
    }
  }

  // a backstop only: every wait below is bounded (3 rounds take about 20 s on a busy 2-core box)
  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void everyAcknowledgedCallSurvivesKill9() throws Exception {
    int rounds = Integer.getInteger("rollcall.crash.rounds", 3);
    long seed = Long.getLong("rollcall.crash.seed", new Random().nextLong());
    System.out.println(
        String.format(
            "crash test: %d rounds, seed %d (-Drollcall.crash.seed=%d to repeat the choices)",
            rounds, seed, seed));
    Random random = new Random(seed);
    Path runDir =
        Path.of(System.getProperty("basedir", "."), "target", "crash-test", Long.toString(seed));
    deleteRecursively(runDir);
    Path dataDir = runDir.resolve("data");
    Path stderr = runDir.resolve("server-stderr.log");
    int port = freePort();
    stub = new MockWebServer();
    Set<String> hooked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    stub.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            try {
              hooked.add(Json.read(request.getBody().toByteArray()).get("messageId").textValue());
            } catch (IOException e) {
              return new MockResponse.Builder().code(400).build();
            }
            return new MockResponse.Builder().code(200).build();
          }
        });
    stub.start();
    Files.createDirectories(runDir);
    Path config = runDir.resolve("rollcall.yaml");
    Files.writeString(config, "destinations:\n  webhook:\n    url: " + stub.url("/hook") + "\n");
    List<String> serveArgs =
        List.of(
            "--port", Integer.toString(port),
            "--data", dataDir.toString(),
            "--write-key", WRITE_KEY,
            "--config", config.toString());
    long started = System.nanoTime();

    server = ServerProcess.start("server-0", serveArgs, stderr, START_TIMEOUT);
    load = new CrashLoad(URI.create("http://localhost:" + port), WRITE_KEY, CLIENT_THREADS, seed);
    load.start();
    for (int round = 1; round <= rounds; round++) {
      long before = load.acknowledgedCalls();
      assertThat(load.awaitAcknowledgedMoreThan(before, FIRST_ACK_TIMEOUT))
          .as("server-%d acknowledged calls within %s of its start", round - 1, FIRST_ACK_TIMEOUT)
          .isTrue();
      // a moment at random while the load runs: calls are in flight and commits on their way
      int delay =
          MIN_KILL_DELAY_MILLIS + random.nextInt(MAX_KILL_DELAY_MILLIS - MIN_KILL_DELAY_MILLIS + 1);
      Thread.sleep(delay);
      // Two rounds in three wait from there for the next 200 and kill at once: the moment when a
      // server that answered before its commit was durable would lose what it just acknowledged
      // (this catches such a bug far more often than a kill at random). The third kills where the
      // delay ended, wherever the server is in its commits.
      boolean onAcknowledgement = round % 3 != 0;
      if (onAcknowledgement) {
        assertThat(load.awaitNextAcknowledgement(FIRST_ACK_TIMEOUT))
            .as("server-%d acknowledged a request within %s", round - 1, FIRST_ACK_TIMEOUT)
            .isTrue();
      }
      int inFlight = load.inFlight();
      int exit = server.kill();
      long acknowledged = load.acknowledgedCalls();
      long restart = System.nanoTime();
      server =
          ServerProcess.startWithRetry(
              "server-" + round, serveArgs, stderr, START_TIMEOUT, RESTART_RETRY);
      System.out.println(
          String.format(
              "round %d: killed %s after %d ms of load, %d requests in flight (exit %d),"
                  + " %d calls acknowledged so far; restarted in %d ms",
              round,
              onAcknowledgement ? "on a 200" : "at random",
              delay,
              inFlight,
              exit,
              acknowledged,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart)));
    }
    long beforeLast = load.acknowledgedCalls();
    assertThat(load.awaitAcknowledgedMoreThan(beforeLast, FIRST_ACK_TIMEOUT))
        .as("the last restarted server acknowledged calls within %s", FIRST_ACK_TIMEOUT)
        .isTrue();
    Thread.sleep(MIN_KILL_DELAY_MILLIS);
    load.stop();
    awaitCaughtUp(URI.create("http://localhost:" + port + "/health"), CATCH_UP_TIMEOUT);
    int exit = server.stop(Duration.ofSeconds(30));
    System.out.println(String.format("the last server stopped on SIGTERM (exit %d)", exit));

    reportServerProblems(stderr);

    LogCheck log = checkEventLog(dataDir.resolve("events.db"));
    // A call stored just before a kill may never have been answered, and a client whose request
    // got no answer stops retrying when the load ends: so "stored" may exceed "acknowledged".
    // Only the reverse would be a loss.
    System.out.println(
        String.format(
            "crash test: %d rounds, %d requests and %d calls acknowledged, %d calls sent,"
                + " %d calls stored; %d attempts without an answer, %d answered 503/429;"
                + " %d ms in all",
            rounds,
            load.acknowledgedRequests(),
            load.acknowledgedCalls(),
            load.sent().size(),
            log.stored,
            load.failedAttempts(),
            load.overloadedAttempts(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));

    Set<String> lost = new HashSet<>(load.acknowledged());
    lost.removeAll(log.messageIds);
    Set<String> unknown = new HashSet<>(log.messageIds);
    unknown.removeAll(load.sent());
    assertThat(load.unexpectedAnswers())
        .as("answers other than 200 (with success and nothing rejected), 503 or 429")
        .isEmpty();
    assertThat(lost.size())
        .as("acknowledged calls missing from the log, e.g. %s", sample(lost))
        .isZero();
    assertThat(log.duplicates)
        .as("messageIds stored more than once (offsets), e.g. %s", sample(log.duplicates))
        .isEmpty();
    assertThat(log.unreadable).as("entries whose JSON does not parse or does not match").isEmpty();
    assertThat(log.otherSource).as("entries of another source").isEmpty();
    assertThat(unknown.size())
        .as("stored calls that were never sent, e.g. %s", sample(unknown))
        .isZero();

    ProfileCheck profiles = checkProfiles(dataDir.resolve("profiles.db"), log);
    assertThat(profiles.checkpoint).as("the processor's checkpoint").isEqualTo(log.lastOffset);
    assertThat(profiles.missing)
        .as("acknowledged calls whose person has no profile, e.g. %s", sample(profiles.missing))
        .isEmpty();
    QueueCheck queue = checkQueue(dataDir.resolve("deliveries.db"));
    Set<String> undelivered = new HashSet<>(load.acknowledged());
    undelivered.retainAll(log.identifies);
    undelivered.removeAll(queue.messageIds);
    assertThat(queue.routedUpTo).as("the router's mark").isEqualTo(log.lastOffset);
    assertThat(undelivered)
        .as("acknowledged identify calls not in the webhook's queue, e.g. %s", sample(undelivered))
        .isEmpty();
    Set<String> notIdentify = new HashSet<>(queue.messageIds);
    notIdentify.removeAll(log.identifies);
    assertThat(notIdentify).as("queued calls that are not stored identify calls").isEmpty();
    Set<String> neverReceived = new HashSet<>(queue.delivered);
    neverReceived.removeAll(hooked);
    assertThat(neverReceived)
        .as(
            "deliveries marked delivered that the stub never received, e.g. %s",
            sample(neverReceived))
        .isEmpty();
    System.out.println(
        String.format(
            "profiles: checkpoint %d, every acknowledged call's person found; webhook queue: %d"
                + " identify calls (%d delivered), the stub received %d",
            profiles.checkpoint, queue.messageIds.size(), queue.delivered.size(), hooked.size()));
    // keep the logs; the data directory only when it is needed to look into a failure
    deleteRecursively(dataDir);
  }

  /** Waits until the processor has applied, and the router routed, everything in the log. */
  private static void awaitCaughtUp(URI health, Duration timeout) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      java.net.http.HttpResponse<byte[]> response =
          http.send(
              java.net.http.HttpRequest.newBuilder(health).build(),
              java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      last = Json.read(response.body());
      long checkpoint = last.path("processor").path("checkpoint").asLong(-1);
      if (last.path("processor").path("lagMillis").asLong(-1) == 0
          && last.path("delivery").path("routedUpTo").asLong(-1) == checkpoint) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the server did not catch up within " + timeout + ": " + last);
  }

  /** Whether each acknowledged call's person has a profile, read with the server stopped. */
  private static final class ProfileCheck {
    long checkpoint;
    final List<String> missing = new ArrayList<>();
  }

  private ProfileCheck checkProfiles(Path file, LogCheck log) throws Exception {
    ProfileCheck check = new ProfileCheck();
    try (SqliteProfileStore store = SqliteProfileStore.open(file)) {
      check.checkpoint = store.checkpoint();
      Set<String> people = new HashSet<>();
      for (String messageId : load.acknowledged()) {
        String person = log.personOf.get(messageId);
        if (person != null) people.add(person);
      }
      for (String person : people) {
        if (store.find(ExternalId.of(IdKind.USER_ID, person)).isEmpty()) check.missing.add(person);
      }
    }
    return check;
  }

  /** The webhook's queue, read with the server stopped. */
  private static final class QueueCheck {
    long routedUpTo;
    final Set<String> messageIds = new HashSet<>();
    final Set<String> delivered = new HashSet<>();
  }

  private static QueueCheck checkQueue(Path file) {
    QueueCheck check = new QueueCheck();
    try (SqliteDeliveryQueue queue = SqliteDeliveryQueue.open(file)) {
      check.routedUpTo = queue.routedUpTo();
      for (DeliveryStatus status : DeliveryStatus.values()) {
        for (Delivery delivery : queue.list("webhook", status, Integer.MAX_VALUE)) {
          check.messageIds.add(delivery.messageId());
          if (status == DeliveryStatus.DELIVERED) check.delivered.add(delivery.messageId());
        }
      }
    }
    return check;
  }

  /** What the event log holds, read with the server stopped. */
  private static final class LogCheck {
    long stored;
    long lastOffset;
    final java.util.Map<String, String> personOf = new java.util.HashMap<>();
    final Set<String> identifies = new HashSet<>();
    final Set<String> messageIds = new HashSet<>();
    final List<String> duplicates = new ArrayList<>();
    final List<String> unreadable = new ArrayList<>();
    final List<String> otherSource = new ArrayList<>();
  }

  private static LogCheck checkEventLog(Path file) throws Exception {
    String source = WriteKeys.sourceIdOf(WRITE_KEY);
    LogCheck check = new LogCheck();
    try (SqliteEventLog log =
        SqliteEventLog.open(
            file,
            Clock.systemUTC(),
            SqliteEventLog.DEFAULT_DEDUP_WINDOW,
            SqliteEventLog.DEFAULT_MAX_PENDING_ENTRIES)) {
      long offset = 0;
      while (true) {
        List<LogEntry> entries = log.read(offset, 10_000);
        if (entries.isEmpty()) {
          break;
        }
        for (LogEntry entry : entries) {
          check.stored++;
          check.lastOffset = entry.offset();
          check.personOf.put(entry.messageId(), entry.personKey());
          if (entry.type() == dev.rollcall.MessageType.IDENTIFY) {
            check.identifies.add(entry.messageId());
          }
          if (!check.messageIds.add(entry.messageId())) {
            check.duplicates.add(entry.messageId() + "@" + entry.offset());
          }
          if (!entry.sourceId().equals(source)) {
            check.otherSource.add(entry.offset() + ": " + entry.sourceId());
          }
          String problem = jsonProblem(entry);
          if (problem != null) {
            check.unreadable.add(entry.offset() + ": " + problem);
          }
        }
        offset = entries.get(entries.size() - 1).offset();
      }
    }
    return check;
  }

  /** Null when the entry's JSON parses and agrees with its indexed fields, else what is wrong. */
  private static String jsonProblem(LogEntry entry) {
    JsonNode json;
    try {
      json = Json.read(entry.json());
    } catch (IOException e) {
      return "does not parse: " + e.getMessage();
    }
    if (!entry.messageId().equals(json.path("messageId").asText(null))) {
      return "messageId "
          + json.path("messageId")
          + " in the JSON, "
          + entry.messageId()
          + " indexed";
    }
    if (!entry.type().wireName().equals(json.path("type").asText(null))) {
      return "type " + json.path("type") + " in the JSON, " + entry.type().wireName() + " indexed";
    }
    return null;
  }

  /**
   * Prints what the servers logged as WARN or ERROR: reported rather than asserted, since what a
   * server logs is not what this test proves; a failure to store shows as a 503 or a lost call.
   */
  private static void reportServerProblems(Path stderr) throws IOException {
    if (!Files.exists(stderr)) {
      return;
    }
    List<String> problems;
    try (Stream<String> lines = Files.lines(stderr)) {
      problems =
          lines
              .filter(line -> line.contains(" WARN ") || line.contains(" ERROR "))
              .collect(Collectors.toList());
    }
    System.out.println(
        String.format("the servers logged %d WARN/ERROR lines (%s)", problems.size(), stderr));
    problems.stream().limit(20).forEach(line -> System.out.println("  " + line));
  }

  private static String sample(java.util.Collection<String> values) {
    return values.stream().sorted().limit(10).collect(Collectors.joining(", ", "[", "]"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(path);
      }
    }
  }
}
