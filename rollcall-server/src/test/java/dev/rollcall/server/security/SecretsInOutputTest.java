package dev.rollcall.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.Destinations;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A whole run of a server with every destination configured, over real HTTP, while its logs are
 * captured at the default level: calls are sent (good, invalid, batched, gzipped, with the key in
 * the body), every destination refuses them at first with an answer that quotes back what it was
 * sent (its token, the Authorization header, the body), the dead deliveries are listed and
 * replayed, a preview is asked for, the profile is read and deleted, the console's feed is read.
 *
 * <p>Then: no API response (body or header) holds a secret — a write key, the admin token, a
 * destination's setting such as {@code token}, {@code apiKey}, {@code accessToken} or {@code
 * secret}, or the credentials a destination was sent — and the logs hold neither a secret nor any
 * trait value (personal data). The stubs check that the secrets were really sent to their
 * destinations, so that their absence elsewhere means something.
 */
class SecretsInOutputTest {
  private static final String WRITE_KEY = "wk-SECRET-5a8f3e1c";
  private static final String ADMIN = "adm-SECRET-9b2d7f40";
  private static final Map<String, String> DESTINATION_SECRETS =
      Map.of(
          "mixpanel", "mp-SECRET-0f1e2d3c",
          "intercom", "ic-SECRET-4b5a6978",
          "mailchimp", "mc-SECRET-8c7d6e5f-us6",
          "salesforce", "sf-SECRET-1a2b3c4d",
          "hubspot", "hs-SECRET-5e6f7a8b",
          "customerio", "cio-SECRET-9c0d1e2f",
          "amplitude", "amp-SECRET-3a4b5c6d",
          "webhook", "wh-SECRET-7e8f9a0b");

  /** Personal data sent as traits and properties; none of it may reach the logs. */
  private static final List<String> PERSONAL =
      List.of(
          "peter.gibbons.pii@initech.example",
          "Gibbons-PII",
          "+1-555-0199-PII",
          "6th-PII St",
          "Lumbergh-PII",
          "tps-report-PII");

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final MockWebServer stub = new MockWebServer();
  private final AtomicBoolean refusing = new AtomicBoolean(true);
  private final Set<String> credentialsSent = ConcurrentHashMap.newKeySet();
  private final List<String> bodiesSent = new ArrayList<>();
  private final List<String> answers = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Logger root;
  private RollcallServer server;

  @BeforeEach
  void captureLogs() {
    root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).as("the default level").isEqualTo(Level.INFO);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void stop() {
    root.detachAppender(logs);
    if (server != null) server.close();
    stub.close();
  }

  @Test
  void noSecretInAnyAnswer_noSecretNorPersonalDataInTheLogs() throws Exception {
    stub.setDispatcher(echoing());
    stub.start();
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .writeKeys(List.of(WRITE_KEY))
                .adminToken(ADMIN)
                .destinations(destinations())
                .build(),
            Clock.systemUTC());

    // calls: good, batched and gzipped with the key in the body, invalid, unreadable
    call("POST", "/v1/identify", basic(WRITE_KEY), identify("m-1"));
    call("POST", "/v1/batch", null, gzip(batchWithKeyInTheBody()), "Content-Encoding", "gzip");
    call(
        "POST",
        "/v1/identify",
        basic(WRITE_KEY),
        "{\"traits\": {\"email\": \"" + PERSONAL.get(0) + "\"}}");
    call(
        "POST",
        "/v1/identify",
        basic(WRITE_KEY),
        "{\"userId\": \"u\", \"traits\": {\"name\": " + PERSONAL.get(1) + "}}");
    call("POST", "/v1/identify", basic("not-" + WRITE_KEY), identify("m-unknown-key"));
    call("POST", "/v1/track", basic(WRITE_KEY), "{\"userId\": \"97980cfea0067\", \"event\": 42}");
    call("GET", "/v1/profiles/email:" + PERSONAL.get(0) + "/traits", basic(WRITE_KEY), null);

