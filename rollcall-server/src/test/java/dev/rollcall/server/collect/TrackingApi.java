package dev.rollcall.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.LogEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * A real Rollcall server on a free port, and a client for its tracking API over real HTTP.
 *
 * <p>One per test class: tests that share it tell their calls apart by unique ids ({@link
 * #unique}), and read back what was stored from the event log.
 */
final class TrackingApi implements AutoCloseable {
  static final String WRITE_KEY = "test-write-key";
  static final String OTHER_WRITE_KEY = "other-write-key";

  final RollcallServer server;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private TrackingApi(RollcallServer server) {
    this.server = server;
  }

  /** Starts a server with {@link #WRITE_KEY} and {@link #OTHER_WRITE_KEY} on {@code dataDir}. */
  static TrackingApi start(Path dataDir) throws Exception {
    return new TrackingApi(
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dataDir)
                .writeKeys(List.of(WRITE_KEY, OTHER_WRITE_KEY))
                .build(),
            Clock.systemUTC()));
  }

  int port() {
    return server.port();
  }

  URI uri(String path) {
    return URI.create("http://localhost:" + port() + path);
  }

  /* ---- requests ---- */

  /** POSTs JSON with the write key as HTTP Basic user name, as Segment's libraries do. */
  HttpResponse<String> post(String path, String json) throws Exception {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .header("Authorization", basic(WRITE_KEY))
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** POSTs raw bytes with exactly the headers given (name, value, name, value, ...). */
  HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder request = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request);
  }

  /**
   * POSTs JSON with the write key as HTTP Basic user name, streamed with {@code Transfer-Encoding:
   * chunked} (no {@code Content-Length}), as a client does that does not know the size up front.
   */
  HttpResponse<String> postChunked(String path, byte[] json) throws Exception {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .header("Authorization", basic(WRITE_KEY))
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(json))));
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(request(path).GET());
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String basic(String writeKey) {
    return "Basic "
        + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
  }

  /* ---- what was stored ---- */

  /** Every entry of the event log, in log order. */
  List<LogEntry> stored() {
    List<LogEntry> all = new ArrayList<>();
    long offset = 0;
    while (true) {
      List<LogEntry> page = server.eventLog().read(offset, 10_000);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      offset = page.get(page.size() - 1).offset();
    }
  }

  /** The entries whose person key ({@code userId}, else {@code anonymousId}) is {@code key}. */
  List<LogEntry> storedFor(String personKey) {
    return stored().stream().filter(e -> e.personKey().equals(personKey)).toList();
  }

  /** The single entry stored for {@code personKey}; fails when there is none or more than one. */
  JsonNode onlyMessageOf(String personKey) {
    List<LogEntry> entries = storedFor(personKey);
    if (entries.size() != 1) {
      throw new AssertionError(
          "expected one entry for " + personKey + ", found " + entries.size() + ": " + entries);
    }
    return json(entries.get(0));
  }

  List<LogEntry> storedWithMessageId(String messageId) {
    return stored().stream().filter(e -> e.messageId().equals(messageId)).toList();
  }

  static JsonNode json(LogEntry entry) {
    return read(entry.json());
  }

  /* ---- bodies ---- */

  static JsonNode read(byte[] json) {
    try {
      return Json.read(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode read(String json) {
    return read(json.getBytes(StandardCharsets.UTF_8));
  }

  /** An id no other test uses, for telling a test's calls apart in the shared log. */
  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  static byte[] gzip(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.close();
  }
}
