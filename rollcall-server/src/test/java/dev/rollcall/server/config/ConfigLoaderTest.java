package dev.rollcall.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.server.ScaledServer;
import dev.rollcall.server.config.ConfigLoader.CommandLineValues;
import dev.rollcall.server.config.ConfigLoader.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void destinations_settingsWithEnvironmentSecrets_andDefaults() throws Exception {
    ServerConfig config =
        load(
            Map.of("MIXPANEL_TOKEN", "secret-token"),
            "destinations:",
            "  Mixpanel:",
            "    token: ${MIXPANEL_TOKEN}",
            "  mixpanel-eu:",
            "    type: mixpanel",
            "    token: eu-${MIXPANEL_TOKEN}-x",
            "    baseUrl: https://api-eu.mixpanel.com",
            "    timeoutSeconds: 3",
            "    maxAttempts: 4");

    assertThat(config.destinations()).hasSize(2);
    DestinationSetup mixpanel = config.destinations().get(0);
    assertThat(mixpanel.name()).isEqualTo("mixpanel");
    assertThat(mixpanel.settings()).isEqualTo(Map.of("token", "secret-token"));
    assertThat(mixpanel.timeout()).isEqualTo(DestinationSetup.DEFAULT_TIMEOUT);
    assertThat(mixpanel.maxAttempts()).isEqualTo(DestinationSetup.DEFAULT_MAX_ATTEMPTS);
    DestinationSetup eu = config.destinations().get(1);
    assertThat(eu.name()).isEqualTo("mixpaneleu");
    assertThat(eu.type()).isEqualTo("mixpanel");
    assertThat(eu.settings())
        .isEqualTo(Map.of("token", "eu-secret-token-x", "baseUrl", "https://api-eu.mixpanel.com"));
    assertThat(eu.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(eu.maxAttempts()).isEqualTo(4);
    assertThat(eu.toString()).doesNotContain("secret");
  }

  @Test
  void sources_ownWriteKeysAndDestinations_namesMatchedAsSegmentDoes() throws Exception {
    ServerConfig config =
        load(
            Map.of("APP_KEY", "app-key"),
            "writeKeys: [web-key]",
            "sources:",
            "  app:",
            "    writeKey: ${APP_KEY}",
            "    destinations: [Customer.io]",
            "  backend:",
            "    writeKey: backend-key",
            "destinations:",
            "  customerio: {siteId: s, apiKey: k}",
            "  webhook: {url: 'https://example.com/hook'}");

    assertThat(config.writeKeys()).containsExactly("web-key");
    assertThat(config.sources())
        .containsExactly(
            new SourceSetup("app", "app-key", List.of("customerio")),
            new SourceSetup("backend", "backend-key", null));
    assertThat(config.sources().get(0).sendsTo("webhook")).isFalse();
    assertThat(config.sources().get(1).sendsTo("webhook")).isTrue();
  }

  @Test
  void unsetEnvironmentVariable_errorNamesItAndWhereItIsUsed() {
    assertThatThrownBy(() -> load(Map.of(), "destinations:", "  mixpanel:", "    token: ${NOPE}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "destinations.mixpanel.token uses the environment variable NOPE, which is not set");
  }

  @Test
  void unknownDestinationType_errorListsTheKnownOnes() {
    assertThatThrownBy(() -> load(Map.of(), "destinations:", "  segment-x: {token: t}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("destinations.segment-x: no destination is called segment-x")
        .hasMessageContaining("Mixpanel");
  }

  @Test
  void sourceNamingAnUnconfiguredDestination_error() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of(),
                    "sources:",
                    "  app: {writeKey: k, destinations: [mixpanel]}",
                    "destinations:",
                    "  webhook: {url: 'https://example.com'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("sources.app sends to mixpanel, which is not configured");
  }

  @Test
  void badNumbers_andNestedSettings_errorNamesTheSetting() {
    assertThatThrownBy(
            () -> load(Map.of(), "destinations:", "  mixpanel: {token: t, maxAttempts: 0}"))
        .hasMessage("destinations.mixpanel.maxAttempts must be a positive whole number, not 0");
    assertThatThrownBy(() -> load(Map.of(), "destinations:", "  mixpanel: {token: {nested: true}}"))
        .hasMessage("destinations.mixpanel.token must be a single value");
    assertThatThrownBy(() -> load(Map.of(), "sources:", "  app: {destinations: []}"))
        .hasMessage("sources.app.writeKey is required");
  }

  @Test
  void kafkaAndPostgres_fromTheFile_withThePasswordFromTheEnvironment() throws Exception {
    ServerConfig config =
        load(
            Map.of("PG_PASSWORD", "s3cret"),
            "log: kafka",
            "store: postgres",
            "role: processor",
            "kafka:",
            "  bootstrapServers: k1:9092,k2:9092",
            "  partitions: 24",
            "  replicationFactor: 3",
            "  applyThreads: 8",
            "postgres:",
            "  url: jdbc:postgresql://db:5432/rollcall",
            "  user: rollcall",
            "  password: ${PG_PASSWORD}");

    ScaleOut scaleOut = config.scaleOut();
    assertThat(scaleOut.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
    assertThat(scaleOut.topic()).isEqualTo("rollcall-calls");
    assertThat(scaleOut.partitions()).isEqualTo(24);
    assertThat(scaleOut.replicationFactor()).isEqualTo(3);
    assertThat(scaleOut.group()).isEqualTo("rollcall-processors");
    assertThat(scaleOut.ackTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(scaleOut.applyThreads()).isEqualTo(8);
    assertThat(ScaledServer.kafkaSettings(config).applyThreads()).isEqualTo(8);
    assertThat(scaleOut.postgresUrl()).isEqualTo("jdbc:postgresql://db:5432/rollcall");
    assertThat(scaleOut.postgresUser()).isEqualTo("rollcall");
    assertThat(scaleOut.postgresPassword()).isEqualTo("s3cret");
    assertThat(scaleOut.toString()).doesNotContain("s3cret");
    assertThat(config.role()).isEqualTo(Role.PROCESSOR);
  }

  @Test
  void kafkaAndPostgres_fromTheEnvironmentAlone_theCommandLinesRoleWins() throws Exception {
    CommandLineValues cli = new CommandLineValues();
    cli.role = "collector";
    ServerConfig config =
        new ConfigLoader(
                Map.of(
                    "ROLLCALL_LOG", "kafka",
                    "ROLLCALL_STORE", "postgres",
                    "ROLLCALL_ROLE", "delivery",
                    "ROLLCALL_KAFKA_BOOTSTRAP_SERVERS", "k:9092",
                    "ROLLCALL_KAFKA_TOPIC", "calls",
                    "ROLLCALL_POSTGRES_URL", "jdbc:postgresql://db/r",
                    "ROLLCALL_POSTGRES_PASSWORD", "pw"))
            .load(cli);

    assertThat(config.scaleOut().topic()).isEqualTo("calls");
    assertThat(config.scaleOut().postgresPassword()).isEqualTo("pw");
    assertThat(config.scaleOut().applyThreads()).isEqualTo(ScaleOut.DEFAULT_APPLY_THREADS);
    assertThat(config.role()).isEqualTo(Role.COLLECTOR);
  }

  @Test
  void embeddedByDefault_andARoleNeedsKafkaAndPostgres() throws Exception {
    assertThat(load(Map.of(), "port: 8080").scaleOut()).isNull();
    assertThat(load(Map.of(), "port: 8080").role()).isEqualTo(Role.ALL);

    assertThatThrownBy(() -> load(Map.of(), "role: collector"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("role collector needs log: kafka and store: postgres");
    assertThatThrownBy(() -> load(Map.of(), "log: kafka", "kafka:", "  bootstrapServers: k:1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("go together");
    assertThatThrownBy(() -> load(Map.of(), "log: kafka", "store: postgres"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.bootstrapServers");
    assertThatThrownBy(() -> load(Map.of(), "log: rabbit"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("log must be embedded (the default) or kafka, not rabbit");
    assertThatThrownBy(() -> load(Map.of(), "role: janitor"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("role must be collector, processor, delivery or all, not janitor");
  }

  /* ---- secrets from the environment ---- */

  @Test
  void writeKeysAndAdminToken_fromTheFile_takeEnvironmentVariables() throws Exception {
    ServerConfig config =
        load(
            Map.of("WEB_WRITE_KEY", "web-key", "TOKEN", "admin-secret"),
            "writeKeys: [\"${WEB_WRITE_KEY}\", literal-key]",
            "adminToken: ${TOKEN}");

    assertThat(config.writeKeys()).containsExactly("web-key", "literal-key");
    assertThat(config.adminToken()).isEqualTo("admin-secret");
  }

  /** Taken as written, the token would be "${ROLLCALL_ADMIN_TOKEN}", which the docs show. */
  @Test
  void adminTokenFromTheFile_withItsVariableUnset_stopsTheStartNamingIt() {
    assertThatThrownBy(() -> load(Map.of(), "adminToken: ${MISSING_TOKEN}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("adminToken uses the environment variable MISSING_TOKEN, which is not set");
    assertThatThrownBy(() -> load(Map.of(), "writeKeys: [\"${MISSING_KEY}\"]"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("writeKeys[0] uses the environment variable MISSING_KEY, which is not set");
  }

  /**
   * The scale-out examples of the README and the deployment guide load as written, their secrets
   * taken from the environment (the guide's example was not YAML once: {@code [${KEY}]}).
   */
  @ParameterizedTest
  @ValueSource(strings = {"../README.md", "../docs/deployment.md"})
  void theDocumentsScaleOutExample_loads_withItsSecretsFromTheEnvironment(String document)
      throws Exception {
    String text = Files.readString(Path.of(document));
    java.util.regex.Matcher blocks =
        java.util.regex.Pattern.compile("```yaml\\n(.*?)```", java.util.regex.Pattern.DOTALL)
            .matcher(text);
    String example = null;
    while (blocks.find()) {
      if (blocks.group(1).contains("log: kafka")) example = blocks.group(1);
    }
    assertThat(example).as("a yaml block with log: kafka in %s", document).isNotNull();
    Map<String, String> environment =
        Map.of(
            "WEB_WRITE_KEY", "web-key",
            "ROLLCALL_POSTGRES_PASSWORD", "pg-secret",
            "MIXPANEL_TOKEN", "mp-token");
    Path file = dir.resolve("example.yaml");
    // ROLLCALL_ADMIN_TOKEN set would win over the file by itself: renamed, the file's is read
    Files.writeString(file, example.replace("${ROLLCALL_ADMIN_TOKEN}", "${ADMIN_FROM_FILE}"));
    CommandLineValues cli = new CommandLineValues();
    cli.config = file;
    java.util.HashMap<String, String> withToken = new java.util.HashMap<>(environment);
    withToken.put("ADMIN_FROM_FILE", "admin-secret");

    ServerConfig config = new ConfigLoader(withToken).load(cli);

    assertThat(config.writeKeys()).containsExactly("web-key");
    assertThat(config.adminToken()).isEqualTo("admin-secret");
    assertThat(config.scaleOut()).isNotNull();
  }

  /* ---- idle timeout ---- */

  @Test
  void idleTimeout_aMinuteByDefault_fromTheFile_theEnvironmentWins() throws Exception {
    assertThat(load(Map.of(), "port: 8080").idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(load(Map.of(), "idleTimeoutSeconds: 5").idleTimeout())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(
            load(Map.of("ROLLCALL_IDLE_TIMEOUT_SECONDS", "0"), "idleTimeoutSeconds: 5")
                .idleTimeout())
        .as("0: never")
        .isZero();
  }

  @Test
  void idleTimeout_negativeOrNotANumber_saysWhich() {
    assertThatThrownBy(() -> load(Map.of(), "idleTimeoutSeconds: -5"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("idleTimeoutSeconds must be 0 (never) or more, not -5");
    assertThatThrownBy(() -> load(Map.of(), "idleTimeoutSeconds: soon"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("idleTimeoutSeconds must be a whole number, not soon");
  }

  /* ---- rate limit and TLS ---- */

  @Test
  void rateLimit_offByDefault() throws Exception {
    ServerConfig config = load(Map.of(), "port: 8080");

    assertThat(config.rateLimit()).isZero();
  }

  @Test
  void rateLimit_fromTheFile_burstDefaultsToOneSecondsWorth() throws Exception {
    ServerConfig config = load(Map.of(), "rateLimit: 2.5");

    assertThat(config.rateLimit()).isEqualTo(2.5);
    assertThat(config.rateLimitBurst()).isEqualTo(3);
  }

  @Test
  void rateLimit_commandLineWinsOverEnvironmentOverFile() throws Exception {
    Map<String, String> env = Map.of("ROLLCALL_RATE_LIMIT", "20", "ROLLCALL_RATE_LIMIT_BURST", "7");

    assertThat(load(env, "rateLimit: 10", "rateLimitBurst: 100").rateLimit()).isEqualTo(20);
    assertThat(load(env, "rateLimit: 10", "rateLimitBurst: 100").rateLimitBurst()).isEqualTo(7);
    CommandLineValues cli = new CommandLineValues();
    cli.rateLimit = 30.0;
    cli.rateLimitBurst = 9;
    ServerConfig config = new ConfigLoader(env).load(cli);
    assertThat(config.rateLimit()).isEqualTo(30);
    assertThat(config.rateLimitBurst()).isEqualTo(9);
  }

  @Test
  void rateLimit_notANumber_saysWhich() {
    assertThatThrownBy(() -> load(Map.of("ROLLCALL_RATE_LIMIT", "fast")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rateLimit must be a number, not fast");
    assertThatThrownBy(() -> load(Map.of("ROLLCALL_RATE_LIMIT", "-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("0 or more");
  }

  @Test
  void tls_fromTheFile_theEnvironment_orTheCommandLine() throws Exception {
    assertThat(load(Map.of(), "tlsCert: c.pem", "tlsKey: k.pem").tlsCert())
        .isEqualTo(Path.of("c.pem"));
    ServerConfig env =
        load(Map.of("ROLLCALL_TLS_CERT", "e.pem", "ROLLCALL_TLS_KEY", "ek.pem"), "tlsCert: c.pem");
    assertThat(env.tlsCert()).isEqualTo(Path.of("e.pem"));
    assertThat(env.tlsKey()).isEqualTo(Path.of("ek.pem"));
    CommandLineValues cli = new CommandLineValues();
    cli.tlsCert = Path.of("x.pem");
    cli.tlsKey = Path.of("xk.pem");
    ServerConfig config = new ConfigLoader(Map.of()).load(cli);
    assertThat(config.tls()).isTrue();
    assertThat(config.tlsKey()).isEqualTo(Path.of("xk.pem"));
    assertThat(load(Map.of(), "port: 1").tls()).isFalse();
  }

  @Test
  void tls_aCertificateWithoutItsKey_saysWhatIsMissing() {
    assertThatThrownBy(() -> load(Map.of(), "tlsCert: c.pem"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("TLS needs both a certificate and its key: the key is missing");
    assertThatThrownBy(() -> load(Map.of("ROLLCALL_TLS_KEY", "k.pem")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("TLS needs both a certificate and its key: the certificate is missing");
  }

  private ServerConfig load(Map<String, String> environment, String... lines) throws Exception {
    Path file = dir.resolve("rollcall.yaml");
    Files.write(file, List.of(lines));
    CommandLineValues cli = new CommandLineValues();
    cli.config = file;
    return new ConfigLoader(environment).load(cli);
  }
}