    // every destination refuses, quoting what it was sent
    await(() -> dead() == DESTINATION_SECRETS.size());
    admin("GET", "/v1/destinations", null);
    admin("GET", "/v1/deliveries?status=dead", null);
    admin("GET", "/v1/calls/recent?limit=50", null);
    admin("GET", "/v1/overview", null);
    admin("POST", "/v1/preview?destination=mixpanel", identify("m-preview"));
    admin("POST", "/v1/preview?destination=customerio", identify("m-preview"));
    call("GET", "/metrics", null, null);
    call("GET", "/health", null, null);

    // the destinations come back; the dead letters are replayed
    refusing.set(false);
    admin("POST", "/v1/deliveries/replay", "{}");
    await(() -> delivered() == DESTINATION_SECRETS.size());
    admin("GET", "/v1/deliveries", null);

    // the person, read and deleted
    String person = "email:" + URLEncoder.encode(PERSONAL.get(0), StandardCharsets.UTF_8);
    admin("GET", "/v1/profiles/" + person + "/traits?verbose=true", null);
    admin("GET", "/v1/profiles/" + person + "/external_ids", null);
    admin("GET", "/v1/profiles/" + person + "/events", null);
    admin("GET", "/v1/profiles/email:nobody-" + PERSONAL.get(0) + "/traits", null);
    admin("DELETE", "/v1/profiles/user_id:97980cfea0067?suppress=true", null);
    admin("GET", "/v1/destinations", null);

