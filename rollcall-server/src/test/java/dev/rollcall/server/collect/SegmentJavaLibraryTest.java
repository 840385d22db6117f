package dev.rollcall.server.collect;

import static dev.rollcall.server.collect.TrackingApi.WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.json;
import static dev.rollcall.server.collect.TrackingApi.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.internal.AnalyticsVersion;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.TrackMessage;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.storage.LogEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment's official Java library ({@code com.segment.analytics.java:analytics} 3.5.4), pointed at
 * a real server: it posts batches to {@code /v1/import/} with the write key in the body and {@code
 * context.library} only on the batch envelope. The library is asynchronous: the tests flush, then
 * wait (with a deadline) for its callbacks and for the event log.
 */
class SegmentJavaLibraryTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  private static TrackingApi api;

  private final Set<String> succeeded = ConcurrentHashMap.newKeySet();
  private final Map<String, Throwable> failed = new ConcurrentHashMap<>();
  private Analytics analytics;
  private String run;

  @BeforeAll
  static void start() throws Exception {
    api = TrackingApi.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (api != null) api.close();
  }

  @BeforeEach
  void buildLibrary() {
    run = UUID.randomUUID().toString().substring(0, 8);
    analytics =
        Analytics.builder(WRITE_KEY)
            .endpoint("http://localhost:" + api.port())
            .callback(
                new Callback() {
                  @Override
                  public void success(Message message) {
                    succeeded.add(message.messageId());
                  }

                  @Override
                  public void failure(Message message, Throwable throwable) {
                    failed.put(message.messageId(), throwable);
                  }
                })
            .build();
  }

  @AfterEach
  void shutDownLibrary() {
    analytics.shutdown();
  }

  @Test
  void identifyCalls_fromTheOfficialLibrary_eachArriveExactlyOnce_withTraitsIntact()
      throws Exception {
    int identifies = 500;
    Map<String, Map<String, Object>> traitsByUser = new LinkedHashMap<>();
    for (int i = 0; i < identifies; i++) {
      String userId = "java-" + run + "-" + i;
      Map<String, Object> traits = traits(i);
      traitsByUser.put(userId, traits);
      analytics.enqueue(IdentifyMessage.builder().userId(userId).traits(traits));
    }
    for (int i = 0; i < 5; i++) {
      analytics.enqueue(
          TrackMessage.builder("Plan Upgraded")
              .userId("java-" + run + "-" + i)
              .properties(Map.of("from", "free", "to", "pro", "seats", i + 1)));
    }
    analytics.flush();

    awaitCallbacks(identifies + 5);
    List<LogEntry> entries = awaitStored(identifies + 5);

    assertThat(failed).isEmpty();
    List<LogEntry> identifyEntries =
        entries.stream().filter(e -> e.type() == MessageType.IDENTIFY).toList();
    assertThat(identifyEntries).hasSize(identifies);
    assertThat(identifyEntries.stream().map(LogEntry::messageId).collect(Collectors.toSet()))
        .hasSize(identifies);
    assertThat(identifyEntries)
        .extracting(LogEntry::personKey)
        .containsExactlyInAnyOrderElementsOf(traitsByUser.keySet());
    assertThat(entries.stream().map(LogEntry::messageId).collect(Collectors.toSet()))
        .as("the messageIds the library reported as sent")
        .isEqualTo(succeeded);
    assertThat(entries)
        .allSatisfy(e -> assertThat(e.sourceId()).isEqualTo(WriteKeys.sourceIdOf(WRITE_KEY)));
    for (LogEntry entry : identifyEntries) {
      JsonNode message = json(entry);
      assertThat(message.get("traits"))
          .as("traits of %s", entry.personKey())
          .isEqualTo(asStored(traitsByUser.get(entry.personKey())));
      assertThat(message.at("/context/library/name").textValue()).isEqualTo("analytics-java");
      assertThat(message.at("/context/library/version").textValue())
          .isEqualTo(AnalyticsVersion.get());
      assertThat(message.has("writeKey")).isFalse();
      assertThat(message.has("sequence")).as("an envelope field").isFalse();
    }
    List<LogEntry> tracks = entries.stream().filter(e -> e.type() == MessageType.TRACK).toList();
    assertThat(tracks).hasSize(5);
    assertThat(tracks)
        .allSatisfy(
            e -> {
              JsonNode message = json(e);
              assertThat(message.get("event").textValue()).isEqualTo("Plan Upgraded");
              assertThat(message.at("/properties/to").textValue()).isEqualTo("pro");
              assertThat(message.at("/context/library/name").textValue())
                  .isEqualTo("analytics-java");
            });
  }

  @Test
  void messageContext_fromTheOfficialLibrary_isMergedWithTheEnvelopeLibrary() throws Exception {
    String userId = "java-" + run + "-context";
    analytics.enqueue(
        IdentifyMessage.builder()
            .userId(userId)
            .traits(Map.of("plan", "pro"))
            .context(Map.of("locale", "fr-FR", "ip", "198.51.100.4"))
            .enableIntegration("Mixpanel", false));
    analytics.flush();

    awaitCallbacks(1);
    List<LogEntry> entries = awaitStored(1);

    assertThat(failed).isEmpty();
    assertThat(entries).hasSize(1);
    JsonNode message = json(entries.get(0));
    assertThat(message.at("/context/locale").textValue()).isEqualTo("fr-FR");
    assertThat(message.at("/context/ip").textValue()).isEqualTo("198.51.100.4");
    assertThat(message.at("/context/library/name").textValue()).isEqualTo("analytics-java");
    assertThat(message.get("integrations")).isEqualTo(read("{\"Mixpanel\":false}"));
    assertThat(message.get("userId").textValue()).isEqualTo(userId);
  }

  /** Traits of several JSON kinds: strings, whole and decimal numbers, a date, objects, lists. */
  private static Map<String, Object> traits(int i) {
    Map<String, Object> address = new HashMap<>();
    address.put("city", "City " + i);
    address.put("postalCode", String.format("%05d", i));
    Map<String, Object> traits = new LinkedHashMap<>();
    traits.put("email", "user" + i + "@example.com");
    traits.put("plan", i % 2 == 0 ? "pro" : "free");
    traits.put("logins", i);
    traits.put("score", i + 0.25);
    traits.put("verified", i % 3 == 0);
    traits.put("createdAt", "2024-01-02T03:04:05.678Z");
    traits.put("address", address);
    traits.put("tags", List.of("t" + i, "beta"));
    traits.put("unicode", "Zoë 東京 \uD83D\uDE80 " + i);
    return traits;
  }

  /** The traits as Rollcall stores them: JSON, with decimals kept exactly as sent. */
  private static JsonNode asStored(Map<String, Object> traits) throws Exception {
    return read(Json.MAPPER.writeValueAsBytes(traits));
  }

  private void awaitCallbacks(int count) throws InterruptedException {
    await(() -> succeeded.size() + failed.size() >= count, "the library's callbacks");
  }

  /** Waits until the entries of this test's run are in the log, and returns them. */
  private List<LogEntry> awaitStored(int count) throws InterruptedException {
    Predicate<LogEntry> ofThisRun = e -> e.personKey().startsWith("java-" + run + "-");
    List<LogEntry> entries = new ArrayList<>();
    await(
        () -> {
          entries.clear();
          api.stored().stream().filter(ofThisRun).forEach(entries::add);
          return entries.size() >= count;
        },
        count + " stored calls");
    return entries;
  }

  private static void await(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within %s", what, DEADLINE).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
