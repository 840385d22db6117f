package dev.rollcall.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** A real Rollcall server on a temporary directory, with the helpers the console tests share. */
final class ConsoleServer implements AutoCloseable {
  static final String WRITE_KEY = "console-test-write-key";
  static final String ADMIN_TOKEN = "console-test-admin-token";

  final RollcallServer server;
  final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private ConsoleServer(RollcallServer server) {
    this.server = server;
  }

  static ConsoleServer start(Path dataDir) throws Exception {
    return start(dataDir, null);
  }

  static ConsoleServer start(Path dataDir, Path analyticsJs) throws Exception {
    return start(dataDir, analyticsJs, List.of());
  }

  static ConsoleServer start(Path dataDir, Path analyticsJs, List<DestinationSetup> destinations)
      throws Exception {
    return new ConsoleServer(
        RollcallServer.start(
            ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .writeKeys(List.of(WRITE_KEY))
                .adminToken(ADMIN_TOKEN)
                .analyticsJs(analyticsJs)
                .destinations(destinations)
                .build(),
            Clock.systemUTC()));
  }

  String url(String path) {
    return "http://localhost:" + server.port() + path;
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> admin(String path) throws Exception {
    return send(request(path).header("Authorization", "Bearer " + ADMIN_TOKEN));
  }

  /** Posts to a tracking endpoint with the write key, as a client library does. */
  HttpResponse<String> track(String endpoint, String body) throws Exception {
    return send(
        request(endpoint)
            .header("Authorization", basic(WRITE_KEY))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static String basic(String key) {
    return "Basic "
        + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static JsonNode json(String body) throws IOException {
    return Json.read(body.getBytes(StandardCharsets.UTF_8));
  }

  /** Waits until the processor has applied every call acknowledged so far. */
  void awaitProcessed() throws InterruptedException {
    long target = server.eventLog().pendingEntries() == 0 ? lastOffset() : Long.MAX_VALUE;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (server.eventLog().pendingEntries() > 0
        || server.processor().checkpoint() < (target = lastOffset())) {
      assertThat(System.nanoTime())
          .as("processed within 30 s (to %s)", target)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private long lastOffset() {
    long offset = 0;
    while (true) {
      var entries = server.eventLog().read(offset, 1_000);
      if (entries.isEmpty()) return offset;
      offset = entries.get(entries.size() - 1).offset();
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
