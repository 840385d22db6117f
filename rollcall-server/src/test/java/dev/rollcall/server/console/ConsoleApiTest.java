package dev.rollcall.server.console;

import static dev.rollcall.server.console.ConsoleServer.ADMIN_TOKEN;
import static dev.rollcall.server.console.ConsoleServer.WRITE_KEY;
import static dev.rollcall.server.console.ConsoleServer.json;
import static dev.rollcall.server.console.ConsoleServer.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.server.config.DestinationSetup;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's HTTP side: sign-in, the call feed (SSE and recent), the overview. */
class ConsoleApiTest {
  @TempDir static Path dir;
  static ConsoleServer server;

  @BeforeAll
  static void start() throws Exception {
    // two destinations, on a port nothing listens on: what calls are routed to, not delivered
    server =
        ConsoleServer.start(
            dir,
            null,
            List.of(
                new DestinationSetup(
                    "mixpanel-eu",
                    "mixpanel",
                    Map.of("token", "t", "baseUrl", "http://127.0.0.1:9"),
                    Duration.ofSeconds(1),
                    1),
                new DestinationSetup(
                    "intercom",
                    "intercom",
                    Map.of("accessToken", "t", "baseUrl", "http://127.0.0.1:9"),
                    Duration.ofSeconds(1),
                    1)));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static String identify(String userId) {
    return "{\"userId\":\""
        + userId
        + "\",\"traits\":{\"email\":\""
        + userId
        + "@example.com\",\"first_name\":\"Ada\"}}";
  }

  /* ---- authentication ---- */

  @Test
  void feedAndOverview_withoutAdminToken_are401() throws Exception {
    for (String path : List.of("/v1/calls/stream", "/v1/calls/recent", "/v1/overview")) {
      assertThat(server.send(server.request(path)).statusCode()).as(path).isEqualTo(401);
      HttpResponse<String> withWriteKey =
          server.send(server.request(path).header("Authorization", ConsoleServer.basic(WRITE_KEY)));
      assertThat(withWriteKey.statusCode()).as(path + " with a write key").isEqualTo(401);
      HttpResponse<String> wrongToken =
          server.send(server.request(path).header("Authorization", "Bearer nope"));
      assertThat(wrongToken.statusCode()).as(path + " with a wrong token").isEqualTo(401);
    }
  }

  @Test
  void consolePage_withoutSession_redirectsToSignIn() throws Exception {
    HttpResponse<String> page = server.send(server.request("/console/debugger"));

    assertThat(page.statusCode()).isEqualTo(303);
    assertThat(page.headers().firstValue("Location")).hasValue("/console/sign-in");
  }

  @Test
  void consoleRoot_redirectsOnce_toTheSlashedPath_thenToSignIn() throws Exception {
    HttpResponse<String> bare = server.send(server.request("/console"));
    HttpResponse<String> slashed = server.send(server.request("/console/"));

    assertThat(bare.statusCode()).isEqualTo(303);
    assertThat(bare.headers().firstValue("Location")).hasValue("/console/");
    assertThat(slashed.statusCode()).isEqualTo(303);
    assertThat(slashed.headers().firstValue("Location")).hasValue("/console/sign-in");
  }

  @Test
  void signIn_wrongToken_goesBackToTheForm_withoutCookie() throws Exception {
    HttpResponse<String> response = signIn("not-the-token");

    assertThat(response.statusCode()).isEqualTo(303);
    assertThat(response.headers().firstValue("Location")).hasValue("/console/sign-in?failed=1");
    assertThat(response.headers().allValues("Set-Cookie")).isEmpty();
  }

  @Test
  void signIn_rightToken_setsHttpOnlyStrictCookie_thatOpensPagesAndApis() throws Exception {
    HttpResponse<String> response = signIn(ADMIN_TOKEN);

    assertThat(response.statusCode()).isEqualTo(303);
    assertThat(response.headers().firstValue("Location")).hasValue("/console/");
    String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith("rollcall_session=")
        .containsIgnoringCase("HttpOnly")
        .contains("SameSite=Strict")
        .contains("Path=/");
    String cookie = setCookie.split(";", 2)[0];

    HttpResponse<String> page =
        server.send(server.request("/console/debugger").header("Cookie", cookie));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(
            csp -> assertThat(csp).contains("default-src 'none'").contains("connect-src 'self'"));
    assertThat(page.body()).contains("Live debugger");

    HttpResponse<String> api =
        server.send(server.request("/v1/profiles/user_id:nobody/traits").header("Cookie", cookie));
    assertThat(api.statusCode()).as("a session reads the Profile API").isEqualTo(404);
  }

  @Test
  void session_changingRequest_needsTheConsoleHeader() throws Exception {
    String cookie = cookie(signIn(ADMIN_TOKEN));
    String body = "{\"userId\":\"u1\",\"traits\":{\"email\":\"a@b.co\"}}";

    HttpResponse<String> withoutHeader =
        server.send(
            server
                .request("/v1/preview?destination=mixpanel")
                .header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    HttpResponse<String> withHeader =
        server.send(
            server
                .request("/v1/preview?destination=mixpanel")
                .header("Cookie", cookie)
                .header("X-Rollcall-Console", "1")
                .POST(HttpRequest.BodyPublishers.ofString(body)));

    assertThat(withoutHeader.statusCode()).isEqualTo(401);
    assertThat(withHeader.statusCode()).as(withHeader.body()).isEqualTo(200);
  }

  @Test
  void signOut_endsTheSession() throws Exception {
    String cookie = cookie(signIn(ADMIN_TOKEN));

    HttpResponse<String> out =
        server.send(
            server
                .request("/console/sign-out")
                .header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()));

    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(out.headers().firstValue("Set-Cookie"))
        .hasValueSatisfying(c -> assertThat(c).contains("Max-Age=0"));
    assertThat(server.send(server.request("/v1/overview").header("Cookie", cookie)).statusCode())
        .isEqualTo(401);
  }

  @Test
  void bearerToken_stillWorks_forScripts() throws Exception {
    assertThat(server.admin("/v1/overview").statusCode()).isEqualTo(200);
    assertThat(server.admin("/v1/calls/recent").statusCode()).isEqualTo(200);
  }

  /* ---- the feed ---- */

  @Test
  void recent_showsAcceptedCall_rawAndNormalized_withoutTheWriteKey() throws Exception {
    String userId = unique("recent");
    String body =
        "{\"userId\":\""
            + userId
            + "\",\"writeKey\":\""
            + WRITE_KEY
            + "\",\"traits\":{\"first_name\":\"Ada\",\"firstName\":\"Ada\"},"
            + "\"integrations\":{\"All\":false,\"Mixpanel\":true}}";
    assertThat(
            server
                .send(
                    server
                        .request("/v1/identify")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)))
                .statusCode())
        .isEqualTo(200);

