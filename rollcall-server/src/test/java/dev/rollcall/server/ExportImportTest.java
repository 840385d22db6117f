package dev.rollcall.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.ExternalId;
import dev.rollcall.server.cli.RollcallCommand;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.Role;
import dev.rollcall.server.config.ScaleOut;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.testing.EmbeddedKafka;
import dev.rollcall.testing.TestPostgres;
import dev.rollcall.tests.Journeys;
import dev.rollcall.tests.ProfileSnapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code rollcall export} and {@code import}: the move from the embedded store to Kafka and
 * PostgreSQL, and back, keeps every person as they were, and delivers nothing twice.
 */
class ExportImportTest {
  private static final String WRITE_KEY = "export-write-key";
  private static final String NL = System.lineSeparator();

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void embeddedToKafkaAndBack_keepsEveryProfile_andDeliversNothingAgain() throws Exception {
    Journeys journeys = Journeys.generate(5, 600);
    Set<ExternalId> ids = journeys.ids();
    Path embedded = dir.resolve("embedded");
    Set<String> before;
    try (RollcallServer server =
        RollcallServer.start(embeddedConfig(embedded), Clock.systemUTC())) {
      for (int i = 0; i < journeys.calls().size(); i += 50) {
        List<String> batch = journeys.calls().subList(i, Math.min(journeys.calls().size(), i + 50));
        assertThat(post(server.port(), "{\"batch\":[" + String.join(",", batch) + "]}"))
            .isEqualTo(200);
      }
      await(() -> server.eventLog().read(server.processor().checkpoint(), 1).isEmpty());
      before = ProfileSnapshot.of(server.profiles(), ids);
    }

    Path fromEmbedded = dir.resolve("embedded.jsonl");
    assertThat(run("export", "--data", embedded.toString(), "-o", fromEmbedded.toString()))
        .isZero();
    assertThat(Files.readAllLines(fromEmbedded)).hasSize(journeys.calls().size());

    AtomicInteger hooked = new AtomicInteger();
    EmbeddedKafka kafka = EmbeddedKafka.shared();
    try (MockWebServer webhook = webhook(hooked)) {
      String database = TestPostgres.newSchema();
      Path yaml = dir.resolve("scaled.yaml");
      Files.writeString(
          yaml,
          String.join(
              "\n",
              "log: kafka",
              "store: postgres",
              "kafka:",
              "  bootstrapServers: " + kafka.bootstrapServers(),
              "  topic: migrated-" + database.hashCode(),
              "  partitions: 3",
              "postgres:",
              "  url: " + database,
              "  user: " + TestPostgres.USER));
      assertThat(run("import", "--config", yaml.toString(), "-i", fromEmbedded.toString()))
          .isZero();

      ServerConfig scaled =
          embeddedConfig(dir.resolve("scaled")).toBuilder()
              .destinations(
                  List.of(
                      new DestinationSetup(
                          "webhook",
                          "webhook",
                          Map.of("url", webhook.url("/hook").toString()),
                          Duration.ofSeconds(5),
                          3)))
              .scaleOut(
                  new ScaleOut(
                      kafka.bootstrapServers(),
                      "migrated-" + database.hashCode(),
                      3,
                      0,
                      "migrated-processors",
                      Duration.ofSeconds(5),
                      database,
                      TestPostgres.USER,
                      null,
                      ScaleOut.DEFAULT_APPLY_THREADS))
              .role(Role.ALL)
              .build();
      try (ScaledServer server = ScaledServer.start(scaled, Clock.systemUTC())) {
        await(() -> server.processor().applied() == journeys.calls().size());
        assertThat(ProfileSnapshot.of(server.profiles(), ids)).isEqualTo(before);
        // imported calls reach the profiles, not the destinations: they had them already
        assertThat(server.delivery().queue().stats("webhook").pending()).isZero();
        assertThat(server.delivery().queue().destinations()).isEmpty();
      }
      assertThat(hooked.get()).isZero();

      Path fromKafka = dir.resolve("kafka.jsonl");
      assertThat(run("export", "--config", yaml.toString(), "-o", fromKafka.toString())).isZero();
      assertThat(new HashSet<>(Files.readAllLines(fromKafka)))
          .isEqualTo(new HashSet<>(Files.readAllLines(fromEmbedded)));

      Path restored = dir.resolve("restored");
      assertThat(run("import", "--data", restored.toString(), "-i", fromKafka.toString())).isZero();
      try (RollcallServer server =
          RollcallServer.start(embeddedConfig(restored), Clock.systemUTC())) {
        await(() -> server.processor().applied() == journeys.calls().size());
        assertThat(ProfileSnapshot.of(server.profiles(), ids)).isEqualTo(before);
        assertThat(server.delivery().queue().routedUpTo())
            .isEqualTo(server.processor().checkpoint());
      }
    }
  }

