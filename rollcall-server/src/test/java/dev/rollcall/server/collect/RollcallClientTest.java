package dev.rollcall.server.collect;

import static dev.rollcall.server.collect.TrackingApi.WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.json;
import static dev.rollcall.server.collect.TrackingApi.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.MessageType;
import dev.rollcall.client.Alias;
import dev.rollcall.client.Callback;
import dev.rollcall.client.DeliveryException;
import dev.rollcall.client.Group;
import dev.rollcall.client.Identify;
import dev.rollcall.client.Message;
import dev.rollcall.client.Rollcall;
import dev.rollcall.client.Track;
import dev.rollcall.client.internal.Version;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.storage.LogEntry;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollcall's own Java SDK ({@code rollcall-client}) against a real server: its batches to {@code
 * /v1/batch} (gzip, HTTP Basic) are stored once each, and an identify's traits can be read back
 * from the person's profile through the Profile API.
 */
class RollcallClientTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  private static TrackingApi api;

  private final Set<String> succeeded = ConcurrentHashMap.newKeySet();
  private final Map<String, DeliveryException> failed = new ConcurrentHashMap<>();
  private Rollcall rollcall;
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
  void buildClient() {
    run = UUID.randomUUID().toString().substring(0, 8);
    rollcall =
        Rollcall.builder(WRITE_KEY)
            .endpoint(URI.create("http://localhost:" + api.port()))
            .callback(
                new Callback() {
                  @Override
                  public void success(Message message) {
                    succeeded.add(message.messageId());
                  }

                  @Override
                  public void failure(Message message, DeliveryException error) {
                    failed.put(message.messageId(), error);
                  }
                })
            .build();
  }

  @AfterEach
  void closeClient() {
    rollcall.close();
  }

  @Test
  void identify_theSpecsCall_landsInTheProfile_withItsTraitsNormalized() throws Exception {
    String userId = "97980cfea0067-" + run;
    rollcall.identify(
        userId,
        Map.of(
            "name",
            "Peter Gibbons",
            "email",
            "peter-" + run + "@initech.com",
            "plan",
            "premium",
            "logins",
            5));
    rollcall.flush();

    assertThat(failed).isEmpty();
    assertThat(succeeded).hasSize(1);
    JsonNode traits = awaitProfileTraits("user_id:" + userId);
    assertThat(traits)
        .isEqualTo(
            read(
                "{\"email\":\"peter-"
                    + run
                    + "@initech.com\",\"firstName\":\"Peter\",\"lastName\":\"Gibbons\","
                    + "\"logins\":5,\"name\":\"Peter Gibbons\",\"plan\":\"premium\"}"));
    JsonNode stored = api.onlyMessageOf(userId);
    assertThat(stored.at("/context/library/name").textValue()).isEqualTo("rollcall-client");
    assertThat(stored.at("/context/library/version").textValue()).isEqualTo(Version.VERSION);
    assertThat(stored.get("messageId").textValue()).isEqualTo(succeeded.iterator().next());
  }

  @Test
  void identifyThenLaterTraits_fromAnonymousVisitorToUser_profileHoldsBoth() throws Exception {
    String anonymousId = "anon-" + run;
    String userId = "user-" + run;
    rollcall.enqueue(
        Identify.builder().anonymousId(anonymousId).traits(Map.of("referrer", "ad")).build());
    rollcall.enqueue(
        Identify.builder()
            .userId(userId)
            .anonymousId(anonymousId)
            .traits(Map.of("plan", "pro"))
            .build());
    rollcall.flush();

    assertThat(failed).isEmpty();
    JsonNode traits = awaitProfileTraits("user_id:" + userId);
    assertThat(traits.get("plan").textValue()).isEqualTo("pro");
    assertThat(traits.get("referrer").textValue())
        .as("the anonymous visitor's traits joined the user's profile")
        .isEqualTo("ad");
  }

  @Test
  void manyCalls_ofEveryType_eachStoredExactlyOnce() throws Exception {
    int identifies = 1_000;
    for (int i = 0; i < identifies; i++) {
      rollcall.identify(
          "sdk-" + run + "-" + i,
          Map.of("email", "u" + i + "-" + run + "@example.com", "logins", i, "score", i + 0.25));
    }
    rollcall.enqueue(
        Track.builder("Plan Upgraded")
            .userId("sdk-" + run + "-0")
            .properties(Map.of("to", "pro"))
            .build());
    rollcall.enqueue(Alias.builder("sdk-" + run + "-old").userId("sdk-" + run + "-1").build());
    rollcall.enqueue(
        Group.builder("initech").userId("sdk-" + run + "-2").traits(Map.of("seats", 3)).build());
    rollcall.flush();

    assertThat(failed).isEmpty();
    assertThat(succeeded).hasSize(identifies + 3);
    List<LogEntry> entries = awaitStored(identifies + 3);
    assertThat(entries.stream().map(LogEntry::messageId).collect(Collectors.toSet()))
        .as("each messageId the SDK reported as delivered, stored once")
        .isEqualTo(succeeded)
        .hasSize(entries.size());
    assertThat(entries)
        .allSatisfy(e -> assertThat(e.sourceId()).isEqualTo(WriteKeys.sourceIdOf(WRITE_KEY)));
    assertThat(entries.stream().map(LogEntry::type).collect(Collectors.toList()))
        .containsOnly(MessageType.IDENTIFY, MessageType.TRACK, MessageType.ALIAS, MessageType.GROUP)
        .filteredOn(t -> t == MessageType.IDENTIFY)
        .hasSize(identifies);
    JsonNode someIdentify = json(api.storedFor("sdk-" + run + "-7").get(0));
    assertThat(someIdentify.at("/traits/score").decimalValue()).isEqualByComparingTo("7.25");
  }

  /**
   * What the SDK cannot send fails alone, on the caller's thread, and the rest of its batch is
   * stored: a value nested as deep as the server reads in a batch goes, one level more does not,
   * nor a name with half an emoji, nor NaN. Before, each of these was sent and the server refused
   * the whole batch.
   */
  @Test
  void messagesTheServerWouldRefuse_failAlone_andTheRestOfTheirBatchIsStored() throws Exception {
    Map<String, Object> deepest = Map.of("leaf", 1);
    for (int level = 1; level < 61; level++) deepest = Map.of("d", deepest);
    rollcall.identify("sdk-" + run + "-deep", deepest);
    rollcall.identify("sdk-" + run + "-deeper", Map.of("d", deepest));
    rollcall.identify("sdk-" + run + "-halfEmoji", Map.of("name\uD83D", "x"));
    rollcall.identify("sdk-" + run + "-nan", Map.of("n", Double.NaN));
    for (int i = 0; i < 20; i++) rollcall.identify("sdk-" + run + "-good-" + i, Map.of("i", i));
    rollcall.flush();

    assertThat(failed.values())
        .extracting(DeliveryException::reason)
        .containsExactly(
            DeliveryException.Reason.UNWRITABLE,
            DeliveryException.Reason.UNWRITABLE,
            DeliveryException.Reason.UNWRITABLE);
    assertThat(succeeded).hasSize(21);
    awaitStored(21);
    assertThat(api.storedFor("sdk-" + run + "-deep")).as("61 levels under traits").hasSize(1);
    assertThat(api.storedFor("sdk-" + run + "-deeper")).isEmpty();
  }

  /** The person's traits from the Profile API, once the processor has applied them. */
  private JsonNode awaitProfileTraits(String id) throws Exception {
    JsonNode[] traits = new JsonNode[1];
    await(
        () -> {
          try {
            HttpResponse<String> response =
                api.send(
                    api.request("/v1/profiles/" + id + "/traits?limit=200")
                        .header("Authorization", "Bearer " + api.server.adminToken())
                        .GET());
            if (response.statusCode() != 200) {
              return false;
            }
            traits[0] = read(response.body()).get("traits");
            return true;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        "the profile of " + id);
    return traits[0];
  }

  private List<LogEntry> awaitStored(int count) throws InterruptedException {
    List<LogEntry> entries = new ArrayList<>();
    await(
        () -> {
          entries.clear();
          api.stored().stream()
              .filter(e -> e.personKey().startsWith("sdk-" + run + "-"))
              .forEach(entries::add);
          return entries.size() >= count;
        },
        count + " stored calls");
    return entries;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within %s", what, DEADLINE).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
