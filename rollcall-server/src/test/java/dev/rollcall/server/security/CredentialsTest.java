package dev.rollcall.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.ServerConfig;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The powers of each credential. A write key sends calls and nothing else: every admin route
 * refuses it, however it is presented; the admin token opens every admin route and sends no call;
 * and neither is stored as it is in the data directory.
 */
class CredentialsTest {
  private static final String WRITE_KEY = "wk-credentials-4f9a2c";
  private static final String ADMIN = "admin-credentials-7d1e5b";
  private static final String PERSON = "user_id:97980cfea0067";

  @TempDir static Path dir;
  private static RollcallServer server;
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .writeKeys(List.of(WRITE_KEY))
                .adminToken(ADMIN)
                .destinations(
                    List.of(
                        new DestinationSetup(
                            "webhook",
                            "webhook",
                            Map.of("url", "http://127.0.0.1:9/hook"),
                            Duration.ofSeconds(1),
                            1)))
                .build(),
            Clock.systemUTC());
    HttpResponse<String> sent =
        send(
            request("POST", "/v1/identify", "{\"userId\": \"97980cfea0067\"}")
                .header("Authorization", basic(WRITE_KEY)));
    assertThat(sent.statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  /** Every admin route, with a body where it takes one. */
  static Stream<Arguments> adminRoutes() {
    String message = "{\"type\": \"identify\", \"userId\": \"u1\"}";
    return Stream.of(
        Arguments.of("GET", "/v1/profiles/" + PERSON + "/traits", null),
        Arguments.of("GET", "/v1/profiles/" + PERSON + "/traits?verbose=true", null),
        Arguments.of("GET", "/v1/profiles/" + PERSON + "/external_ids", null),
        Arguments.of("GET", "/v1/profiles/" + PERSON + "/events", null),
        Arguments.of("DELETE", "/v1/profiles/user_id:someone-else", null),
        Arguments.of("DELETE", "/v1/profiles/user_id:someone-else?suppress=true", null),
        Arguments.of("GET", "/v1/preview", null),
        Arguments.of("POST", "/v1/preview?destination=mixpanel", message),
        Arguments.of("GET", "/v1/destinations", null),
        Arguments.of("GET", "/v1/deliveries", null),
        Arguments.of("GET", "/v1/deliveries?destination=webhook&status=dead", null),
        Arguments.of("POST", "/v1/deliveries/replay", "{\"destination\": \"webhook\"}"),
        Arguments.of("GET", "/v1/calls/recent", null),
        Arguments.of("GET", "/v1/calls/stream", null),
        Arguments.of("GET", "/v1/overview", null));
  }

  /** How a client might present a write key to an admin route. */
  static List<String[]> writeKeyPresentations() {
    List<String[]> ways = new ArrayList<>();
    ways.add(new String[] {"Authorization", basic(WRITE_KEY)});
    ways.add(new String[] {"Authorization", "Bearer " + WRITE_KEY});
    ways.add(new String[] {"Authorization", "Basic " + b64(WRITE_KEY)});
    ways.add(new String[] {"Cookie", "rollcall_session=" + WRITE_KEY});
    ways.add(new String[] {"X-Rollcall-Console", WRITE_KEY});
    return ways;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("adminRoutes")
  void writeKey_isRefusedByEveryAdminRoute(String method, String path, String body)
      throws Exception {
    for (String[] way : writeKeyPresentations()) {
      HttpResponse<String> response = send(request(method, path, body).header(way[0], way[1]));

      assertThat(response.statusCode()).as("%s: %s", way[0], way[1]).isEqualTo(401);
      assertThat(response.body()).doesNotContain("97980cfea0067").doesNotContain(WRITE_KEY);
    }
    String sep = path.contains("?") ? "&" : "?";
    HttpResponse<String> inQuery =
        send(request(method, path + sep + "writeKey=" + WRITE_KEY, body));
    assertThat(inQuery.statusCode()).as("writeKey in the query").isEqualTo(401);
    HttpResponse<String> none = send(request(method, path, body));
    assertThat(none.statusCode()).as("no credential").isEqualTo(401);
  }

  /**
   * The same routes open with the admin token: the refusals above are the key's, not the route's.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("adminRoutes")
  void adminToken_opensEveryAdminRoute(String method, String path, String body) throws Exception {
    HttpRequest request =
        request(method, path, body).header("Authorization", "Bearer " + ADMIN).build();
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    response.body().close(); // the call stream never ends by itself

    assertThat(response.statusCode()).isNotIn(401, 403).isLessThan(500);
  }

  @Test
  void writeKey_cannotSignInToTheConsole() throws Exception {
    HttpResponse<String> signIn =
        send(
            request("POST", "/console/sign-in", "token=" + WRITE_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded"));

    assertThat(signIn.statusCode()).isEqualTo(303);
    assertThat(signIn.headers().firstValue("Location")).hasValue("/console/sign-in?failed=1");
    assertThat(signIn.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void writeKey_consolePagesSendItToTheSignInForm() throws Exception {
    for (String page : List.of("/console/", "/console/profiles", "/console/destinations")) {
      HttpResponse<String> response =
          send(request("GET", page, null).header("Authorization", basic(WRITE_KEY)));

      assertThat(response.statusCode()).as(page).isEqualTo(303);
      assertThat(response.headers().firstValue("Location")).hasValue("/console/sign-in");
    }
  }

  @Test
  void adminToken_cannotSendCalls() throws Exception {
    String call = "{\"userId\": \"sent-with-the-admin-token\"}";
    for (String authorization : List.of(basic(ADMIN), "Bearer " + ADMIN)) {
      HttpResponse<String> response =
          send(request("POST", "/v1/identify", call).header("Authorization", authorization));

      assertThat(response.statusCode()).as(authorization).isEqualTo(401);
    }
    HttpResponse<String> inBody =
        send(
            request(
                "POST",
                "/v1/identify",
                "{\"writeKey\": \"" + ADMIN + "\", \"userId\": \"sent-with-the-admin-token\"}"));
    assertThat(inBody.statusCode()).isEqualTo(401);
    assertThat(server.eventLog().read(0, 100))
        .noneMatch(e -> e.personKey().equals("sent-with-the-admin-token"));
  }

  @Test
  void credentials_areNotStoredAsTheyAreInTheDataDirectory() throws Exception {
    server.eventLog().read(0, 1); // the call of start() is stored
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir.resolve("data"))) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertThat(bytes).as(file.toString()).doesNotContain(WRITE_KEY).doesNotContain(ADMIN);
    }
  }

  private static HttpRequest.Builder request(String method, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .method(
            method,
            body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String key) {
    return "Basic " + b64(key + ":");
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
