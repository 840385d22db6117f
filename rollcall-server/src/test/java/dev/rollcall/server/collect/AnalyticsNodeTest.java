package dev.rollcall.server.collect;

import static dev.rollcall.server.collect.TrackingApi.WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.MessageType;
import dev.rollcall.server.Npm;
import dev.rollcall.storage.LogEntry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment's Node.js library ({@code @segment/analytics-node} 3.1.0, installed by {@code npm ci}
 * from the lockfile in {@code src/test/node/analytics-node}, which pins every package and its
 * integrity) run by node against a real server, as an application runs it with only its {@code
 * host} changed: it posts batches to {@code /v1/batch} with the key as HTTP Basic user name and in
 * the body. {@code send.js} sends snake_case identify calls and one call of each other type, and
 * prints the messageIds the library reported as delivered.
 */
class AnalyticsNodeTest {
  private static final Path PROJECT = Path.of("src", "test", "node", "analytics-node");
  private static final Path INSTALLED = Path.of("target", "analytics-node");
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int IDENTIFIES = 300;

  @TempDir static Path dataDir;
  private static TrackingApi api;

  @BeforeAll
  static void start() throws Exception {
    install();
    api = TrackingApi.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (api != null) api.close();
  }

  @Test
  void everyCallFromTheNodeLibrary_arrivesOnce_normalized_andJoinsTheProfile() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    JsonNode result =
        TrackingApi.read(
            Npm.run(
                INSTALLED,
                List.of(
                    "node",
                    "send.js",
                    "http://localhost:" + api.port(),
                    WRITE_KEY,
                    run,
                    Integer.toString(IDENTIFIES)),
                120));
    assertThat(result.get("failures")).as("errors the library reported").isEmpty();
    List<String> sent = new ArrayList<>();
    result.get("sent").forEach(id -> sent.add(id.textValue()));
    assertThat(sent).hasSize(IDENTIFIES + 6);

    List<LogEntry> stored = awaitStored("node-" + run + "-", sent.size());
    assertThat(stored.stream().map(LogEntry::messageId))
        .as("each messageId the library delivered, stored once")
        .containsExactlyInAnyOrderElementsOf(sent);
    Map<MessageType, Long> types =
        stored.stream().collect(Collectors.groupingBy(LogEntry::type, Collectors.counting()));
    assertThat(types)
        .containsEntry(MessageType.IDENTIFY, (long) IDENTIFIES + 1)
        .containsEntry(MessageType.TRACK, 1L)
        .containsEntry(MessageType.PAGE, 1L)
        .containsEntry(MessageType.SCREEN, 1L)
        .containsEntry(MessageType.GROUP, 1L)
        .containsEntry(MessageType.ALIAS, 1L);

    Map<String, JsonNode> identifies =
        stored.stream()
            .filter(e -> e.type() == MessageType.IDENTIFY && !e.personKey().endsWith("-visitor"))
            .collect(Collectors.toMap(LogEntry::personKey, TrackingApi::json, (a, b) -> a));
    assertThat(identifies).hasSize(IDENTIFIES);
    JsonNode seventh = identifies.get("node-" + run + "-7");
    assertThat(seventh.get("traits"))
        .as("send.js's snake_case traits, normalized")
        .isEqualTo(
            TrackingApi.read(
                "{\"email\": \"user7@example.com\", \"firstName\": \"Peter\","
                    + " \"lastName\": \"Gibbons 7\", \"logins\": 7, \"score\": 7.25,"
                    + " \"verified\": false, \"createdAt\": \"2023-11-14T22:13:27.000Z\","
                    + " \"address\": {\"city\": \"City 7\", \"postalCode\": \"00007\"},"
                    + " \"tags\": [\"t7\", \"beta\"], \"unicode\": \"Zoë 東京 \uD83D\uDE80 7\","
                    + " \"name\": \"Peter Gibbons 7\"}"));
    assertThat(stored)
        .allSatisfy(
            e -> {
              JsonNode message = json(e);
              assertThat(message.at("/context/library/name").textValue())
                  .isEqualTo("@segment/analytics-node");
              assertThat(message.has("writeKey")).as("an envelope field").isFalse();
            });

    // the visitor's newsletter signup, joined to user 0 by the alias
    JsonNode traits = awaitTraits("user_id:node-" + run + "-0", "newsletter");
    assertThat(traits.get("newsletter").booleanValue()).isTrue();
    assertThat(traits.get("name").textValue()).isEqualTo("Peter Gibbons 0");
  }

  /**
   * Copies the Node project next to the build's output and installs it with {@code npm ci} (the
   * lockfile's versions and integrity checked), unless that lockfile is installed there already.
   */
  private static void install() throws Exception {
    Files.createDirectories(INSTALLED);
    byte[] lock = Files.readAllBytes(PROJECT.resolve("package-lock.json"));
    Path installedLock = INSTALLED.resolve("package-lock.json");
    boolean installed =
        Files.isRegularFile(INSTALLED.resolve("node_modules/@segment/analytics-node/package.json"))
            && Files.isRegularFile(installedLock)
            && Arrays.equals(lock, Files.readAllBytes(installedLock));
    for (String file : List.of("package.json", "package-lock.json", "send.js")) {
      Files.copy(
          PROJECT.resolve(file),
          INSTALLED.resolve(file),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    if (!installed) {
      Npm.run(INSTALLED, List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), 300);
    }
  }

  private static List<LogEntry> awaitStored(String prefix, int count) throws Exception {
    List<LogEntry> entries = new ArrayList<>();
    await(
        () -> {
          entries.clear();
          api.stored().stream().filter(e -> e.personKey().startsWith(prefix)).forEach(entries::add);
          return entries.size() >= count;
        },
        count + " stored calls");
    return entries;
  }

  /** The person's traits from the Profile API, once it has {@code trait}. */
  private static JsonNode awaitTraits(String externalId, String trait) throws Exception {
    String token = Files.readString(dataDir.resolve("admin-token")).trim();
    Function<String, HttpRequest> request =
        path -> api.request(path).header("Authorization", "Bearer " + token).GET().build();
    JsonNode[] traits = {null};
    await(
        () -> {
          HttpResponse<String> response =
              api.http.send(
                  request.apply("/v1/profiles/" + externalId + "/traits"),
                  HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() != 200) return false;
          traits[0] = TrackingApi.read(response.body()).get("traits");
          return traits[0].has(trait);
        },
        externalId + "'s " + trait);
    return traits[0];
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(Condition condition, String what) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.holds()) {
      assertThat(System.nanoTime()).as("%s within %s", what, DEADLINE).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