    List<String> secrets = new ArrayList<>(List.of(WRITE_KEY, ADMIN));
    secrets.addAll(DESTINATION_SECRETS.values());
    secrets.addAll(credentialsSent);
    // the stubs were sent the secrets, so their absence below is not for lack of use
    for (var destination : DESTINATION_SECRETS.entrySet()) {
      if (destination.getKey().equals("webhook")) continue; // signs with it, never sends it
      String secret = destination.getValue();
      String basicOfIt = Base64.getEncoder().encodeToString((":" + secret).getBytes());
      assertThat(String.join("\n", bodiesSent) + String.join("\n", credentialsSent))
          .as(destination.getKey())
          .containsAnyOf(secret, basicOfIt, base64Containing(secret));
    }
    assertThat(answers).isNotEmpty();
    for (String answer : answers) {
      for (String secret : secrets) assertThat(answer).doesNotContain(secret);
    }
    String logged = loggedText();
    for (String secret : secrets) assertThat(logged).doesNotContain(secret);
    for (String personal : PERSONAL) assertThat(logged).doesNotContain(personal);
  }

  /* ---- the destinations: one stub that refuses, then accepts ---- */

  private Dispatcher echoing() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String authorization = request.getHeaders().get("Authorization");
        String body = request.getBody() == null ? "" : request.getBody().utf8();
        synchronized (bodiesSent) {
          bodiesSent.add(body);
        }
        if (authorization != null) {
          credentialsSent.add(authorization);
          int space = authorization.indexOf(' ');
          if (space > 0) credentialsSent.add(authorization.substring(space + 1));
        }
        if (refusing.get()) {
          return new MockResponse.Builder()
              .code(401)
              .body("refused: Authorization=" + authorization + " body=" + body)
              .build();
        }
        return new MockResponse.Builder().code(200).body("{\"status\": 1}").build();
      }
    };
  }

  private List<DestinationSetup> destinations() {
    String base = stub.url("/").toString().replaceAll("/$", "");
    List<DestinationSetup> list = new ArrayList<>();
    for (Destination destination : Destinations.all()) {
      String name = Destination.key(destination.name());
      String secret = DESTINATION_SECRETS.get(name);
      Map<String, String> settings = new LinkedHashMap<>();
      switch (name) {
        case "mixpanel" -> settings.put("token", secret);
        case "intercom", "hubspot" -> settings.put("accessToken", secret);
        case "mailchimp" -> {
          settings.put("apiKey", secret);
          settings.put("listId", "list1");
        }
        case "salesforce" -> settings.put("accessToken", secret);
        case "customerio" -> {
          settings.put("siteId", "site1");
          settings.put("apiKey", secret);
        }
        case "amplitude" -> settings.put("apiKey", secret);
        case "webhook" -> {
          settings.put("url", base + "/hook");
          settings.put("secret", secret);
        }
        default -> throw new AssertionError("no settings for " + name);
      }
      if (name.equals("salesforce")) settings.put("instanceUrl", base);
      else if (!name.equals("webhook")) settings.put("baseUrl", base);
      list.add(new DestinationSetup(name, name, settings, Duration.ofSeconds(5), 1));
    }
    assertThat(list).hasSize(DESTINATION_SECRETS.size());
    return list;
  }

  /* ---- calls ---- */

  private static String identify(String messageId) {
    return "{\"userId\": \"97980cfea0067\", \"messageId\": \""
        + messageId
        + "\", \"traits\": {\"email\": \""
        + PERSONAL.get(0)
        + "\", \"firstName\": \"Peter\", \"lastName\": \""
        + PERSONAL.get(1)
        + "\", \"phone\": \""
        + PERSONAL.get(2)
        + "\", \"address\": {\"street\": \""
        + PERSONAL.get(3)
        + "\", \"city\": \"Austin\"}, \"company\": {\"name\": \"Initech\"}}}";
  }

  private static String batchWithKeyInTheBody() {
    return "{\"writeKey\": \""
        + WRITE_KEY
        + "\", \"batch\": [{\"type\": \"track\", \"userId\": \"97980cfea0067\", \"event\": \"Filed\","
        + " \"properties\": {\"report\": \""
        + PERSONAL.get(5)
        + "\"}, \"context\": {\"traits\": {\"manager\": \""
        + PERSONAL.get(4)
        + "\"}}}, {\"type\": \"identify\", \"anonymousId\": \"anon-1\", \"traits\": {\"email\": \""
        + PERSONAL.get(0)
        + "\"}}, {\"type\": \"identify\"}]}";
  }

  private void admin(String method, String path, String body) throws Exception {
    HttpResponse<String> response = call(method, path, "Bearer " + ADMIN, body);
    assertThat(response.statusCode())
        .as("%s %s: %s", method, path, response.body())
        .isLessThan(500);
  }

  private HttpResponse<String> call(
      String method, String path, String authorization, Object body, String... headers)
      throws Exception {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : body instanceof byte[] bytes
                ? HttpRequest.BodyPublishers.ofByteArray(bytes)
                : HttpRequest.BodyPublishers.ofString((String) body);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .method(method, publisher);
    if (authorization != null) request.header("Authorization", authorization);
    for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    answers.add(response.headers().map() + "\n" + response.body());
    return response;
  }

  private static String basic(String key) {
    return "Basic "
        + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  /** Base64 of {@code anything:secret} as Basic auth sends it, for the sanity check. */
  private String base64Containing(String secret) {
    for (String credentials : credentialsSent) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        if (decoded.contains(secret)) return credentials;
      } catch (IllegalArgumentException e) {
        // not Base64
      }
    }
    return "\u0000none";
  }

  /* ---- state ---- */

  private long dead() throws Exception {
    return countOf("dead");
  }

  private long delivered() throws Exception {
    return countOf("delivered");
  }

  private long countOf(String status) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.port() + "/v1/destinations"))
                .header("Authorization", "Bearer " + ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    answers.add(response.body());
    long count = 0;
    for (JsonNode d :
        Json.read(response.body().getBytes(StandardCharsets.UTF_8)).get("destinations")) {
      if (d.get(status).longValue() > 0) count++;
    }
    return count;
  }

  private String loggedText() {
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : logs.list) {
      text.append(event.getLevel()).append(' ').append(event.getFormattedMessage()).append('\n');
      if (event.getThrowableProxy() != null) {
        text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
      }
    }
    return text.toString();
  }

  private static void await(BooleanSupplierWithException condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not reached within 60 s");
      Thread.sleep(50);
    }
  }

  @FunctionalInterface
  private interface BooleanSupplierWithException {
    boolean getAsBoolean() throws Exception;
  }
}
