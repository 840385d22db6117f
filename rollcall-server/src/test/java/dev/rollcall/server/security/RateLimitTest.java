package dev.rollcall.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-write-key rate limit over real HTTP: 429 with Retry-After beyond it, per key. */
class RateLimitTest {
  private static final String KEY = "rate-key";
  private static final String OTHER_KEY = "other-rate-key";

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private RollcallServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private void start(double rate, int burst) throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .writeKeys(List.of(KEY, OTHER_KEY))
                .rateLimit(rate)
                .rateLimitBurst(burst)
                .build(),
            Clock.systemUTC());
  }

  @Test
  void beyondTheBurst_is429WithRetryAfter_nothingStored_otherKeysUnaffected() throws Exception {
    start(0.2, 3); // one call per 5 s after a burst of 3: no refill can happen during the test

    for (int i = 0; i < 3; i++) {
      assertThat(identify(KEY, "u" + i).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> limited = identify(KEY, "u-limited");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After"))
        .hasValueSatisfying(seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 5));
    JsonNode body = Json.read(limited.body().getBytes(StandardCharsets.UTF_8));
    assertThat(body.get("success").booleanValue()).isFalse();
    assertThat(body.get("error").textValue())
        .contains("rate limit of 0.2 calls per second")
        .doesNotContain(KEY);
    assertThat(server.eventLog().read(0, 100)).hasSize(3);
    assertThat(identify(OTHER_KEY, "u-other").statusCode()).isEqualTo(200);
  }

  @Test
  void keyInTheBody_isLimitedToo() throws Exception {
    start(0.2, 1);

    assertThat(
            post("/v1/identify", null, "{\"writeKey\": \"" + KEY + "\", \"userId\": \"a\"}")
                .statusCode())
        .isEqualTo(200);
    HttpResponse<String> limited =
        post("/v1/identify", null, "{\"writeKey\": \"" + KEY + "\", \"userId\": \"b\"}");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void batch_countsEachCall() throws Exception {
    start(0.2, 5);
    String ten =
        "{\"batch\": ["
            + String.join(
                ",", java.util.Collections.nCopies(10, "{\"type\":\"identify\",\"userId\":\"u\"}"))
            + "]}";

    assertThat(post("/v1/batch", KEY, ten).statusCode())
        .isEqualTo(200); // the bucket goes into debt
    HttpResponse<String> next = post("/v1/batch", KEY, ten);

    assertThat(next.statusCode()).isEqualTo(429);
    assertThat(Integer.parseInt(next.headers().firstValue("Retry-After").orElseThrow()))
        .isGreaterThan(5); // 10 calls at 0.2/s, less the burst of 5: about 30 s
  }

  @Test
  void afterRetryAfter_callsAreLetInAgain() throws Exception {
    start(2, 1);

    assertThat(identify(KEY, "first").statusCode()).isEqualTo(200);
    HttpResponse<String> limited = identify(KEY, "second");
    assertThat(limited.statusCode()).isEqualTo(429);
    Thread.sleep(1000L * Integer.parseInt(limited.headers().firstValue("Retry-After").get()));

    assertThat(identify(KEY, "third").statusCode()).isEqualTo(200);
  }

  @Test
  void byDefault_thereIsNoLimit() throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .writeKeys(List.of(KEY))
                .build(),
            Clock.systemUTC());

    for (int i = 0; i < 50; i++) {
      assertThat(identify(KEY, "u" + i).statusCode()).isEqualTo(200);
    }
  }

  private HttpResponse<String> identify(String key, String userId) throws Exception {
    return post("/v1/identify", key, "{\"userId\": \"" + userId + "\"}");
  }

  private HttpResponse<String> post(String path, String key, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
