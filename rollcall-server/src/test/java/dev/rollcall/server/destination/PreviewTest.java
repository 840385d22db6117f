package dev.rollcall.server.destination;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.cli.RollcallCommand;
import dev.rollcall.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code POST /v1/preview} and {@code rollcall preview}: the requests a destination would get. */
class PreviewTest {
  private static final String ADMIN = "test-admin-token";
  private static final String IDENTIFY =
      "{\"userId\":\"97980cfea0067\",\"traits\":{\"first_name\":\"Peter\",\"last_name\":\"Gibbons\","
          + "\"email\":\"peter@initech.com\",\"created_at\":1424730535},"
          + "\"integrations\":{\"All\":false,\"Mixpanel\":true,\"Salesforce\":true}}";

  @TempDir Path dir;
  private RollcallServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir)
                .writeKeys(List.of("wk"))
                .adminToken(ADMIN)
                .build(),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> preview(String query, String body, String authorization)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + server.port() + "/v1/preview?" + query))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (authorization != null) request.header("Authorization", authorization);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void api_mixpanel_returnsTheEngageRequestWithATokenPlaceholder() throws Exception {
    HttpResponse<String> response = preview("destination=mixpanel", IDENTIFY, "Bearer " + ADMIN);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode requests = Json.read(response.body().getBytes(StandardCharsets.UTF_8));
    assertThat(requests.size()).isEqualTo(1);
    assertThat(requests.get(0).get("method").textValue()).isEqualTo("POST");
    assertThat(requests.get(0).get("url").textValue())
        .isEqualTo("https://api.mixpanel.com/engage?verbose=1");
    JsonNode profile = requests.get(0).get("body").get(0);
    assertThat(profile.get("$token").textValue()).isEqualTo("<token>");
    assertThat(profile.get("$set").get("$first_name").textValue()).isEqualTo("Peter");
    assertThat(profile.get("$set").get("$created").textValue())
        .isEqualTo("2015-02-23T22:28:55.000Z");
  }

  @Test
  void api_settingsGiven_replaceThePlaceholders() throws Exception {
    HttpResponse<String> response =
        preview("destination=Mixpanel&set=token%3Dabc123", IDENTIFY, "Bearer " + ADMIN);

    assertThat(response.body()).contains("\"$token\":\"abc123\"").doesNotContain("<token>");
  }

  @Test
  void api_destinationExcludedByIntegrations_isEmptyWithTheReason() throws Exception {
    HttpResponse<String> response = preview("destination=intercom", IDENTIFY, "Bearer " + ADMIN);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("[]");
    assertThat(response.headers().firstValue("Rollcall-Skipped"))
        .hasValueSatisfying(r -> assertThat(r).contains("excludes Intercom"));
  }

  @Test
  void api_needsTheAdminToken_andNamesBadInput() throws Exception {
    assertThat(preview("destination=mixpanel", IDENTIFY, null).statusCode()).isEqualTo(401);
    assertThat(preview("destination=mixpanel", IDENTIFY, "Bearer wk").statusCode()).isEqualTo(401);
    HttpResponse<String> unknown = preview("destination=nope", IDENTIFY, "Bearer " + ADMIN);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("Mixpanel").contains("nope");
    HttpResponse<String> invalid =
        preview("destination=mixpanel", "{\"traits\":{}}", "Bearer " + ADMIN);
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).contains("userId or anonymousId is required");
  }

  @Test
  void cli_mailchimpWithoutEmail_printsAnEmptyArrayAndTheReason() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    InputStream stdin = System.in;
    System.setIn(
        new ByteArrayInputStream(
            "{\"userId\":\"u1\",\"traits\":{\"name\":\"Zoë\"}}".getBytes(StandardCharsets.UTF_8)));
    int exit;
    try {
      CommandLine cli = RollcallCommand.newCommandLine();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      exit = cli.execute("preview", "--destination", "MailChimp", "--set", "listId=abc");
    } finally {
      System.setIn(stdin);
    }

    assertThat(exit).isZero();
    assertThat(out.toString().trim()).isEqualTo("[ ]");
    assertThat(err.toString()).contains("Mailchimp needs an email");
  }
}
