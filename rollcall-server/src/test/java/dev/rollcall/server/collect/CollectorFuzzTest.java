package dev.rollcall.server.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes the collector's request handling over real HTTP, against one real server on a free port.
 *
 * <p>The first byte of an input picks the path, the write key (in the header, missing, or wrong),
 * the content type, and whether the rest is sent gzipped; the rest is the body. For every request:
 *
 * <ul>
 *   <li>the answer is 200, 400, 401, 413 or 415, never a 5xx nor no answer at all;
 *   <li>it is JSON, {@code {"success": ...}}; a refusal has an {@code error}, and a 400 a {@code
 *       path} too;
 *   <li>nothing acknowledged is dropped: after a 200, every message not listed as rejected is in
 *       the event log (by its {@code messageId}, or as one new entry when it had none), and nothing
 *       else was added; after a refusal, nothing was added.
 * </ul>
 *
 * The oracle reads the body with {@link Json#read}, independently of the collector's own streaming
 * reader, to know the messages sent.
 */
class CollectorFuzzTest {
  private static final String WRITE_KEY = "fuzz-write-key";
  private static final String[] PATHS = {
    "/v1/identify", "/v1/batch", "/v1/track", "/v1/import/", "/v1/i", "/v1/b", "/v1/alias", "/v1/p"
  };
  private static final Set<Integer> ANSWERS = Set.of(200, 400, 401, 413, 415);

  private static Fixture fixture;

  /** One server for the whole run, closed when the JVM exits. */
  private static final class Fixture {
    final RollcallServer server;
    final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    final Set<String> messageIds = new HashSet<>();
    long lastOffset;

    Fixture() throws Exception {
      Path data = Files.createTempDirectory("rollcall-fuzz");
      server =
          RollcallServer.start(
              ServerConfig.builder()
                  .host("127.0.0.1")
                  .port(0)
                  .dataDir(data)
                  .writeKeys(List.of(WRITE_KEY))
                  .build(),
              Clock.systemUTC());
      Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    }

    /** The entries appended since the last call, remembering their messageIds. */
    List<LogEntry> newEntries() {
      List<LogEntry> added = new ArrayList<>();
      while (true) {
        List<LogEntry> page = server.eventLog().read(lastOffset, 10_000);
        if (page.isEmpty()) return added;
        added.addAll(page);
        lastOffset = page.get(page.size() - 1).offset();
      }
    }
  }

  private static synchronized Fixture fixture() throws Exception {
    if (fixture == null) fixture = new Fixture();
    return fixture;
  }

  @FuzzTest
  @DictionaryFile(resourcePath = "/dev/rollcall/server/collect/tracking.dict")
  void post(byte[] input) throws Exception {
    if (input.length == 0) return;
    Fixture f = fixture();
    int flags = input[0] & 0xff;
    String path = PATHS[flags & 7];
    byte[] plain = Arrays.copyOfRange(input, 1, input.length);
    boolean gzip = (flags & 8) != 0;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.port() + path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", (flags & 16) != 0 ? "text/plain" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(gzip ? TrackingApi.gzip(plain) : plain));
    if (gzip) request.header("Content-Encoding", "gzip");
    switch (flags >> 5 & 3) {
      case 2 -> {} // no key: the body's writeKey, if any, decides
      case 3 -> request.header("Authorization", TrackingApi.basic("not-" + WRITE_KEY));
      default -> request.header("Authorization", TrackingApi.basic(WRITE_KEY));
    }

    HttpResponse<String> response;
    try (var allowed = BugDetectors.allowNetworkConnections((host, port) -> true)) {
      response = f.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    int status = response.statusCode();
    assertThat(ANSWERS).as("status %s: %s", status, response.body()).contains(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode answer = Json.read(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(answer.get("success").booleanValue()).isEqualTo(status == 200);
    if (status != 200) {
      assertThat(answer.get("error").textValue()).isNotBlank();
      if (status == 400) assertThat(answer.get("path").isTextual()).as(answer.toString()).isTrue();
    }
    List<LogEntry> added = f.newEntries();
    if (status != 200) {
      assertThat(added).as("stored though refused").isEmpty();
      return;
    }
    checkAcknowledged(f, path, plain, answer, added);
  }

  /** Every message the answer acknowledged is in the log; nothing else was added. */
  private static void checkAcknowledged(
      Fixture f, String path, byte[] plain, JsonNode answer, List<LogEntry> added)
      throws IOException {
    JsonNode body = Json.read(plain);
    List<JsonNode> sent = new ArrayList<>();
    if (Endpoint.of(path).isBatch()) {
      body.get("batch").forEach(sent::add);
    } else {
      sent.add(body);
    }
    Set<Integer> rejected = new HashSet<>();
    if (answer.has("rejected")) {
      answer.get("rejected").forEach(r -> rejected.add(r.get("index").intValue()));
    }
    int withoutId = 0;
    Set<String> givenIds = new HashSet<>();
    for (int i = 0; i < sent.size(); i++) {
      if (rejected.contains(i)) continue;
      String id = messageId(sent.get(i));
      if (id == null) withoutId++;
      else givenIds.add(id);
    }
    Set<String> newIds = new HashSet<>(givenIds);
    newIds.removeAll(f.messageIds);
    for (LogEntry entry : added) f.messageIds.add(entry.messageId());
    assertThat(f.messageIds).as("acknowledged messageIds in the log").containsAll(givenIds);
    assertThat(added).as("new entries").hasSize(withoutId + newIds.size());
  }

  /** The messageId a message was sent with, in the form the spec stores; null when none. */
  private static String messageId(JsonNode message) {
    JsonNode id = message instanceof ObjectNode ? message.get("messageId") : null;
    if (id == null || id.isNull()) return null;
    if (id.isTextual()) return id.textValue().isEmpty() ? null : id.textValue();
    BigDecimal number = id.decimalValue();
    return id.isIntegralNumber()
        ? id.bigIntegerValue().toString()
        : number.stripTrailingZeros().toPlainString();
  }
}