    JsonNode call = find(userId);

    assertThat(call.get("status").asText()).isEqualTo("accepted");
    assertThat(call.get("type").asText()).isEqualTo("identify");
    assertThat(call.get("source").asText()).startsWith("src_");
    assertThat(call.get("raw").get("traits").has("first_name"))
        .as("raw keeps what was sent")
        .isTrue();
    assertThat(call.get("raw").get("writeKey").asText()).isEqualTo("(redacted)");
    assertThat(call.get("normalized").get("traits").has("first_name"))
        .as("normalized drops the twin")
        .isFalse();
    assertThat(call.get("normalized").get("messageId").asText())
        .isEqualTo(call.get("messageId").asText());
    assertThat(call.get("warnings").toString()).contains("traits.first_name");
    assertThat(call.get("routedTo").toString())
        .as("the configured destinations its integrations object enables")
        .isEqualTo("[\"mixpanel-eu\"]");
    assertThat(server.admin("/v1/calls/recent?limit=500").body()).doesNotContain(WRITE_KEY);
  }

  @Test
  void recent_showsRejectedCall_withItsError() throws Exception {
    String marker = unique("rejected");
    server.track("/v1/identify", "{\"traits\":{\"name\":\"" + marker + "\"}}");

    JsonNode call = findInRaw(marker);

    assertThat(call.get("status").asText()).isEqualTo("rejected");
    assertThat(call.get("error").asText()).contains("userId or anonymousId is required");
    assertThat(call.get("httpStatus").asInt()).isEqualTo(400);
    assertThat(call.has("normalized")).isFalse();
  }

  @Test
  void batch_keepsEachItemApart_goodAndBad() throws Exception {
    String good = unique("batch-good");
    String bad = unique("batch-bad");
    server.track(
        "/v1/batch",
        "{\"batch\":[{\"type\":\"identify\",\"userId\":\""
            + good
            + "\"},{\"type\":\"track\",\"userId\":\""
            + bad
            + "\"}]}");

    assertThat(find(good).get("raw").toString())
        .isEqualTo("{\"type\":\"identify\",\"userId\":\"" + good + "\"}");
    JsonNode rejected = findInRaw(bad);
    assertThat(rejected.get("path").asText()).isEqualTo("batch[1].event");
  }

  @Test
  void recent_limitIsBounded_byTheFeedsCapacity() throws Exception {
    assertThat(
            server.admin("/v1/calls/recent?limit=" + (CallFeed.DEFAULT_CAPACITY + 1)).statusCode())
        .isEqualTo(400);
    JsonNode all = json(server.admin("/v1/calls/recent?limit=" + CallFeed.DEFAULT_CAPACITY).body());
    assertThat(all.get("capacity").asInt()).isEqualTo(CallFeed.DEFAULT_CAPACITY);
    assertThat(all.get("calls").size()).isLessThanOrEqualTo(CallFeed.DEFAULT_CAPACITY);
  }

  @Test
  void feed_keepsAtMostItsCapacity_howeverManyCallsArrive() throws Exception {
    int calls = CallFeed.DEFAULT_CAPACITY + 50;
    StringBuilder batch = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < calls; i++) {
      if (i > 0) batch.append(',');
      batch.append("{\"type\":\"identify\",\"userId\":\"bound-").append(i).append("\"}");
    }
    assertThat(server.track("/v1/batch", batch.append("]}").toString()).statusCode())
        .isEqualTo(200);

    CallFeed.Page everything = server.server.feed().since(0, Integer.MAX_VALUE);

    assertThat(everything.entries()).hasSize(CallFeed.DEFAULT_CAPACITY);
    assertThat(everything.missed())
        .isEqualTo(server.server.feed().total() - CallFeed.DEFAULT_CAPACITY);
    assertThat(everything.entries().get(everything.entries().size() - 1).userId())
        .isEqualTo("bound-" + (calls - 1));
  }

  @Test
  void stream_isServerSentEvents_andDeliversACallSentWhileOpen() throws Exception {
    String userId = unique("live");
    HttpResponse<InputStream> stream =
        server.http.send(
            server
                .request("/v1/calls/stream?backlog=0&id=" + userId)
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    BlockingQueue<String> lines = lines(stream.body());

    assertThat(nextEvent(lines)).containsExactly("retry: 3000");
    List<String> hello = nextEvent(lines);
    assertThat(hello.get(0)).isEqualTo("event: hello");
    assertThat(hello.get(1)).startsWith("data: {\"capacity\":" + CallFeed.DEFAULT_CAPACITY);

    server.track("/v1/identify", identify(userId));
    List<String> call = nextEvent(lines);

    assertThat(call).hasSize(3);
    assertThat(call.get(0)).matches("id: \\d+");
    assertThat(call.get(1)).isEqualTo("event: call");
    JsonNode data = json(call.get(2).substring("data: ".length()));
    assertThat(data.get("userId").asText()).isEqualTo(userId);
    assertThat(data.get("normalized").get("traits").get("firstName").asText()).isEqualTo("Ada");
    stream.body().close();
  }

  /* ---- overview ---- */

  @Test
  void overview_countsCallsAndRejectsOfThisMinute() throws Exception {
    server.track("/v1/identify", identify(unique("rate")));
    server.track("/v1/identify", "{\"traits\":{}}");

    JsonNode minutes = json(server.admin("/v1/overview").body()).get("minutes");

    assertThat(minutes).hasSize(CallRates.MINUTES);
    long calls = 0;
    long rejected = 0;
    for (JsonNode minute : minutes) {
      calls += minute.get("calls").asLong();
      rejected += minute.get("rejected").asLong();
    }
    assertThat(calls).isGreaterThanOrEqualTo(1);
    assertThat(rejected).isGreaterThanOrEqualTo(1);
  }

  @Test
  void health_reportsTheProfileStore() throws Exception {
    JsonNode health = json(server.send(server.request("/health")).body());

    assertThat(health.get("profiles").get("readable").asBoolean()).isTrue();
  }

  /* ---- helpers ---- */

  private static HttpResponse<String> signIn(String token) throws Exception {
    return server.send(
        server
            .request("/console/sign-in")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("token=" + token)));
  }

  private static String cookie(HttpResponse<String> signIn) {
    return signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
  }

  private static JsonNode find(String userId) throws Exception {
    for (JsonNode call : json(server.admin("/v1/calls/recent?limit=500").body()).get("calls")) {
      if (userId.equals(call.path("userId").asText(null))) return call;
    }
    throw new AssertionError("no call of " + userId + " in the feed");
  }

  private static JsonNode findInRaw(String marker) throws Exception {
    for (JsonNode call : json(server.admin("/v1/calls/recent?limit=500").body()).get("calls")) {
      if (call.path("raw").toString().contains(marker)) return call;
    }
    throw new AssertionError("no call with " + marker + " in the feed");
  }

  /** Reads the stream's lines on a thread of its own, so that a test can wait with a deadline. */
  static BlockingQueue<String> lines(InputStream in) {
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(100_000);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader buffered =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = buffered.readLine()) != null) lines.put(line);
              } catch (Exception e) {
                // the test closed the stream
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** The lines of the next event (up to a blank line), skipping keep-alive comments. */
  static List<String> nextEvent(BlockingQueue<String> lines) throws InterruptedException {
    List<String> event = new ArrayList<>();
    while (true) {
      String line = lines.poll(30, TimeUnit.SECONDS);
      assertThat(line).as("an event within 30 s").isNotNull();
      if (line.isEmpty()) {
        if (!event.isEmpty()) return event;
      } else if (!line.startsWith(":")) {
        event.add(line);
      }
    }
  }
}