  @Test
  void import_aBadLine_isNamedWithWhatIsWrong() throws Exception {
    Path lines = dir.resolve("bad.jsonl");
    Files.writeString(
        lines,
        "{\"source\":\"src_1\",\"message\":{\"type\":\"identify\",\"userId\":\"u1\","
            + "\"messageId\":\"m1\",\"receivedAt\":\"2024-01-01T00:00:00Z\","
            + "\"timestamp\":\"2024-01-01T00:00:00Z\"}}\n"
            + "{\"source\":\"src_1\",\"message\":{\"type\":\"identify\",\"userId\":\"u2\"}}\n");
    StringWriter err = new StringWriter();
    CommandLine cli = RollcallCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("import", "--data", dir.resolve("d").toString(), "-i", lines.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .contains("line 2: message.messageId is missing")
        .contains("the 0 calls before it are imported");
  }

  @Test
  void exportThenImport_ofACallAsDeeplyNestedAsTheCollectorTakes_restoresIt() throws Exception {
    Path data = dir.resolve("deep");
    // 64 levels, the collector's limit: the body, traits, and 62 arrays
    String deepest = "{\"userId\":\"deep\",\"traits\":{\"a\":" + arrays(62) + "}}";
    try (RollcallServer server = RollcallServer.start(embeddedConfig(data), Clock.systemUTC())) {
      String deeper = "{\"userId\":\"deeper\",\"traits\":{\"a\":" + arrays(63) + "}}";
      assertThat(post(server.port(), "/v1/identify", deeper)).isEqualTo(400);
      assertThat(post(server.port(), "/v1/identify", deepest)).isEqualTo(200);
    }
    Path exported = dir.resolve("deep.jsonl");
    assertThat(run("export", "--data", data.toString(), "-o", exported.toString())).isZero();
    StringWriter err = new StringWriter();
    CommandLine cli = RollcallCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    Path restored = dir.resolve("restored");
    int exit = cli.execute("import", "--data", restored.toString(), "-i", exported.toString());

    assertThat(exit).as(err.toString()).isZero();
    Path again = dir.resolve("again.jsonl");
    assertThat(run("export", "--data", restored.toString(), "-o", again.toString())).isZero();
    assertThat(Files.readAllLines(again)).hasSize(1).isEqualTo(Files.readAllLines(exported));
  }

  @Test
  void import_aMessageNestedDeeperThanTheCollectorTakes_saysSo() throws Exception {
    Path lines = dir.resolve("deeper.jsonl");
    // 65 levels in the message: the message, traits, and 63 arrays
    Files.writeString(
        lines,
        "{\"source\":\"src_1\",\"message\":{\"type\":\"identify\",\"userId\":\"u1\","
            + "\"messageId\":\"m1\",\"receivedAt\":\"2024-01-01T00:00:00Z\","
            + "\"traits\":{\"a\":"
            + arrays(63)
            + "}}}\n");
    StringWriter err = new StringWriter();
    CommandLine cli = RollcallCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("import", "--data", dir.resolve("d").toString(), "-i", lines.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .contains("line 1: the message is nested deeper than 64 levels")
        .doesNotContain("not JSON")
        .contains("the 0 calls before it are imported");
  }

  @Test
  void import_ofAFileThatDoesNotExist_saysSoInOneLine_andCreatesNoStore() {
    Path data = dir.resolve("d");
    Path missing = dir.resolve("missing.jsonl");
    StringWriter err = new StringWriter();
    CommandLine cli = RollcallCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("import", "--data", data.toString(), "-i", missing.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo("rollcall import: cannot read " + missing + ": no such file" + NL);
    assertThat(data).doesNotExist();
  }

  @Test
  void import_intoADataDirectoryThatIsAFile_saysSoInOneLine() throws Exception {
    Path data = Files.writeString(dir.resolve("not-a-dir"), "");
    Path lines = Files.writeString(dir.resolve("empty.jsonl"), "");
    StringWriter err = new StringWriter();
    CommandLine cli = RollcallCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("import", "--data", data.toString(), "-i", lines.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo("rollcall import: the data directory " + data + " is a file" + NL);
  }

  @Test
  void export_intoADirectoryThatDoesNotExist_saysSoInOneLine() throws Exception {
    Path data = dir.resolve("d");
    Path lines = dir.resolve("one.jsonl");
    Files.writeString(
        lines,
        "{\"source\":\"src_1\",\"message\":{\"type\":\"identify\",\"userId\":\"u1\","
            + "\"messageId\":\"m1\",\"receivedAt\":\"2024-01-01T00:00:00Z\"}}\n");
    assertThat(run("import", "--data", data.toString(), "-i", lines.toString())).isZero();
    Path output = dir.resolve("no-such-dir").resolve("x.jsonl");
    StringWriter err = new StringWriter();
    CommandLine cli = RollcallCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("export", "--data", data.toString(), "-o", output.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "rollcall export: cannot write "
                + output
                + ": no such directory "
                + output.getParent()
                + NL);
  }

  /** {@code levels} arrays, one inside the other, the innermost empty. */
  private static String arrays(int levels) {
    return "[".repeat(levels) + "]".repeat(levels);
  }

  private static ServerConfig embeddedConfig(Path data) {
    return ServerConfig.builder()
        .port(0)
        .host("127.0.0.1")
        .dataDir(data)
        .writeKeys(List.of(WRITE_KEY))
        .adminToken("admin")
        .build();
  }

  private static int run(String... args) {
    return RollcallCommand.newCommandLine().execute(args);
  }

  private static MockWebServer webhook(AtomicInteger hooked) throws Exception {
    MockWebServer webhook = new MockWebServer();
    webhook.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            hooked.incrementAndGet();
            return new MockResponse.Builder().code(200).build();
          }
        });
    webhook.start();
    return webhook;
  }

  private int post(int port, String json) throws Exception {
    return post(port, "/v1/batch", json);
  }

  private int post(int port, String path, String json) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .header(
                    "Authorization",
                    "Basic "
                        + Base64.getEncoder()
                            .encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out");
      Thread.sleep(50);
    }
  }
}
